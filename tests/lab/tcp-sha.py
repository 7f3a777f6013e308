#!/usr/bin/env python3
"""tcp-sha.py - move random bytes over TCP and print their count and SHA-256.

  tcp-sha.py recv PORT           accept one connection, hash all it brings
  tcp-sha.py send HOST PORT N    send N random bytes in pieces of odd sizes

Both print "N <sha256>". The lab compares the two lines: the link carries
TCP as CHECKSUM_PARTIAL end to end, so nothing else on the way would
notice bytes copied wrongly into or out of the ring.
"""
import hashlib
import os
import random
import socket
import sys

PIECES = (1, 7, 63, 1448, 4093, 9001, 65537, 262147)


def recv(port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("", port))
    srv.listen(1)
    srv.settimeout(60)
    conn, _ = srv.accept()
    conn.settimeout(60)
    h = hashlib.sha256()
    n = 0
    while True:
        b = conn.recv(1 << 20)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(n, h.hexdigest(), flush=True)


def send(host, port, total):
    data = os.urandom(total)
    conn = socket.create_connection((host, port), timeout=60)
    pick = random.Random(total)
    off = 0
    while off < total:
        k = min(total - off, pick.choice(PIECES))
        conn.sendall(data[off:off + k])
        off += k
    conn.close()
    print(total, hashlib.sha256(data).hexdigest(), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "recv":
        recv(int(sys.argv[2]))
    elif len(sys.argv) == 5 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)
