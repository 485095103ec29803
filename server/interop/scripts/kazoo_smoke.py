#!/usr/bin/python3
"""Drive a ZooKeeper server with kazoo and report each check.

Usage: kazoo_smoke.py HOST:PORT

Prints one line per check, "ok NAME" or "FAIL NAME: DETAIL", and exits 1 when a
check failed. The same script runs against Apache ZooKeeper, so a check that
fails only against another server points at that server.
"""

import contextlib
import sys
import threading
import traceback
import uuid

from kazoo.client import KazooClient
from kazoo.exceptions import (
    BadVersionError,
    NoAuthError,
    NoChildrenForEphemeralsError,
    NodeExistsError,
    NoNodeError,
    NotEmptyError,
    RolledBackError,
    RuntimeInconsistency,
)
from kazoo.protocol.states import EventType
from kazoo.security import make_digest_acl

TIMEOUT = 10.0
# A root of its own per run: a run leaves nodes behind that nobody may delete.
ROOT = "/kazoo-%s" % uuid.uuid4().hex[:12]

checks = []


def check(fn):
    checks.append(fn)
    return fn


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def raises(exc, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc:
        return
    raise AssertionError("expected %s from %s%r" % (exc.__name__, fn.__name__, args))


def connect(hosts, **kwargs):
    c = KazooClient(hosts=hosts, timeout=TIMEOUT, **kwargs)
    c.start(timeout=TIMEOUT)
    return c


@contextlib.contextmanager
def session(hosts, **kwargs):
    """A second client for the duration of a with block."""
    c = connect(hosts, **kwargs)
    try:
        yield c
    finally:
        c.stop()
        c.close()


class Fired:
    """A one-shot watch callback that remembers the event it got."""

    def __init__(self):
        self.event = None
        self.done = threading.Event()

    def __call__(self, event):
        self.event = event
        self.done.set()

    def wait(self):
        expect(self.done.wait(TIMEOUT), "watch did not fire within %ss" % TIMEOUT)
        return self.event


@check
def create_modes(c, hosts):
    base = ROOT + "/modes"
    c.create(base, b"base")
    expect(c.create(base + "/p", b"d") == base + "/p", "persistent path")
    raises(NodeExistsError, c.create, base + "/p", b"d")
    raises(NoNodeError, c.create, base + "/missing/child", b"d")
    s1 = c.create(base + "/s-", b"", sequence=True)
    s2 = c.create(base + "/s-", b"", sequence=True)
    expect(s1 == base + "/s-0000000001", "first sequential name %r" % s1)
    expect(s2 == base + "/s-0000000002", "second sequential name %r" % s2)
    e = c.create(base + "/e", b"x", ephemeral=True)
    _, stat = c.get(e)
    expect(stat.ephemeralOwner == c.client_id[0], "ephemeralOwner %x is not the session %x" % (stat.ephemeralOwner, c.client_id[0]))
    es = c.create(base + "/es-", b"", ephemeral=True, sequence=True)
    expect(es == base + "/es-0000000004", "ephemeral sequential name %r" % es)
    raises(NoChildrenForEphemeralsError, c.create, e + "/child", b"")
    deep = c.create(base + "/a/b/c", b"deep", makepath=True)
    expect(c.get(deep)[0] == b"deep", "makepath data")


@check
def create_returns_stat(c, hosts):
    path, stat = c.create(ROOT + "/stat", b"12345", include_data=True)
    expect(path == ROOT + "/stat", "path")
    expect(stat.dataLength == 5 and stat.version == 0 and stat.czxid == stat.mzxid, "stat %r" % (stat,))


@check
def get_set_versions(c, hosts):
    p = ROOT + "/ver"
    c.create(p, b"v0")
    data, stat = c.get(p)
    expect(data == b"v0" and stat.version == 0, "initial %r %r" % (data, stat))
    stat = c.set(p, b"v1", version=0)
    expect(stat.version == 1, "version after set %d" % stat.version)
    raises(BadVersionError, c.set, p, b"v2", version=0)
    stat = c.set(p, b"v2")  # -1 matches any version
    expect(stat.version == 2, "unconditional set version %d" % stat.version)
    data, stat = c.get(p)
    expect(data == b"v2" and stat.dataLength == 2, "data %r" % data)
    raises(BadVersionError, c.delete, p, version=1)
    c.delete(p, version=2)
    expect(c.exists(p) is None, "deleted node exists")
    raises(NoNodeError, c.get, p)
    raises(NoNodeError, c.set, p, b"")


@check
def children(c, hosts):
    p = ROOT + "/kids"
    c.create(p)
    for name in ["b", "a", "c"]:
        c.create(p + "/" + name, name.encode())
    expect(sorted(c.get_children(p)) == ["a", "b", "c"], "children %r" % c.get_children(p))
    kids, stat = c.get_children(p, include_data=True)
    expect(stat.numChildren == 3 and stat.cversion == 3, "parent stat %r" % (stat,))
    raises(NotEmptyError, c.delete, p)
    c.delete(p, recursive=True)
    expect(c.exists(p) is None, "recursive delete")


@check
def data_watches(c, hosts):
    p = ROOT + "/dw"
    created = Fired()
    expect(c.exists(p, watch=created) is None, "exists before create")
    c.create(p, b"0")
    ev = created.wait()
    expect(ev.type == EventType.CREATED and ev.path == p, "create event %r" % (ev,))
    changed = Fired()
    c.get(p, watch=changed)
    c.set(p, b"1")
    ev = changed.wait()
    expect(ev.type == EventType.CHANGED and ev.path == p, "change event %r" % (ev,))
    deleted = Fired()
    c.get(p, watch=deleted)
    c.delete(p)
    ev = deleted.wait()
    expect(ev.type == EventType.DELETED and ev.path == p, "delete event %r" % (ev,))


@check
def child_watches(c, hosts):
    p = ROOT + "/cw"
    c.create(p)
    added = Fired()
    c.get_children(p, watch=added)
    c.create(p + "/x")
    ev = added.wait()
    expect(ev.type == EventType.CHILD and ev.path == p, "child event %r" % (ev,))
    removed = Fired()
    c.get_children(p, watch=removed)
    c.delete(p + "/x")
    ev = removed.wait()
    expect(ev.type == EventType.CHILD and ev.path == p, "child event %r" % (ev,))


@check
def watches_from_another_session(c, hosts):
    """A watch fires for a change made by a different client."""
    p = ROOT + "/other"
    c.create(p, b"a")
    seen = []
    fired = threading.Event()

    @c.DataWatch(p)
    def watch(data, stat):
        seen.append(data)
        if data == b"b":
            fired.set()

    with session(hosts) as other:
        other.set(p, b"b")
        expect(fired.wait(TIMEOUT), "DataWatch saw %r" % seen)


@check
def transactions(c, hosts):
    p = ROOT + "/tx"
    c.create(p, b"0")
    t = c.transaction()
    t.create(p + "/a", b"a")
    t.set_data(p, b"1", version=0)
    t.check(p, 1)
    t.create(p + "/s-", b"", sequence=True)
    results = t.commit()
    expect(results[0] == p + "/a", "create result %r" % (results,))
    expect(results[1].version == 1, "set_data result %r" % (results,))
    expect(results[2] is True, "check result %r" % (results,))
    expect(results[3] == p + "/s-0000000001", "sequential result %r" % (results,))
    # A failing check rolls back every operation in the transaction.
    t = c.transaction()
    t.create(p + "/b", b"b")
    t.check(p, 0)
    t.delete(p + "/a")
    results = t.commit()
    expect(isinstance(results[0], RolledBackError), "first result %r" % (results,))
    expect(isinstance(results[1], BadVersionError), "second result %r" % (results,))
    # Apache ZooKeeper marks the operations after the failed one RuntimeInconsistency.
    expect(isinstance(results[2], RuntimeInconsistency), "third result %r" % (results,))
    expect(c.exists(p + "/b") is None and c.exists(p + "/a") is not None, "rolled back transaction left effects")
    expect(c.get(p)[0] == b"1", "data after rollback")


@check
def digest_acl(c, hosts):
    p = ROOT + "/acl"
    acl = make_digest_acl("alice", "secret", all=True)
    owner = connect(hosts, auth_data=[("digest", "alice:secret")])
    stranger = connect(hosts)
    late = connect(hosts)
    try:
        owner.create(p, b"private", acl=[acl])
        owner.create(p + "/open", b"")  # world-readable child of a private node
        acls, _ = owner.get_acls(p)
        expect(len(acls) == 1 and acls[0].id.scheme == "digest" and acls[0].id.id == acl.id.id, "acls %r" % (acls,))
        expect(acls[0].perms == acl.perms, "perms %r" % (acls,))
        expect(owner.get(p)[0] == b"private", "owner read")
        raises(NoAuthError, stranger.get, p)
        raises(NoAuthError, stranger.set, p, b"x")
        raises(NoAuthError, stranger.create, p + "/child", b"")
        late.add_auth("digest", "alice:secret")
        expect(late.get(p)[0] == b"private", "read after add_auth")
        late.set(p, b"changed")
        # Deleting needs DELETE on the parent, not on the node itself.
        raises(NoAuthError, stranger.delete, p + "/open")
        expect(stranger.get(p + "/open")[0] == b"", "the child's own ACL is open")
        # Wrong password: authenticated, but as someone else.
        with session(hosts, auth_data=[("digest", "alice:wrong")]) as wrong:
            raises(NoAuthError, wrong.get, p)
        owner.set_acls(p, [make_digest_acl("alice", "secret", read=True)])
        raises(NoAuthError, owner.set, p, b"y")
        expect(owner.get(p)[0] == b"changed", "read with read-only acl")
    finally:
        for x in (owner, stranger, late):
            x.stop()
            x.close()


@check
def exists_needs_no_read_permission(c, hosts):
    """Apache ZooKeeper 3.8 answers exists with the Stat even without READ."""
    p = ROOT + "/unreadable"
    c.create(p, b"x", acl=[make_digest_acl("alice", "secret", all=True)])
    with session(hosts) as stranger:
        stat = stranger.exists(p)
        expect(stat is not None and stat.dataLength == 1, "exists %r" % (stat,))


@check
def session_close_removes_ephemerals(c, hosts):
    p = ROOT + "/eph"
    c.create(p)
    other = connect(hosts)
    other.create(p + "/mine", b"", ephemeral=True)
    other.create(p + "/seq-", b"", ephemeral=True, sequence=True)
    gone = Fired()
    expect(c.exists(p + "/mine", watch=gone) is not None, "ephemeral visible to others")
    kids = Fired()
    expect(len(c.get_children(p, watch=kids)) == 2, "two ephemerals")
    other.stop()
    other.close()
    ev = gone.wait()
    expect(ev.type == EventType.DELETED, "event %r" % (ev,))
    ev = kids.wait()
    expect(ev.type == EventType.CHILD, "event %r" % (ev,))
    expect(c.get_children(p) == [], "ephemerals left: %r" % c.get_children(p))


@check
def sync_and_server_info(c, hosts):
    c.sync(ROOT)
    expect(c.command(b"ruok") == "imok", "ruok")
    expect(c.server_version() >= (3, 4), "server_version %r" % (c.server_version(),))


@check
def lock_recipe(c, hosts):
    with session(hosts) as other:
        mine = c.Lock(ROOT + "/lock", "me")
        theirs = other.Lock(ROOT + "/lock", "them")
        expect(mine.acquire(timeout=TIMEOUT), "first acquire")
        expect(not theirs.acquire(blocking=False), "second holder while held")
        expect(theirs.contenders() == ["me"], "contenders %r" % theirs.contenders())
        mine.release()
        expect(theirs.acquire(timeout=TIMEOUT), "acquire after release")
        theirs.release()


@check
def counter_recipe(c, hosts):
    counter = c.Counter(ROOT + "/counter")
    counter += 5
    counter -= 2
    expect(counter.value == 3, "counter %r" % counter.value)


def main():
    hosts = sys.argv[1]
    c = connect(hosts)
    failed = 0
    try:
        c.create(ROOT)
        for fn in checks:
            try:
                fn(c, hosts)
                print("ok %s" % fn.__name__, flush=True)
            except Exception as e:  # report every check, whatever it raised
                failed += 1
                detail = "%s: %s" % (type(e).__name__, e)
                print("FAIL %s: %s" % (fn.__name__, detail.replace("\n", " ")), flush=True)
                traceback.print_exc(file=sys.stderr)
    finally:
        c.stop()
        c.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
