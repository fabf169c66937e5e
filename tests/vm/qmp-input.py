#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
"""Injects input events into a running QEMU through QMP `input-send-event`, at a fixed rate, until
QEMU goes away: the host side of the guest's input-latency scenarios (run-guest.sh --qmp-input HZ).
Given the guest's serial LOG, it types only while the guest wants it: from a `GHOSTBREW-INPUT start`
line to the next `GHOSTBREW-INPUT stop` (so the rest of a run sees no input interrupts).

Each tick sends one key event, alternately down and up ('a'), to the guest's virtio keyboard; the
guest timestamps it in the kernel's input layer when the device's interrupt delivers it. Prints how
many events QEMU accepted on exit.

Usage: qmp-input.py SOCKET HZ [LOG]
"""
import json
import socket
import sys
import time


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    path = sys.argv[1]
    try:
        hz = float(sys.argv[2])
    except ValueError:
        print(f"qmp-input: HZ: '{sys.argv[2]}' is not a number", file=sys.stderr)
        return 2
    if not 1 <= hz <= 10000:
        print(f"qmp-input: HZ: {hz} is outside 1..10000", file=sys.stderr)
        return 2
    log = open(sys.argv[3], "rb") if len(sys.argv) == 4 else None
    typing = log is None
    tail = b""

    def wanted() -> bool:
        """Whether the guest's last GHOSTBREW-INPUT line (read so far) says start."""
        nonlocal typing, tail
        chunk = log.read()
        if chunk:
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            for line in lines:
                if b"GHOSTBREW-INPUT start" in line:
                    typing = True
                elif b"GHOSTBREW-INPUT stop" in line:
                    typing = False
        return typing

    sock = None
    for _ in range(600):  # QEMU creates the socket as it starts
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
            break
        except OSError:
            sock.close()
            sock = None
            time.sleep(0.1)
    if sock is None:
        print(f"qmp-input: {path}: no QMP socket after 60 s", file=sys.stderr)
        return 1
    f = sock.makefile("rw")

    def call(cmd: dict) -> dict:
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        while True:
            line = f.readline()
            if not line:
                raise EOFError
            msg = json.loads(line)
            if "return" in msg or "error" in msg:
                return msg

    sent = 0
    try:
        json.loads(f.readline())  # the greeting
        call({"execute": "qmp_capabilities"})
        period = 1.0 / hz
        down = True
        nxt = time.monotonic()
        while True:
            if log is not None and not wanted():
                if not down:  # never leave the key held
                    call({"execute": "input-send-event", "arguments": {"events": [
                        {"type": "key", "data": {"down": False, "key": {"type": "qcode", "data": "a"}}}]}})
                    down = True
                call({"execute": "query-status"})  # notices QEMU's exit
                time.sleep(0.05)
                nxt = time.monotonic()
                continue
            ev = {"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": "a"}}}
            r = call({"execute": "input-send-event", "arguments": {"events": [ev]}})
            if "error" in r:
                print(f"qmp-input: input-send-event: {r['error'].get('desc')}", file=sys.stderr)
                return 1
            sent += 1
            down = not down
            nxt += period
            delay = nxt - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                nxt = time.monotonic()
    except (EOFError, OSError, ValueError):
        pass  # QEMU exited
    print(f"qmp-input: {sent} events sent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
