"""Rewrite imports of the modules issue 16 moved into bench_lib/subjects/, compare/ and report/.

For merging a branch written against the old layout: run it from the checkout's root after the
merge, then `ruff check --select I --fix` sorts the rewritten imports.

    python tools/move_imports.py            # rewrites bench_lib/, tests/, benchmarks/, tools/

Each old module becomes an alias of its new home (`from bench_lib import ipc_stream` ->
`from bench_lib.subjects.ipc import stream as ipc_stream`), so the code that uses it stays as
it is; module paths in strings (`-m bench_lib.io_serve`) follow too.
"""

import pathlib
import re

root = pathlib.Path(".")
M = {
    "spawn": "subjects.spawn.ops",
    "charts_spawn": "subjects.spawn.charts",
    "ipc_channels": "subjects.ipc.channels",
    "ipc_floors": "subjects.ipc.floors",
    "ipc_peers": "subjects.ipc.peers",
    "ipc_pingpong": "subjects.ipc.pingpong",
    "ipc_proxies": "subjects.ipc.proxies",
    "ipc_stream": "subjects.ipc.stream",
    "ipc_workloads": "subjects.ipc.workloads",
    "charts_ipc": "subjects.ipc.charts",
    "locks": "subjects.locks.ops",
    "races": "subjects.locks.races",
    "crew": "subjects.locks.crew",
    "charts_locks": "subjects.locks.charts",
    "pools": "subjects.pool.ops",
    "pool_ready": "subjects.pool.ready",
    "charts_pool": "subjects.pool.charts",
    "gil": "subjects.gil.ops",
    "timeline": "subjects.gil.timeline",
    "charts_gil": "subjects.gil.charts",
    "io_bounds": "subjects.io.bounds",
    "io_client": "subjects.io.client",
    "io_eventloop": "subjects.io.eventloop",
    "io_selectors": "subjects.io.selector_scaling",
    "io_serve": "subjects.io.serve",
    "io_servers": "subjects.io.servers",
    "io_spawn": "subjects.io.unit_spawn",
    "charts_io": "subjects.io.charts",
    "distributed_address": "subjects.distributed.address",
    "distributed_advice": "subjects.distributed.advice",
    "distributed_breakeven": "subjects.distributed.breakeven",
    "distributed_cluster": "subjects.distributed.cluster",
    "distributed_guard": "subjects.distributed.guard",
    "distributed_ops": "subjects.distributed.ops",
    "distributed_workloads": "subjects.distributed.workloads",
    "charts_distributed": "subjects.distributed.charts",
    "compare": "compare.pairs",
    "compare_charts": "compare.charts",
    "compare_html": "compare.html",
    "compare_match": "compare.match",
    "compare_output": "compare.output",
    "compare_text": "compare.text",
    "report": "report.render",
    "report_folder": "report.folder",
    "charts": "report.charts",
    "recommend": "report.recommend",
}

files = [
    p
    for d in ("bench_lib", "tests", "benchmarks", "tools")
    for p in (root / d).rglob("*.py")
    if p.name != "move_imports.py"
]


def split_from(new):
    pkg, leaf = new.rsplit(".", 1)
    return f"bench_lib.{pkg}", leaf


def fix_names(names_src, indent):
    # names_src like "a, b as c" ; returns list of lines
    keep, lines = [], []
    for part in [p.strip() for p in names_src.replace("\n", " ").split(",") if p.strip()]:
        bits = part.split(" as ")
        name = bits[0].strip()
        alias = bits[1].strip() if len(bits) > 1 else name
        if name in M:
            pkg, leaf = split_from(M[name])
            a = "" if alias == leaf else f" as {alias}"
            lines.append(f"{indent}from {pkg} import {leaf}{a}")
        else:
            keep.append(part)
    out = []
    if keep:
        out.append(f"{indent}from bench_lib import {', '.join(keep)}")
    return out + lines


pat_multi = re.compile(r"^([ \t]*)from bench_lib import \(([^)]*)\)[ \t]*(#[^\n]*)?$", re.M)
pat_single = re.compile(r"^([ \t]*)from bench_lib import ([^(\n#]+?)[ \t]*(#[^\n]*)?$", re.M)
pat_from_mod = re.compile(r"\bfrom bench_lib\.([a-z_]+) import(\s*\(?\s*)([a-z_]+)?")
pat_str = re.compile(r"([\"'])bench_lib\.([a-z_]+)([\"']|\.[a-z_]+)")


def new_already(package: str, leaf: str | None) -> bool:
    """``bench_lib.<package>.<leaf>`` names a module of the new layout (compare/, report/)."""
    return bool(leaf) and (root / "bench_lib" / package / f"{leaf}.py").exists()


def moved_from(m: re.Match) -> str:
    name, gap, leaf = m.group(1), m.group(2), m.group(3)
    if name not in M or new_already(name, leaf):
        return m.group(0)
    return f"from bench_lib.{M[name]} import{gap}{leaf or ''}"


def moved_string(m: re.Match) -> str:
    name, tail = m.group(2), m.group(3)
    if name not in M or new_already(name, tail[1:] if tail.startswith(".") else None):
        return m.group(0)
    return f"{m.group(1)}bench_lib.{M[name]}{tail}"


for p in files:
    s = p.read_text()
    o = s

    def rep(m):
        indent, names, comment = m.group(1), m.group(2), m.group(3)
        if not any(
            n.strip().split(" as ")[0].strip() in M for n in names.replace("\n", " ").split(",")
        ):
            return m.group(0)
        lines = fix_names(names, indent)
        if comment:
            lines[0] += "  " + comment
        return "\n".join(lines)

    s = pat_from_mod.sub(moved_from, s)
    s = pat_str.sub(moved_string, s)
    s = pat_multi.sub(rep, s)
    s = pat_single.sub(rep, s)
    if s != o:
        p.write_text(s)
        print("fixed", p)
