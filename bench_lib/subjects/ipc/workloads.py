"""Child side of the IPC benchmarks: producers, echo peers, proxy workers, and the payloads.

Like :mod:`bench_lib.workers.workloads`, this module imports only the standard library
(docs/design.md, principle 1): spawn and forkserver children import the module that defines
their target.
Its own module keeps ``workloads`` under the size ceiling; imports stay local to the functions
that need them, so a child loads only what it uses.
"""

from __future__ import annotations

import os
from typing import Any

IPC_HEADER_BYTES = 8  # a bytes message opens with its sequence number, little-endian
IPC_STOP = b""  # asks an echo peer to report its peak RSS and exit
IPC_RAW_STOP_SEQ = 2**64 - 1  # the same for the raw os.pipe echo (fixed-size messages)
IPC_OBJECT_ITEM = (0, 0.25, "record")  # one small tuple of the "objects" payload (id, value, tag)
IPC_FAULTS = ("lose", "corrupt")  # test hooks: a producer that damages its first message


def peak_rss_reset() -> None:
    """Start a new peak-RSS window for this process (Linux: VmHWM; elsewhere a no-op)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_bytes() -> int:
    """Peak resident memory of this process since the last reset (or since it started)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    import resource  # POSIX: ru_maxrss is KiB on Linux, bytes on macOS
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def ipc_object_items(size: int) -> int:
    """How many small tuples make a pickled ``(seq, [tuple, ...])`` message of about ``size`` B."""
    import pickle

    empty = len(pickle.dumps((2**40, []), protocol=pickle.HIGHEST_PROTOCOL))
    sample = [(i, i / 4, IPC_OBJECT_ITEM[2]) for i in range(1000)]
    per_item = (len(pickle.dumps((2**40, sample), protocol=pickle.HIGHEST_PROTOCOL)) - empty) / 1000
    return max(1, round((size - empty) / per_item))


def ipc_body(payload: str, size: int) -> Any:
    """The part of every message that does not change: bytes, or a list of small tuples."""
    if payload == "bytes":
        n = size - IPC_HEADER_BYTES
        return (bytes(range(256)) * (n // 256 + 1))[:n]
    tag = IPC_OBJECT_ITEM[2]
    return [(i, i / 4, tag) for i in range(ipc_object_items(size))]


def ipc_message(payload: str, body: Any, seq: int) -> Any:
    if payload == "bytes":
        return seq.to_bytes(IPC_HEADER_BYTES, "little") + body
    return (seq, body)


def ipc_damaged(payload: str, message: Any, fault: str, stray_seq: int) -> Any:
    """``lose``: the message is replaced by one the consumer does not expect (so the round still
    ends); ``corrupt``: one byte (or one tuple) of the body changes."""
    if fault == "lose":
        body = message[IPC_HEADER_BYTES:] if payload == "bytes" else message[1]
        return ipc_message(payload, body, stray_seq)
    if payload == "bytes":
        flipped = bytes([message[-1] ^ 0xFF])
        return message[:-1] + flipped
    seq, body = message
    return (seq, [*body[:-1], (-1, -1.0, "corrupt")])


def ipc_sender(channel: str, end: Any, payload: str) -> Any:
    """The send call of a channel end: send_bytes/send for a Connection, put for a queue."""
    if channel.startswith("pipe"):
        return end.send_bytes if payload == "bytes" else end.send
    return end.put


def ipc_receiver(channel: str, end: Any, payload: str) -> Any:
    """The receive call of a channel end (a JoinableQueue also marks each item done)."""
    if channel.startswith("pipe"):
        return end.recv_bytes if payload == "bytes" else end.recv
    if channel == "joinable_queue":

        def get_done() -> Any:
            item = end.get()
            end.task_done()
            return item

        return get_done
    return end.get


def _shm_sender(end: Any, payload: str) -> Any:
    """Write a message into the shared block, send its length as a token, wait for the ack."""
    import pickle

    shm, conn = end

    def send(message: Any) -> None:
        data = message if payload == "bytes" else pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        shm.buf[: len(data)] = data
        conn.send_bytes(len(data).to_bytes(8, "little"))
        conn.recv_bytes()  # the consumer has copied it out: the block may be reused

    return send


def ipc_producer(channel: str, end: Any, payload: str, size: int, control: Any) -> None:
    """Long-lived producer: per ("go", first_seq, n, fault) command send n messages, then "done".

    A JoinableQueue producer also waits in ``join()`` until the consumer marked every item done.
    On ("stop",) it answers with its peak RSS and exits.
    """
    peak_rss_reset()
    body = ipc_body(payload, size)
    send = (
        _shm_sender(end, payload)
        if channel == "shared_memory"
        else ipc_sender(channel, end, payload)
    )
    while True:
        command = control.recv()
        if command[0] == "stop":
            break
        _, first, n, fault = command
        for seq in range(first, first + n):
            message = ipc_message(payload, body, seq)
            if fault is not None and seq == first:
                message = ipc_damaged(payload, message, fault, first + n)
            send(message)
        if channel == "joinable_queue":
            end.join()
        control.send(("done", n))
    if channel == "shared_memory":
        end[0].close()
    control.send(("rss", peak_rss_bytes()))


def ipc_echo(channel: str, there: Any, back: Any, payload: str) -> None:
    """Ping-pong peer: send every message straight back until IPC_STOP, then its peak RSS."""
    peak_rss_reset()
    recv = ipc_receiver(channel, there, payload)
    send = ipc_sender(channel, back, payload)
    while True:
        message = recv()
        if isinstance(message, bytes) and message == IPC_STOP:
            break
        send(message)
    send(peak_rss_bytes().to_bytes(8, "little"))


def ipc_write_all(fd: int, data: Any) -> None:
    """Write all of ``data``: one os.write when it fits (the raw floors stay lean)."""
    done = os.write(fd, data)
    if done < len(data):
        view = memoryview(data)[done:]
        while view:
            view = view[os.write(fd, view) :]


def ipc_read_exact(fd: int, buf: bytearray) -> bool:
    """Fill ``buf`` from ``fd``: one os.readv when it is all there; False on end of file."""
    got = os.readv(fd, [buf])
    if got == len(buf):
        return True
    view = memoryview(buf)[got:]
    while view:
        if got == 0:
            return False
        got = os.readv(fd, [view])
        view = view[got:]
    return True


def ipc_raw_writer(writer: Any, size: int, control: Any) -> None:
    """Floor producer: per ("go", n) write n buffers of ``size`` B with os.write, no framing."""
    peak_rss_reset()
    data = ipc_body("bytes", size + IPC_HEADER_BYTES)
    fd = writer.fileno()
    while (command := control.recv())[0] != "stop":
        for _ in range(command[1]):
            ipc_write_all(fd, data)
        control.send(("done", command[1]))
    control.send(("rss", peak_rss_bytes()))


def ipc_raw_echo(reader: Any, writer: Any, size: int) -> None:
    """Floor ping-pong peer: read ``size`` B with os.readv and write them back, until the
    message with sequence number IPC_RAW_STOP_SEQ (or EOF)."""
    peak_rss_reset()
    buf = bytearray(size)
    stop = IPC_RAW_STOP_SEQ.to_bytes(IPC_HEADER_BYTES, "little")
    while ipc_read_exact(reader.fileno(), buf) and not buf.startswith(stop):
        ipc_write_all(writer.fileno(), buf)
    ipc_write_all(writer.fileno(), peak_rss_bytes().to_bytes(8, "little"))


def ipc_proxy_ops(op: str, target: Any, wid: int, n: int) -> int:
    """Do ``n`` operations of kind ``op`` on ``target`` (a proxy or a plain local object).

    Returns how many reads did not give back what this worker wrote: each worker has its own
    key, attribute or Value, so any mismatch is a lost or corrupted update.
    """
    bad = 0
    if op == "list_append":
        for i in range(n):
            target.append(wid * 1_000_000_000 + i)
    elif op == "dict_setget":
        for i in range(n):
            target[wid] = i
            bad += target[wid] != i
    elif op == "namespace_attr":
        name = f"w{wid}"
        for i in range(n):
            setattr(target, name, i)
            bad += getattr(target, name) != i
    elif op == "value":
        for i in range(n):
            target.value = i
            bad += target.value != i
    else:
        raise ValueError(f"unknown proxy operation {op!r}")
    return bad


def ipc_proxy_worker(op: str, target: Any, wid: int, control: Any) -> None:
    """Long-lived proxy client: per ("go", n) run n operations, answer ("done", mismatches)."""
    peak_rss_reset()
    while (command := control.recv())[0] != "stop":
        control.send(("done", ipc_proxy_ops(op, target, wid, command[1])))
    control.send(("rss", peak_rss_bytes()))
