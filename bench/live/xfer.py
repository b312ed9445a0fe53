#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One-way bulk transfer for bench_live.py (not a test).

  xfer.py recv IP PORT        accept connections forever; for each, read to EOF
                              and answer "BYTES SECONDS" (first byte to EOF)
  xfer.py send IP PORT FILE   send FILE in 64 KiB writes, print one JSON line
                              with the rate the receiver saw
"""
import json
import socket
import sys
import time


def recv(ip, port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ip, port))
    srv.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        total, first = 0, None
        while True:
            chunk = conn.recv(1 << 20)
            if not chunk:
                break
            if first is None:
                first = time.monotonic()
            total += len(chunk)
        secs = time.monotonic() - first if first is not None else 0.0
        conn.sendall(b"%d %.6f\n" % (total, secs))
        conn.close()


def send(ip, port, path):
    data = open(path, "rb").read()
    conn = socket.create_connection((ip, port), timeout=120)
    view = memoryview(data)
    for at in range(0, len(data), 65536):
        conn.sendall(view[at:at + 65536])
    conn.shutdown(socket.SHUT_WR)
    reply = conn.makefile().readline().split()
    conn.close()
    total, secs = int(reply[0]), float(reply[1])
    print(json.dumps({"bytes": total, "secs": secs,
                      "mbps": total / 1e6 / secs if secs > 0 else None}))


if __name__ == "__main__":
    if sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]))
    else:
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4])
