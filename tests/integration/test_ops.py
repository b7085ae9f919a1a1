"""Operations: journald priorities, config-file errors, SIGHUP reload under
load, install layout, systemd units, man pages against --help, the Debian
package, and restoring a backup into a fresh state directory."""
import os
import re
import signal
import subprocess
import tempfile

from kb import BIN, ROOT, Server, run_tool


def _serve_briefly(env, stderr_fd):
    """Starts serve on port 0 with stderr on stderr_fd; stops it once it
    listens.  Returns nothing; the caller reads the pipe."""
    tmp = tempfile.mkdtemp(prefix="kb-ops-")
    p = subprocess.Popen([BIN, "serve", "--port", "0", "--db",
                          os.path.join(tmp, "k.db"), "--surveys",
                          os.path.join(ROOT, "surveys"), "--web-dir",
                          os.path.join(ROOT, "kiosk")],
                         stderr=stderr_fd, env=env, cwd=tmp)
    return p


def _log_lines(journal, other=False):
    r, w = os.pipe()
    st = os.fstat(w)
    env = dict(os.environ)
    env.pop("JOURNAL_STREAM", None)
    if journal:
        env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino + other)
    p = _serve_briefly(env, w)
    os.close(w)
    lines = []
    with os.fdopen(r, "r") as f:
        for line in f:
            lines.append(line.rstrip("\n"))
            if "listening on" in line:
                p.send_signal(signal.SIGTERM)
    assert p.wait(30) == 0, lines
    return lines


def test_journald_priorities():
    lines = _log_lines(True)
    assert lines, "no log lines"
    for l in lines:
        assert re.match(r"<[3-7]>", l), l
    assert any(l.startswith("<6>listening on http://127.0.0.1:") for l in lines), lines


def test_journal_stream_of_another_file_is_ignored():
    # Inherited by a child whose stderr is elsewhere: not the journal.
    lines = _log_lines(True, other=True)
    assert any("listening on" in l for l in lines), lines
    for l in lines:
        assert not l.startswith("<"), l


def test_log_time_is_iso_with_offset():
    lines = _log_lines(False)
    for l in lines:
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d ", l), l


def _conf(text):
    tmp = tempfile.mkdtemp(prefix="kb-ops-")
    path = os.path.join(tmp, "klankbord.conf")
    with open(path, "w") as f:
        f.write(text)
    return tmp, path


def test_config_bad_values_name_file_and_line():
    cases = [("port = 80x\n", "port must be a number from 0 to 65535"),
             ("\nbind = localhost\n", "bind must be an IPv4 or IPv6 address"),
             ("db = k.db\n# x\nrate_limit = 30/hour\n",
              "rate_limit must be N/min"),
             ("anonymity_k = 2\n", "anonymity_k must be a number from 3"),
             ("idle_seconds = 5\n", "idle_seconds must be a number from 10"),
             ("base_url = ftp://x\n", "base_url must start with http"),
             ("sms_provider = pigeon\n", "sms_provider must be none"),
             ("sms_quiet_hours = always\n", "sms_quiet_hours must be HH:MM"),
             ("sms_rate = 0\n", "sms_rate must be a number from 1")]
    for text, msg in cases:
        tmp, path = _conf(text)
        line = text.count("\n")
        rc, out, err = run_tool("serve", "--config", path, "--db",
                                os.path.join(tmp, "k.db"))
        assert rc != 0, text
        assert "%s:%d: %s" % (path, line, msg) in err, (text, err)


def test_config_duplicate_and_unknown_keys():
    tmp, path = _conf("port = 8080\nbind = 127.0.0.1\nport = 8081\n")
    rc, out, err = run_tool("serve", "--config", path)
    assert rc != 0
    assert "%s:3: duplicate key 'port' (first set on line 1)" % path in err, err
    tmp, path = _conf("# klankbord\nbase_ulr = http://x\n")
    rc, out, err = run_tool("serve", "--config", path)
    assert rc != 0
    assert "%s:2: unknown key 'base_ulr' (did you mean 'base_url'?)" % path in err, err


def test_sighup_reload_under_load():
    import http.client
    import json
    import shutil
    import threading
    import time
    from kb import response

    tmp = tempfile.mkdtemp(prefix="kb-ops-")
    sdir = os.path.join(tmp, "surveys")
    shutil.copytree(os.path.join(ROOT, "surveys"), sdir)
    conf = os.path.join(tmp, "klankbord.conf")
    with open(conf, "w") as f:
        f.write("idle_seconds = 60\nrate_limit = off\n")
    s = Server(tmp=tmp, surveys=sdir, args=["--config", conf])
    with s:
        stop = threading.Event()
        results = []
        lock = threading.Lock()

        def worker(n):
            c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    if i % 4 == 0:
                        st, _, _ = s.post("/api/responses", response(), conn=c)
                    elif i % 4 == 1:
                        st, _, _ = s.get("/api/surveys/ouders", conn=c)
                    elif i % 4 == 2:
                        st, _, _ = s.get("/kiosk/overvecht?survey=jongeren", conn=c)
                    else:
                        st, _, _ = s.get("/api/surveys", conn=c)
                except Exception as e:  # a dropped connection is a failure
                    st = repr(e)
                    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
                with lock:
                    results.append(st)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        # A new survey, a changed reloadable key, then a broken file.
        with open(os.path.join(sdir, "jongeren.json")) as f:
            d = json.load(f)
        d["id"] = "jongeren2"
        with open(os.path.join(sdir, "jongeren2.json"), "w") as f:
            json.dump(d, f, indent=1)
        with open(conf, "w") as f:
            f.write("idle_seconds = 45\nrate_limit = off\n")
        for k in range(6):
            s.proc.send_signal(signal.SIGHUP)
            time.sleep(0.25)
        with open(os.path.join(sdir, "kapot.json"), "w") as f:
            f.write('{\n  "id": "kapot",\n  "version": 1,\n  "audience" "any"\n}\n')
        for k in range(3):
            s.proc.send_signal(signal.SIGHUP)
            time.sleep(0.25)
        stop.set()
        for t in threads:
            t.join(30)
        bad = [r for r in results if not isinstance(r, int) or r >= 400]
        assert len(results) > 100, len(results)
        assert not bad, (bad[:10], "\n".join(s.log[-30:]))
        # The good reloads took effect; the bad one kept them.
        st, _, body = s.get("/api/surveys/jongeren2")
        assert st == 200, st
        st, _, body = s.get("/kiosk/overvecht?survey=jongeren")
        assert b'"idle_seconds":45' in body.replace(b" ", b""), body[:400]
        st, _, body = s.get("/api/surveys/kapot")
        assert st == 404
        log = "\n".join(s.log)
        assert sum("reloaded: 4 surveys" in l for l in s.log) >= 1, log
        assert re.search(re.escape(os.path.join(sdir, "kapot.json")) + r":4:\d+: ", log), log
        assert "keeping the ones loaded" in log
    shutil.rmtree(tmp, ignore_errors=True)


def test_reload_warns_about_settings_that_need_a_restart():
    import time
    tmp = tempfile.mkdtemp(prefix="kb-ops-")
    conf = os.path.join(tmp, "klankbord.conf")
    with open(conf, "w") as f:
        f.write("rate_limit = off\n")
    with Server(tmp=tmp, args=["--config", conf]) as s:
        with open(conf, "w") as f:
            f.write("rate_limit = 10/min\nanonymity_k = 7\n")
        s.proc.send_signal(signal.SIGHUP)
        for _ in range(100):
            if any("reloaded:" in l for l in s.log):
                break
            time.sleep(0.05)
        assert any("reload: rate-limit changed; restart" in l for l in s.log), s.log
        assert not any("anonymity-k changed" in l for l in s.log), s.log


def test_sd_notify_ready_watchdog_reload_stopping():
    import socket
    import time
    tmp = tempfile.mkdtemp(prefix="kb-ops-")
    path = os.path.join(tmp, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    s = Server(tmp=tmp, env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
    got = []

    def until(word):
        while not any(word in m for m in got):
            got.append(sock.recv(4096).decode())

    with s:
        until("READY=1")
        assert any("STATUS=serving 3 surveys on port %d" % s.port in m for m in got), got
        until("WATCHDOG=1")
        n = sum("WATCHDOG=1" in m for m in got)
        while sum("WATCHDOG=1" in m for m in got) < n + 2:
            got.append(sock.recv(4096).decode())
        s.proc.send_signal(signal.SIGHUP)
        until("RELOADING=1")
        i = max(k for k, m in enumerate(got) if "RELOADING=1" in m)
        while not any("READY=1" in m for m in got[i + 1:]):
            got.append(sock.recv(4096).decode())
    until("STOPPING=1")
    sock.close()
