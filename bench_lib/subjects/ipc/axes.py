"""The ipc subject's parameter tables, by profile: sizes with their placements, channels,
proxy operations (read by ``benchmarks/test_ipc.py``'s grids).

Each table is a budget: quick keeps to about a minute and standard to about five minutes on
two cores, so the bigger grids (every size, every channel) are ``full``'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench_lib.subjects.ipc import channels as ipc_channels
from bench_lib.subjects.ipc import interp_sessions as ipc_interp
from bench_lib.subjects.ipc import proxies as ipc_proxies
from bench_lib.subjects.ipc.channels import RAW_TRANSPORTS, KiB, MiB
from bench_lib.workers.placement import PLACEMENTS

SAME, CROSS = PLACEMENTS
BOTH = (SAME, CROSS)
# (size, placements) by profile: both placements at the headline sizes (64 B, 1 MiB; quick:
# cross_core only), the others cross_core only, in full: it straddles 16 KiB, 64 KiB (the pipe
# buffer) and 1 MiB, and goes to 16 MiB (a round of 4 such messages is ~0.1 s: 10 points of
# it were 30 s of a standard run, which must stay under five minutes).
Points = dict[str, Sequence[tuple[int, tuple[str, ...]]]]  # profile -> (size, placements)
STREAM_POINTS: Points = {
    "smoke": [(64, BOTH)],
    "quick": [(64, (CROSS,)), (1 * MiB, (CROSS,))],
    "standard": [(64, BOTH), (1 * MiB, BOTH)],
    "full": [
        (64, BOTH),
        *((k * KiB, (CROSS,)) for k in (1, 8, 16, 32, 64, 128)),
        (1 * MiB, BOTH),
        *((k * MiB, (CROSS,)) for k in (2, 16)),
    ],
}
PING_POINTS: Points = {
    "smoke": [(64, BOTH)],
    "quick": [(64, (CROSS,))],
    "standard": [(64, BOTH)],
    "full": [(64, BOTH), *((k, (CROSS,)) for k in (16 * KiB, 64 * KiB, MiB))],
}
SIZES: dict[str, Sequence[int]] = {
    name: [size for size, _ in points] for name, points in STREAM_POINTS.items()
}
OBJECT_SIZES: dict[str, Sequence[int]] = {
    "smoke": [64],
    "standard": [64, 64 * KiB],
    "full": [64, 64 * KiB, 1 * MiB],
}
INTERP = list(ipc_interp.INTERP_CHANNELS)  # subinterpreter channels, 3.14+
STREAM_CHANNELS: dict[str, Sequence[str]] = {
    "smoke": [*ipc_channels.CHANNELS, *INTERP],
    "quick": [*ipc_channels.CHANNELS, "interp_queue"],
    "standard": [*ipc_channels.CHANNELS, *INTERP],
}
OBJECT_CHANNELS: dict[str, Sequence[str]] = {
    "smoke": ["pipe", "queue", "interp_queue"],
    "standard": ["pipe", "queue", "interp_queue"],
    "full": ["pipe", "queue", "simple_queue", "manager_queue", "shared_memory", *INTERP],
}
FAN_IN_CHANNELS = {"smoke": ["queue", "simple_queue", "manager_queue"], "quick": ["queue"]}
FAN_IN_CHANNELS["standard"] = FAN_IN_CHANNELS["smoke"]
PROXY_OPS: dict[str, Sequence[str]] = {  # standard: one op of each kind (a call pair, one call)
    "smoke": list(ipc_proxies.PROXY_OPS),
    "quick": ["dict_setget"],
    "standard": ["dict_setget", "list_append"],
    "full": list(ipc_proxies.PROXY_OPS),
}
FAN_IN_SIZE = 64  # small messages: fan-in is about contention on the queue, not bandwidth
PING_CHANNELS: dict[str, Sequence[str]] = {  # every floor its channels need is kept
    "smoke": [
        *(c for c, spec in ipc_channels.CHANNELS.items() if spec.ping_pong),
        *RAW_TRANSPORTS,
        *ipc_interp.PING_PONG,
    ],
    "quick": ["pipe", "queue", *RAW_TRANSPORTS],
    "standard": [
        "pipe",
        "pipe_simplex",
        "queue",
        "manager_queue",
        *RAW_TRANSPORTS,
        *ipc_interp.PING_PONG,
    ],
    "full": [
        *(c for c, spec in ipc_channels.CHANNELS.items() if spec.ping_pong),
        *RAW_TRANSPORTS,
        *ipc_interp.PING_PONG,
    ],
}
