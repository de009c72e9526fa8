#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Slowloris sockets for bench/load.sh: opens N connections to HOST:PORT, sends
# the start of a request head and then one header byte per socket every
# INTERVAL seconds, never finishing the head. Records, for each socket, when
# the server closed it and what it answered first. Stops after SECONDS.
# Usage: slowloris.py HOST PORT [N=20] [SECONDS=60] [INTERVAL=1] [SOURCE=127.0.0.2]
# SOURCE is the local address the sockets bind to (another loopback address,
# so they count as another client than the well-behaved load).
import socket
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 60
interval = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
source = sys.argv[6] if len(sys.argv) > 6 else "127.0.0.2"

start = time.monotonic()
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((source, 0))
    except OSError:
        pass  # no such local address: fall back to the default one
    s.connect((host, port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    s.setblocking(False)
    socks.append({"sock": s, "opened": time.monotonic(), "closed": None, "answer": b""})

ticks = 0
next_send = time.monotonic() + interval
while time.monotonic() - start < seconds and any(e["closed"] is None for e in socks):
    send_now = time.monotonic() >= next_send
    for e in socks:
        if e["closed"] is not None:
            continue
        s = e["sock"]
        try:
            data = s.recv(4096)
            if not data:
                e["closed"] = time.monotonic()
                continue
            e["answer"] += data
        except BlockingIOError:
            pass
        except OSError:
            e["closed"] = time.monotonic()
            continue
        if not send_now:
            continue
        try:
            s.send(b"X")  # one more byte of a header name that never ends
        except BlockingIOError:
            pass
        except OSError:
            e["closed"] = time.monotonic()
    if send_now:
        ticks += 1
        next_send += interval
    time.sleep(0.05)  # closes are seen within ~50 ms

closed = [e["closed"] - e["opened"] for e in socks if e["closed"] is not None]
answers = {}
for e in socks:
    line = e["answer"].split(b"\r\n", 1)[0].decode("latin-1") or "(nothing)"
    answers[line] = answers.get(line, 0) + 1
    e["sock"].close()
closed.sort()
print(f"SLOWLORIS sockets={n} source={source} closed_by_server={len(closed)} "
      f"open_at_end={n - len(closed)} trickle_ticks={ticks}")
if closed:
    print(f"SLOWLORIS time_to_close_s min={closed[0]:.1f} median={closed[len(closed) // 2]:.1f} max={closed[-1]:.1f}")
for line, count in sorted(answers.items()):
    print(f"SLOWLORIS first_answer {count} x {line}")
