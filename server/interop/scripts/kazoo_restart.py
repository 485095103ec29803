#!/usr/bin/python3
"""Check that a kazoo session outlives a crash and restart of a standalone server.

Usage: kazoo_restart.py HOST:PORT

Sets up a session with an ephemeral node and a data watch, prints "restart",
and waits for a line on stdin, sent once the server was killed with SIGKILL and
started again on the same port and data. Then prints "ok NAME" or "FAIL NAME:
DETAIL" per check, and exits 1 when a check failed.
"""

import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.protocol.states import KazooState

TIMEOUT = 15.0


def main():
    hosts = sys.argv[1]
    states = []
    c = KazooClient(hosts=hosts, timeout=TIMEOUT)
    c.add_listener(states.append)
    c.start(timeout=TIMEOUT)
    sid = c.client_id[0]
    c.create("/durable", b"before")
    c.create("/durable/eph", b"", ephemeral=True)
    seq = c.create("/durable/s-", b"", sequence=True)

    print("restart", flush=True)
    sys.stdin.readline()

    deadline = time.time() + TIMEOUT
    while not (c.connected and states and states[-1] == KazooState.CONNECTED) and time.time() < deadline:
        time.sleep(0.05)
    results = []

    def check(name, cond, detail):
        results.append(cond)
        print(("ok %s" % name) if cond else ("FAIL %s: %s" % (name, detail)), flush=True)

    check("session_resumed", c.connected and c.client_id[0] == sid and KazooState.LOST not in states,
          "states %r, session %r (was %x)" % ([str(s) for s in states], c.client_id, sid))
    other = KazooClient(hosts=hosts, timeout=TIMEOUT)
    other.start(timeout=TIMEOUT)
    try:
        check("data_survives", c.get("/durable")[0] == b"before", "data %r" % (c.get("/durable"),))
        check("ephemeral_survives", other.exists("/durable/eph") is not None, "ephemeral gone")
        nxt = c.create("/durable/s-", b"", sequence=True)
        check("sequence_continues", int(nxt[-10:]) == int(seq[-10:]) + 1, "%s after %s" % (nxt, seq))
        fired = threading.Event()
        c.get("/durable", watch=lambda e: fired.set())
        other.set("/durable", b"after")
        check("watch_after_restart", fired.wait(TIMEOUT), "no event")
        c.stop()
        c.close()
        gone = other.exists("/durable/eph") is None
        check("ephemeral_removed_on_close", gone, "ephemeral left after close")
    finally:
        other.stop()
        other.close()
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
