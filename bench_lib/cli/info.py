"""`mpbench info`: this machine's fingerprint, as a result file would record it."""

from __future__ import annotations

import argparse
from typing import Any

from bench_lib.machine import environment


def add_parser(sub: Any) -> None:
    info = sub.add_parser("info", help="print this machine's fingerprint")
    info.set_defaults(func=cmd_info)


def cmd_info(args: argparse.Namespace) -> int:
    fp = environment.fingerprint()
    for key, value in fp.as_dict().items():
        print(f"{key:<22} {value}")
    return 0
