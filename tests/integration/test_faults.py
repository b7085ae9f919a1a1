"""Faults under the database: a read-only database, a full disk, and
kill -9 in the middle of a burst of submissions.  In each, every response
the server acknowledged (201) is in the database, none is stored twice, and
the file passes PRAGMA integrity_check.

The read-only and full-disk cases mount a small tmpfs (root only); they say
SKIP and pass when that is not permitted.  Every loop is bounded in time
and count, and whatever is mounted is unmounted in a finally block."""
import hashlib
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid

import kb
from kb import Server, response, db_query

SAN = os.environ.get("SAN") == "1"


def _skip(why):
    print("    SKIP: " + why)


def _mount_tmpfs(path, size):
    """Mounts a tmpfs of size at path; None when done, else why not."""
    if os.geteuid() != 0:
        return "not root, cannot mount a tmpfs"
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0777" % size,
                        "tmpfs", path], capture_output=True, text=True)
    if p.returncode != 0:
        return "mount is not permitted here: " + p.stderr.strip()
    return None


def _umount(path):
    for args in (["umount", path], ["umount", "-l", path]):
        if subprocess.run(args, capture_output=True).returncode == 0:
            return


def _kill(s):
    if s is not None and s.proc is not None and s.proc.poll() is None:
        s.proc.kill()
        s.proc.wait(10)


def _submission_hash(sid):
    """What the server stores for a submission id: BLAKE2b-128, unkeyed
    (libsodium's crypto_generichash with a 16-byte output)."""
    return hashlib.blake2b(sid.encode(), digest_size=16).digest()


def _integrity(db):
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()


def _rows(db):
    """{submission hash: id as the server prints it} of every response."""
    return {bytes(sub): rid for rid, sub in
            db_query(db, "SELECT id, submission FROM acked")}


def _rollups_match(db):
    # The rollups count released responses; the intake waits for a release.
    n = db_query(db, "SELECT count(*) FROM responses")[0][0]
    cells = db_query(db, "SELECT coalesce(sum(n), 0) FROM rollup_cells")[0][0]
    return n == cells, (n, cells)


def _big_response():
    """A valid response with the longest comment, to fill a disk fast."""
    r = response()
    r["answers"]["beter_doen"] = ("Een lange opmerking over wat beter kan. " * 13)[:500]
    return r


class _Poster:
    """POSTs responses on one keep-alive connection; reconnects on error."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.timeout = timeout
        self.c = None

    def post(self, r):
        body = json.dumps(r)
        for attempt in range(2):
            try:
                if self.c is None:
                    self.c = http.client.HTTPConnection("127.0.0.1", self.port,
                                                        timeout=self.timeout)
                self.c.request("POST", "/api/responses", body=body,
                               headers={"Content-Type": "application/json"})
                resp = self.c.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), data
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.c is not None:
            self.c.close()
            self.c = None


def _with_bin(wrapper, fn):
    """Runs fn with kb.BIN pointing at wrapper (a script that execs it)."""
    saved = kb.BIN
    kb.BIN = wrapper
    try:
        return fn()
    finally:
        kb.BIN = saved


# ------------------------------------------------------------------ (a)

def _expect_readonly_refusal(s, db, before, label):
    """Started or not, nothing may be acknowledged and nothing changes."""
    rc = None
    try:
        s.start(timeout=30)
    except AssertionError:
        rc = s.proc.wait(10)
        s.reader.join(5)
    print("    %s: %s" % (label, "refused to start" if rc is not None else "started, answers 503"))
    if rc is not None:
        # Refused to start: loudly, naming the database.
        assert rc != 0, label
        assert any(db in l for l in s.log), (label, s.log)
    else:
        # Started: a submission must be refused, not acknowledged.
        p = _Poster(s.port)
        try:
            for _ in range(3):
                st, h, body = p.post(response())
                assert st == 503, (label, st, body)
                e = json.loads(body)
                assert e["error"] and e["message"] and "retry-after" in h, (label, e, h)
        finally:
            p.close()
        st, _, _ = s.get("/healthz")
        assert st in (200, 503), (label, st)
        assert s.stop() == 0, (label, s.log[-10:])
    after = db_query(db, "SELECT id, answers FROM acked ORDER BY id")
    assert after == before, label
    assert _integrity(db) == [("ok",)], label


def test_readonly_database():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    mnt = os.path.join(tmp, "ro")
    os.mkdir(mnt)
    s = None
    mounted = False
    try:
        why = _mount_tmpfs(mnt, "8m")
        if why is not None:
            _skip(why)
            return
        mounted = True
        db = os.path.join(mnt, "k.db")
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s0:
            for _ in range(3):
                assert s0.post("/api/responses", response())[0] == 201
        before = db_query(db, "SELECT id, answers FROM acked ORDER BY id")
        assert len(before) == 3

        # 1. The whole file system read-only.
        p = subprocess.run(["mount", "-o", "remount,ro", mnt], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        s = Server(tmp=tmp, db=db, args=["--rate-limit", "off"])
        _expect_readonly_refusal(s, db, before, "read-only file system")
        _kill(s)
        subprocess.run(["mount", "-o", "remount,rw", mnt], check=True)

        # 2. A database file the server's user may not write (root's,
        # mode 0444, in a folder it may write), the server not root.
        if shutil.which("setpriv") is None:
            _skip("setpriv is missing; the non-root case is not run")
            return
        os.chmod(db, 0o444)
        for extra in (db + ".key",):
            if os.path.exists(extra):
                os.chown(extra, 65534, 65534)  # its own secret stays readable
        wrapper = os.path.join(tmp, "as-nobody.sh")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 "
                    "--clear-groups %s \"$@\"\n" % kb.BIN)
        os.chmod(wrapper, 0o755)
        os.chmod(tmp, 0o777)
        s = Server(tmp=tmp, db=db, args=["--rate-limit", "off"])
        _with_bin(wrapper, lambda: _expect_readonly_refusal(s, db, before, "read-only file, non-root server"))
    finally:
        _kill(s)
        if mounted:
            _umount(mnt)
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------ (b)

def test_full_disk():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    mnt = os.path.join(tmp, "small")
    os.mkdir(mnt)
    s = None
    mounted = False
    try:
        why = _mount_tmpfs(mnt, "2m")
        if why is not None:
            _skip(why)
            return
        mounted = True
        db = os.path.join(mnt, "k.db")
        s = Server(tmp=tmp, db=db, args=["--rate-limit", "off"])
        s.start()
        acked = {}          # submission id -> id from the 201
        refused = []
        p = _Poster(s.port)
        deadline = time.monotonic() + (60 if SAN else 30)
        first_503 = None
        try:
            for i in range(20000):
                if time.monotonic() > deadline:
                    break
                r = _big_response()
                st, h, body = p.post(r)
                if st == 201:
                    acked[r["submission_id"]] = json.loads(body)["id"]
                elif st == 503:
                    e = json.loads(body)
                    assert e["error"] and e["message"] and "retry-after" in h, (e, h)
                    refused.append(r["submission_id"])
                    if first_503 is None:
                        first_503 = i
                    # A few more after the first: still refused or stored,
                    # never anything else.
                    if i - first_503 >= 50:
                        break
                else:
                    raise AssertionError("status %s on a full disk: %r" % (st, body[:200]))
        finally:
            p.close()
        assert first_503 is not None, "2 MB never filled up (%d stored)" % len(acked)
        print("    full disk: %d acknowledged, then %d refused (503)" % (len(acked), len(refused)))
        assert len(acked) > 10, "the disk filled before anything was stored"
        # The server keeps answering while the disk is full.
        assert s.get("/healthz")[0] in (200, 503)
        assert s.get("/api/surveys")[0] == 200
        rc = s.stop()
        assert rc == 0, "exit status %s on a full disk:\n%s" % (rc, "\n".join(s.log[-20:]))

        # On a bigger disk: every acknowledged response is there, once.
        big = os.path.join(tmp, "big")
        os.mkdir(big)
        for f in os.listdir(mnt):
            if f.startswith("k.db"):
                shutil.copy2(os.path.join(mnt, f), big)
        copy = os.path.join(big, "k.db")
        assert _integrity(copy) == [("ok",)]
        rows = _rows(copy)
        for sid, rid in acked.items():
            assert rows.get(_submission_hash(sid)) == rid, "acknowledged response %s lost" % sid
        assert len(rows) == len(acked), "stored %d, acknowledged %d" % (len(rows), len(acked))
        ok, detail = _rollups_match(copy)
        assert ok, "rollups count %s" % (detail,)
        with Server(tmp=big, db=copy, args=["--rate-limit", "off"]) as s2:
            # A refused response, sent again, is stored now; an acknowledged
            # one is a repeat.
            p = _Poster(s2.port)
            try:
                sid = refused[0]
                r = _big_response()
                r["submission_id"] = sid
                assert p.post(r)[0] == 201
                r["submission_id"] = next(iter(acked))
                assert p.post(r)[0] == 200
            finally:
                p.close()
            assert s2.count() == len(acked) + 1
        assert _integrity(copy) == [("ok",)]
    finally:
        _kill(s)
        if mounted:
            _umount(mnt)
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------ (c)

def _burst(port, sids, nthreads, deadline, stop=None, on_result=None):
    """POSTs a response for each submission id from nthreads keep-alive
    connections.  Returns {sid: (status, id)} of those answered; a thread
    ends when the server is gone, stop is set or the deadline passes."""
    results = {}
    lock = threading.Lock()

    def worker(k):
        p = _Poster(port, timeout=20)
        try:
            for sid in sids[k::nthreads]:
                if (stop is not None and stop.is_set()) or time.monotonic() > deadline:
                    return
                try:
                    st, h, body = p.post(response(submission_id=sid))
                except (OSError, http.client.HTTPException):
                    return
                rid = json.loads(body).get("id") if st in (200, 201) else None
                with lock:
                    results[sid] = (st, rid)
                if on_result is not None:
                    on_result(st)
        finally:
            p.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True)
               for k in range(nthreads)]
    for t in threads:
        t.start()
    return threads, results


def test_kill_9_during_burst():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    s = s2 = None
    try:
        db = os.path.join(tmp, "k.db")
        s = Server(tmp=tmp, db=db, args=["--rate-limit", "off"])
        s.start()
        total, nthreads = 10000, 64
        sids = [str(uuid.uuid4()) for _ in range(total)]
        stop = threading.Event()
        acked_count = [0]
        count_lock = threading.Lock()
        deadline = time.monotonic() + (90 if SAN else 45)

        def counted(st):
            if st == 201:
                with count_lock:
                    acked_count[0] += 1

        threads, results = _burst(s.port, sids, nthreads, deadline, stop, counted)
        # Kill once a good share is acknowledged, mid-burst.
        kill_at = total * 2 // 5
        while time.monotonic() < deadline and acked_count[0] < kill_at and \
                any(t.is_alive() for t in threads):
            time.sleep(0.005)
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(10)
        stop.set()
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads)
        acked = {sid: rid for sid, (st, rid) in results.items() if st == 201}
        assert len(acked) >= 100, "too few acknowledged before the kill: %d" % len(acked)
        assert len(acked) < total, "the burst finished before the kill"
        print("    kill -9: %d of %d acknowledged before the kill" % (len(acked), total))
        bad = {st for st, _ in results.values()} - {201}
        assert not bad, "statuses other than 201 in the burst: %s" % bad

        # Restart on the same file: every 201 is there, once; nothing
        # that was never sent.
        s2 = Server(tmp=tmp, db=db, args=["--rate-limit", "off"])
        s2.start()
        assert _integrity(db) == [("ok",)]
        rows = _rows(db)
        sent = set(_submission_hash(x) for x in sids)
        for sid, rid in acked.items():
            assert rows.get(_submission_hash(sid)) == rid, "acknowledged %s lost" % sid
        assert set(rows) <= sent, "a row of a submission never sent"
        ok, detail = _rollups_match(db)
        assert ok, "rollups count %s" % (detail,)
        # The kiosks send what was not acknowledged again: each is stored
        # once (201), or was stored before the kill (200), then under the
        # id it was stored with.
        unacked = [x for x in sids if x not in acked]
        threads, again = _burst(s2.port, unacked, 16, time.monotonic() + (90 if SAN else 45))
        for t in threads:
            t.join(120)
        assert len(again) == len(unacked), "resent %d of %d" % (len(again), len(unacked))
        for sid, (st, rid) in again.items():
            h = _submission_hash(sid)
            assert st in (200, 201), (sid, st)
            assert (st == 200) == (h in rows), (sid, st)
            if st == 200:
                assert rows[h] == rid, sid
        assert len(_rows(db)) == total, "stored %d of %d" % (len(_rows(db)), total)
        ok, detail = _rollups_match(db)
        assert ok, "rollups count %s" % (detail,)
        assert s2.stop() == 0
        assert _integrity(db) == [("ok",)]
    finally:
        _kill(s)
        _kill(s2)
        shutil.rmtree(tmp, ignore_errors=True)
