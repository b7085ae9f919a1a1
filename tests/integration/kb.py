"""Helpers for integration tests: start the real klankbord on an ephemeral
loopback port with a temporary database, talk HTTP to it, read its database."""
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, os.environ.get("KLANKBORD_BIN", "build/klankbord"))
SAN = os.environ.get("SAN") == "1"
# KLANKBORD_VALGRIND=1 runs every server under valgrind; errors or leaks
# make it exit with 99, which stop() reports.
VALGRIND = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
            "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
            "--track-fds=no"] if os.environ.get("KLANKBORD_VALGRIND") == "1" else []


class Server:
    """One `klankbord serve` process. Use as a context manager."""

    def __init__(self, tmp=None, args=(), surveys=None, db=None, env=None,
                 preexec=None):
        self.own_tmp = tmp is None
        self.tmp = tmp or tempfile.mkdtemp(prefix="kb-it-")
        self.db = db or os.path.join(self.tmp, "k.db")
        self.surveys = surveys or os.path.join(ROOT, "surveys")
        self.args = list(args)
        self.env = env
        self.preexec = preexec  # run in the child before exec (limits)
        self.proc = None
        self.port = None
        self.log = []

    def start(self, expect_fail=False, timeout=60 if VALGRIND else 20):
        cmd = VALGRIND + [BIN, "serve", "--port", "0", "--db", self.db,
               "--surveys", self.surveys, "--web-dir",
               os.path.join(ROOT, "kiosk")] + self.args
        env = dict(os.environ)
        env.update(self.env or {})
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=env,
                                     cwd=self.tmp, text=True,
                                     preexec_fn=self.preexec)
        ready = threading.Event()

        def reader():
            for line in self.proc.stderr:
                self.log.append(line.rstrip("\n"))
                m = re.search(r"listening on https?://[^ ]*:(\d+)", line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        self.reader = threading.Thread(target=reader, daemon=True)
        self.reader.start()
        ready.wait(timeout)
        if expect_fail:
            self.proc.wait(timeout)
            self.reader.join(5)
            return self.proc.returncode
        if self.port is None:
            self.proc.kill()
            raise AssertionError("server did not start:\n" + "\n".join(self.log))
        return 0

    def stop(self, sig=signal.SIGTERM, timeout=90 if VALGRIND else 30):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("server did not stop within %ds" % timeout)
        self.reader.join(5)
        self.check_sanitizers()
        return self.proc.returncode

    def check_sanitizers(self):
        bad = [l for l in self.log if "AddressSanitizer" in l
               or "LeakSanitizer" in l or "runtime error:" in l]
        if bad:
            raise AssertionError("sanitizer report:\n" + "\n".join(self.log[-60:]))

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        rc = self.stop()
        if self.own_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
        if exc[0] is None and rc != 0:
            raise AssertionError("server exited with %s:\n%s" % (rc, "\n".join(self.log[-20:])))

    # HTTP
    def request(self, method, path, body=None, headers=None, conn=None):
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    def count(self, where="1=1"):
        """Acknowledged responses: released ones and those in the intake."""
        return sum(db_query(self.db, "SELECT count(*) FROM %s WHERE %s" % (t, where))[0][0]
                   for t in ("responses", "intake"))

    def release(self):
        """`klankbord release` beside the running server."""
        rc, out, err = run_tool("release", "--db", self.db, "--surveys", self.surveys)
        assert rc == 0, err
        return out


# Every acknowledged response: released ones and those in the intake, with
# the id the server answered (the submission hash's first 8 bytes in hex).
ACKED_COLS = "survey, version, channel, location, lang, week, answers, submission"


def db_query(path, sql, args=()):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        if " acked" in sql:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
            src = " UNION ALL ".join("SELECT %s FROM %s" % (ACKED_COLS, t)
                                     for t in ("responses", "intake") if t in tables)
            con.execute("CREATE TEMP VIEW acked AS SELECT lower(substr(hex(submission),"
                        " 1, 16)) AS id, * FROM (%s)" % src)
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def survey_version(sid):
    """The current version of a shipped survey."""
    with open(os.path.join(ROOT, "surveys", sid + ".json"), encoding="utf-8") as f:
        return json.load(f)["version"]


OUDERS_VERSION = survey_version("ouders")


def response(**over):
    """A complete, valid ouders response with a fresh submission id."""
    r = {"survey": "ouders", "version": OUDERS_VERSION, "channel": "qr",
         "location": "overvecht", "lang": "nl",
         "submission_id": str(uuid.uuid4()),
         # satisfaction (7.5 + 10 + 10 + 0 + 8) / 5 = 7.1
         "answers": {"gehoord": 4, "serieus": True, "duidelijk": True,
                     "hulpverleners": "2",
                     "opnieuw_vertellen": True, "hoe_vaak": "1", "plan": False,
                     "veiliger": True, "beter_aan": False,
                     "bezwaar": True, "cijfer": 8, "aanbevelen": 9,
                     "beter_doen": "Sneller terugbellen."}}
    r.update(over)
    return r


def run_tool(*args, stdin=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([BIN] + list(args), input=stdin, capture_output=True,
                       text=True, env=e, timeout=60)
    return p.returncode, p.stdout, p.stderr
