"""``python -m bench_lib.cli``: the ``mpbench`` command."""

from bench_lib.cli.main import main

raise SystemExit(main())
