"""The intake and the release (issue #14): acknowledged means in the intake;
a release moves it into the responses in random order and leaves no trace of
arrival order in the database, its WAL or its shm; files are private; earlier
responses are imported all or nothing; a database of the previous release
migrates."""
import json
import os
import sqlite3
import stat
import subprocess
import tempfile
import time

from kb import ROOT, Server, db_query, response, run_tool


def marker(i):
    """A word per index, letters only, so redaction leaves it alone."""
    s = ""
    for _ in range(4):
        s += chr(ord("a") + i % 26)
        i //= 26
    return "volgordemerk" + s + "x"


def spearman(xs, ys):
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0] * len(v)
        for k, i in enumerate(order):
            r[i] = k
        return r
    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    d2 = sum((a - b) ** 2 for a, b in zip(rx, ry))
    return 1 - 6 * d2 / (n * (n * n - 1))


def raw(path):
    data = b""
    for tail in ("", "-wal", "-shm"):
        if os.path.exists(path + tail):
            with open(path + tail, "rb") as f:
                data += f.read()
    return data


def test_release_forgets_arrival_order():
    n = 300
    with Server(args=["--rate-limit", "off"]) as s:
        for i in range(n):
            st, _, body = s.post("/api/responses", response(
                answers=dict(response()["answers"], beter_doen=marker(i))))
            assert st == 201, body
        # Before the release: in the intake, in arrival order, not counted.
        assert db_query(s.db, "SELECT count(*) FROM intake")[0][0] == n
        assert db_query(s.db, "SELECT count(*) FROM responses")[0][0] == 0
        out = s.release()
        assert "%d responses released" % n in out, out
        assert db_query(s.db, "SELECT count(*) FROM intake")[0][0] == 0
        assert db_query(s.db, "SELECT count(*) FROM responses")[0][0] == n
        # The rollups count them now.
        assert db_query(s.db, "SELECT sum(n) FROM rollup_cells")[0][0] == n
        wal = s.db + "-wal"
        assert not os.path.exists(wal) or os.path.getsize(wal) == 0, \
            os.path.getsize(wal)
        data = raw(s.db)
        offsets = []
        for i in range(n):
            m = marker(i).encode()
            # Each marker exactly once: the intake's copy is zeroed.
            assert data.count(m) == 1, (i, data.count(m))
            offsets.append(data.find(m))
        rho = spearman(list(range(n)), offsets)
        print("    rank correlation of file offset with arrival: %.3f" % rho)
        assert abs(rho) <= 0.2, rho
        rowids = [r[0] for r in db_query(
            s.db, "SELECT id, answers FROM responses ORDER BY id")]
        order = [json.loads(a)["beter_doen"] for _, a in db_query(
            s.db, "SELECT id, answers FROM responses ORDER BY id")]
        rho_ids = spearman(list(range(n)), [order.index(marker(i)) for i in range(n)])
        print("    rank correlation of row id with arrival: %.3f" % rho_ids)
        assert abs(rho_ids) <= 0.2
        assert len(rowids) == n


def test_second_release_rewrites_the_week():
    """Two releases in one week leave no day boundary in the ids."""
    with Server(args=["--rate-limit", "off"]) as s:
        for i in range(60):
            assert s.post("/api/responses", response(
                answers=dict(response()["answers"], beter_doen=marker(i))))[0] == 201
        s.release()
        for i in range(60, 120):
            assert s.post("/api/responses", response(
                answers=dict(response()["answers"], beter_doen=marker(i))))[0] == 201
        s.release()
        rows = db_query(s.db, "SELECT answers FROM responses ORDER BY id")
        first_half = [json.loads(a)["beter_doen"] in
                      {marker(i) for i in range(60)} for (a,) in rows]
        # The first release's rows are not all before the second's.
        assert first_half[:60].count(True) < 55, first_half[:60].count(True)
        assert db_query(s.db, "SELECT sum(n) FROM rollup_cells")[0][0] == 120


def test_repeat_after_release_is_still_a_repeat():
    with Server() as s:
        r = response()
        st, _, b1 = s.post("/api/responses", r)
        assert st == 201
        st, _, b2 = s.post("/api/responses", r)
        assert st == 200 and json.loads(b1)["id"] == json.loads(b2)["id"]
        s.release()
        st, _, b3 = s.post("/api/responses", r)
        assert st == 200 and json.loads(b3)["id"] == json.loads(b1)["id"]
        assert s.count() == 1


def test_files_are_private_whatever_the_umask():
    old = os.umask(0)
    try:
        with Server() as s:
            assert s.post("/api/responses", response())[0] == 201
            for tail in ("", "-wal", "-shm"):
                p = s.db + tail
                if os.path.exists(p):
                    mode = stat.S_IMODE(os.stat(p).st_mode)
                    assert mode == 0o600, (p, oct(mode))
    finally:
        os.umask(old)


def test_wal_back_to_zero_when_idle():
    with Server(args=["--rate-limit", "off"]) as s:
        for _ in range(200):
            assert s.post("/api/responses", response())[0] == 201
        wal = s.db + "-wal"
        deadline = time.time() + 5
        while time.time() < deadline and os.path.getsize(wal) > 0:
            time.sleep(0.1)
        assert os.path.getsize(wal) == 0, os.path.getsize(wal)


def test_deleted_database_stops_acknowledging():
    with Server() as s:
        assert s.post("/api/responses", response())[0] == 201
        for tail in ("", "-wal", "-shm"):
            if os.path.exists(s.db + tail):
                os.unlink(s.db + tail)
        st, _, body = s.post("/api/responses", response())
        assert st == 503, (st, body)
        assert s.get("/healthz")[0] == 503
        assert any("deleted or replaced" in l for l in s.log), s.log[-5:]


def write_lines(path, lines):
    with open(path, "w") as f:
        for l in lines:
            f.write((l if isinstance(l, str) else json.dumps(l)) + "\n")


def test_import_all_or_nothing():
    tmp = tempfile.mkdtemp(prefix="kb-imp-")
    db = os.path.join(tmp, "k.db")
    good = []
    for i in range(40):
        r = response(channel=["qr", "kiosk", "sms", "web"][i % 4],
                     answers=dict(response()["answers"], gehoord=1 + i % 5,
                                  beter_doen="Bel me op 0612345678 aub"))
        r["week"] = "2022-W%02d" % (1 + i % 12)
        good.append(r)
    path = os.path.join(tmp, "old.jsonl")
    bad = list(good)
    bad[3] = dict(good[3], week="2022-13")
    bad[7] = dict(good[7], location="nergens")
    write_lines(path, bad)
    rc, out, err = run_tool("import", "--db", db, "--surveys",
                            os.path.join(ROOT, "surveys"), path)
    assert rc == 1
    assert "%s:4: week:" % path in err, err
    assert "%s:8: location:" % path in err, err
    assert "nothing stored" in err
    if os.path.exists(db):
        assert db_query(db, "SELECT count(*) FROM responses")[0][0] == 0
    write_lines(path, good)
    rc, out, err = run_tool("import", "--db", db, "--surveys",
                            os.path.join(ROOT, "surveys"), path)
    assert rc == 0, err
    assert "40 responses imported" in out, out
    rows = db_query(db, "SELECT week, answers FROM responses")
    assert len(rows) == 40
    assert {w for w, _ in rows} == {"2022-W%02d" % i for i in range(1, 13)}
    # Redacted exactly like a live response.
    assert all("0612345678" not in a for _, a in rows)
    assert b"0612345678" not in raw(db)
    assert db_query(db, "SELECT count(*) FROM intake")[0][0] == 0
    assert db_query(db, "SELECT sum(n) FROM rollup_cells")[0][0] == 40
    # Importing the same file again stores nothing twice.
    rc, out, err = run_tool("import", "--db", db, "--surveys",
                            os.path.join(ROOT, "surveys"), path)
    assert rc == 0 and "0 responses imported" in out, out


def test_migration_from_the_previous_release():
    tmp = tempfile.mkdtemp(prefix="kb-mig-")
    db = os.path.join(tmp, "k.db")
    con = sqlite3.connect(db)
    with open(os.path.join(ROOT, "tests", "fixtures", "schema-v4.sql")) as f:
        con.executescript(f.read())
    con.close()
    before = sorted(r[0] for r in db_query(db, "SELECT answers FROM responses"))
    assert len(before) == 40
    with Server(tmp=tmp, db=db) as s:
        assert s.get("/healthz")[0] == 200
        assert s.post("/api/responses", response())[0] == 201
    after = sorted(r[0] for r in db_query(db, "SELECT answers FROM responses"))
    assert len(after) >= 40
    for a in before:
        assert a in after
    assert db_query(db, "PRAGMA user_version")[0][0] >= 5
    assert db_query(db, "SELECT count(*) FROM users")[0][0] == 1
