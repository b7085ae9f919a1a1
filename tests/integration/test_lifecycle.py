"""Durability, shutdown, schema migrations, survey versions, backup and the
surveys check command, all against the real binary."""
import json
import os
import shutil
import signal
import sqlite3
import tempfile
import threading
import http.client

from kb import Server, response, db_query, run_tool, ROOT


def _burst(s, n, threads=16):
    """Posts n fresh responses from several threads; returns the ids of those answered 201."""
    acked, lock = [], threading.Lock()
    per = n // threads

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        for _ in range(per):
            try:
                st, _, body = s.post("/api/responses", response(), conn=c)
            except Exception:
                return
            if st == 201:
                with lock:
                    acked.append(json.loads(body)["id"])
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    return ts, acked


def test_kill_9_right_after_201_loses_nothing():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        s = Server(tmp=tmp, args=["--rate-limit", "off"])
        s.start()
        ts, acked = _burst(s, 800)
        while len(acked) < 300 and any(t.is_alive() for t in ts):
            pass
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
        for t in ts:
            t.join()
        assert len(acked) >= 300
        stored = {r[0] for r in db_query(s.db, "SELECT id FROM acked")}
        missing = [i for i in acked if i not in stored]
        assert not missing, "%d acknowledged responses lost" % len(missing)
        assert db_query(s.db, "PRAGMA integrity_check") == [("ok",)]
        # And the server starts again on the same database.
        s2 = Server(tmp=tmp, db=s.db)
        s2.start()
        assert s2.count() == len(stored)
        assert s2.stop() == 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_sigterm_finishes_in_flight_requests():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        s = Server(tmp=tmp, args=["--rate-limit", "off"])
        s.start()
        ts, acked = _burst(s, 1600)
        while len(acked) < 100:
            pass
        s.proc.send_signal(signal.SIGTERM)
        for t in ts:
            t.join()
        s.proc.wait(30)
        s.reader.join(5)
        s.check_sanitizers()
        assert s.proc.returncode == 0, s.log[-10:]
        assert any("stopped; everything acknowledged is on disk" in l for l in s.log)
        stored = {r[0] for r in db_query(s.db, "SELECT id FROM acked")}
        assert set(acked) <= stored
        assert db_query(s.db, "PRAGMA integrity_check") == [("ok",)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_newer_schema_is_refused_and_older_upgraded():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = os.path.join(tmp, "k.db")
        con = sqlite3.connect(db)
        con.execute("PRAGMA user_version = 999")
        con.close()
        s = Server(tmp=tmp, db=db)
        assert s.start(expect_fail=True) == 1
        assert any("newer than this klankbord" in l for l in s.log), s.log
        # An empty (version 0) database is upgraded in place.
        os.unlink(db)
        sqlite3.connect(db).close()
        with Server(tmp=tmp, db=db) as s2:
            assert s2.post("/api/responses", response())[0] == 201
        v = db_query(db, "PRAGMA user_version")[0][0]
        assert v >= 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_changed_questions_need_a_new_version():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        sdir = os.path.join(tmp, "surveys")
        shutil.copytree(os.path.join(ROOT, "surveys"), sdir)
        db = os.path.join(tmp, "k.db")
        with Server(tmp=tmp, db=db, surveys=sdir) as s:
            pass
        path = os.path.join(sdir, "ouders.json")
        d = json.load(open(path))
        v = d["version"]
        # New words alone are no new question (test_lang); a new type is.
        d["questions"][0]["type"] = "grade"
        json.dump(d, open(path, "w"), ensure_ascii=False, indent=2)
        s = Server(tmp=tmp, db=db, surveys=sdir)
        assert s.start(expect_fail=True) == 1
        assert any("survey 'ouders' version %d" % v in l and "new \"version\"" in l for l in s.log), s.log
        # Raising the version is accepted; answers to the old version still
        # are too (a kiosk may hold them in its offline queue).
        d["version"] = v + 1
        json.dump(d, open(path, "w"), ensure_ascii=False, indent=2)
        with Server(tmp=tmp, db=db, surveys=sdir, args=["--rate-limit", "off"]) as s:
            st, _, body = s.get("/api/surveys/ouders")
            assert json.loads(body)["version"] == v + 1
            assert s.post("/api/responses", response(version=v + 1))[0] == 201
            assert s.post("/api/responses", response(version=v))[0] == 201
            assert s.post("/api/responses", response(version=v + 2))[0] == 422
            assert db_query(db, "SELECT version, count(*) FROM acked GROUP BY version") == [(v, 1), (v + 1, 1)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_backup_is_consistent_while_serving():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        with Server(tmp=tmp, args=["--rate-limit", "off"]) as s:
            ts, acked = _burst(s, 400, threads=4)
            dest = os.path.join(tmp, "backup.db")
            rc, out, err = run_tool("backup", "--db", s.db, dest)
            assert rc == 0, err
            for t in ts:
                t.join()
            assert db_query(dest, "PRAGMA integrity_check") == [("ok",)]
            n = db_query(dest, "SELECT count(*) FROM acked")[0][0]
            assert 0 <= n <= 400
            rc, out, err = run_tool("backup", "--db", s.db, dest)
            assert rc == 0 and db_query(dest, "SELECT count(*) FROM acked")[0][0] == s.count()
        rc, out, err = run_tool("backup", "--db", os.path.join(tmp, "missing.db"), dest)
        assert rc == 1 and "missing.db" in err
        rc, out, err = run_tool("backup")
        assert rc == 2 and "usage" in err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_surveys_check_reports_file_line_column():
    rc, out, err = run_tool("surveys", "check", os.path.join(ROOT, "surveys"))
    assert rc == 0, err
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        sdir = os.path.join(tmp, "s")
        shutil.copytree(os.path.join(ROOT, "surveys"), sdir)
        path = os.path.join(sdir, "jongeren.json")
        text = open(path).read().replace('"type": "grade"', '"type": "stars"', 1)
        open(path, "w").write(text)
        line = next(i for i, l in enumerate(text.split("\n"), 1) if '"stars"' in l)
        col = text.split("\n")[line - 1].index('"stars"') + 1
        rc, out, err = run_tool("surveys", "check", sdir)
        assert rc == 1
        assert "%s:%d:%d: unknown question type 'stars'" % (path, line, col) in err, err
        # The server refuses to start with it, naming the same place.
        s = Server(tmp=tmp, surveys=sdir)
        assert s.start(expect_fail=True) == 1
        assert any("%s:%d:%d:" % (path, line, col) in l for l in s.log)
        open(path, "w").write("{\n  \"id\": \"jongeren\",\n  oops\n}")
        rc, out, err = run_tool("surveys", "check", sdir)
        assert rc == 1 and (path + ":3:") in err, err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_command_line_and_config_file():
    rc, out, err = run_tool("--help")
    assert rc == 0 and "serve" in out
    rc, out, err = run_tool("serve", "--help")
    assert rc == 0 and "--rate-limit" in out and "--base-url" in out
    rc, out, err = run_tool("serve", "--bogus")
    assert rc == 2 and "unknown option '--bogus'" in err
    rc, out, err = run_tool("frobnicate")
    assert rc == 2
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        conf = os.path.join(tmp, "k.conf")
        open(conf, "w").write("# test\nrate_limit = 2/min\nnot_a_key = 1\n")
        s = Server(tmp=tmp, args=["--config", conf])
        assert s.start(expect_fail=True) == 2
        assert any(conf + ":3: unknown key 'not_a_key'" in l for l in s.log), s.log
        open(conf, "w").write("rate_limit = 2/min\n")
        with Server(tmp=tmp, args=["--config", conf]) as s:
            codes = [s.post("/api/responses", response())[0] for _ in range(3)]
            assert codes == [201, 201, 429], codes
        # The environment beats the file, a flag beats both.
        with Server(tmp=tmp, args=["--config", conf], env={"KLANKBORD_RATE_LIMIT": "off"}) as s:
            assert {s.post("/api/responses", response())[0] for _ in range(4)} == {201}
        with Server(tmp=tmp, args=["--config", conf, "--rate-limit", "off"],
                    env={"KLANKBORD_RATE_LIMIT": "1/min"}) as s:
            assert {s.post("/api/responses", response())[0] for _ in range(4)} == {201}
        s = Server(tmp=tmp, args=["--port", "70000"])
        assert s.start(expect_fail=True) == 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
