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
        n = int(re.search(r"klankbord \S+: (\d+) surveys", log).group(1))
        assert sum("reloaded: %d surveys" % (n + 1) in l for l in s.log) >= 1, log
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
        assert any(re.search(r"STATUS=serving \d+ surveys on port %d" % s.port, m) for m in got), got
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


# --- Installing, units, man pages, package, backup and restore ---

import fnmatch
import glob
import shutil


def _make(*args):
    p = subprocess.run(["make", "--no-print-directory", "-s"] + list(args),
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def _documented_files(prefix, sysconfdir):
    """The README's install table, as glob patterns."""
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    part = text.split("### Installing", 1)[1].split("###", 1)[0]
    pats = re.findall(r"^\| `([^`]+)` \|", part, re.M)
    assert pats, "no install table in README.md"
    out = []
    for p in pats:
        p = p.replace("PREFIX", prefix)
        if p.startswith("/etc/"):
            p = sysconfdir + p[4:]
        out.append(p)
    return out


def _files(root):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)


def test_install_lays_out_the_documented_files_and_uninstall_removes_them():
    dest = tempfile.mkdtemp(prefix="kb-inst-")
    _make("install", "DESTDIR=" + dest)
    files = _files(dest)
    pats = _documented_files(dest + "/usr/local", dest + "/etc")
    for f in files:
        assert any(fnmatch.fnmatch(f, p) for p in pats), "undocumented: " + f
    for p in pats:
        if "/i18n/" in p and not os.path.isdir(os.path.join(ROOT, "surveys", "i18n")):
            continue
        assert any(fnmatch.fnmatch(f, p) for f in files), "not installed: " + p
    # The installed program serves with the installed files and config.
    conf = dest + "/etc/klankbord/klankbord.conf"
    with open(conf) as f:
        text = f.read()
    assert "surveys = /usr/local/share/klankbord/surveys" in text
    rc, out, err = run_tool("surveys", "check", dest + "/usr/local/share/klankbord/surveys")
    assert rc == 0, err
    # A changed configuration survives uninstall; everything else goes.
    _make("uninstall", "DESTDIR=" + dest)
    assert _files(dest) == [], _files(dest)
    assert not os.path.exists(dest + "/usr/local/share/klankbord")
    _make("install", "DESTDIR=" + dest)
    with open(conf, "a") as f:
        f.write("bind = 0.0.0.0\n")
    _make("uninstall", "DESTDIR=" + dest)
    assert _files(dest) == [conf]
    shutil.rmtree(dest)


def _installed_prefix():
    """make install into a private prefix, so the units name real files."""
    tmp = tempfile.mkdtemp(prefix="kb-pfx-")
    _make("install", "PREFIX=" + tmp + "/usr", "SYSCONFDIR=" + tmp + "/etc")
    return tmp


def _systemd_analyze_works():
    if shutil.which("systemd-analyze") is None:
        return "systemd-analyze is not installed"
    p = subprocess.run(["systemd-analyze", "--version"], capture_output=True)
    if p.returncode != 0:
        return "systemd-analyze cannot run here"
    return None


def test_systemd_units_verify_and_security():
    why = _systemd_analyze_works()
    if why:
        print("    skipped: " + why)
        return
    tmp = _installed_prefix()
    units = sorted(glob.glob(tmp + "/usr/lib/systemd/system/*"))
    assert [os.path.basename(u) for u in units] == [
        "klankbord-backup.service", "klankbord-backup.timer", "klankbord.service"]
    env = dict(os.environ, MANPATH=tmp + "/usr/share/man")
    p = subprocess.run(["systemd-analyze", "verify"] + units, env=env,
                       capture_output=True, text=True)
    assert p.returncode == 0 and p.stderr.strip() == "", p.stderr
    for u in units:
        if not u.endswith(".service"):
            continue
        p = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                            "--threshold=20", u], capture_output=True, text=True)
        m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout)
        assert m and float(m.group(1)) <= 2.0, p.stdout[-2000:]
    with open(tmp + "/usr/lib/systemd/system/klankbord.service") as f:
        unit = f.read()
    for want in ("Type=notify", "WatchdogSec=", "ExecReload=", "StateDirectory=klankbord",
                 "ExecStart=%s/usr/bin/klankbord serve --config %s/etc/klankbord/klankbord.conf"
                 % (tmp, tmp)):
        assert want in unit, want
    shutil.rmtree(tmp)


def _help_flags(cmd):
    rc, out, err = run_tool(*(cmd.split() + ["--help"]))
    assert rc == 0, err
    flags = {}
    for l in out.splitlines():
        m = re.match(r"  --(\S+)\s+(.*)$", l)
        if m:
            d = re.search(r"\(default: (.*)\)$", m.group(2))
            flags[m.group(1)] = d.group(1) if d else None
    return flags


def _commands():
    rc, out, err = run_tool("--help")
    assert rc == 0
    return sorted(set(re.findall(r"^  ([a-z]+)\b", out, re.M)))


def _all_help_flags():
    flags = {}
    for c in _commands():
        sub = {"surveys": "surveys check", "user": "user add", "apikey": "apikey add"}.get(c, c)
        if c == "version":
            continue
        flags.update(_help_flags(sub))
    return flags


def _roff_text(s):
    return s.replace("\\-", "-").replace("\\e", "\\").replace("\\fB", "") \
            .replace("\\fR", "").replace("\\fI", "")


def _man_entries(path, pattern):
    """{name: paragraph text} of the .TP entries whose tag matches."""
    with open(path) as f:
        lines = f.read().split("\n")
    out = {}
    for i, l in enumerate(lines):
        m = re.match(pattern, l)
        if m and i > 0 and lines[i - 1] == ".TP":
            body = []
            for b in lines[i + 1:]:
                if b.startswith(".TP") or b.startswith(".SH"):
                    break
                body.append(b)
            out[m.group(1)] = _roff_text(" ".join(body))
    return out


def test_man_page_agrees_with_help():
    flags = _all_help_flags()
    man1 = os.path.join(ROOT, "man", "klankbord.1")
    entries = _man_entries(man1, r"^\.B (?:\\-o, )?\\-\\-([a-z0-9\\-]+)")
    entries = {k.replace("\\-", "-"): v for k, v in entries.items()}
    assert set(entries) - {"verbose"} == set(flags), (
        "in --help only: %s; in the man page only: %s"
        % (sorted(set(flags) - set(entries)), sorted(set(entries) - set(flags) - {"verbose"})))
    for name, default in flags.items():
        if default is not None:
            assert "Default: %s." % default in entries[name], (name, default, entries[name])
    with open(man1) as f:
        text = _roff_text(f.read())
    for c in _commands():
        assert re.search(r"^\.SS %s\b" % c, text, re.M), "command %s not in the man page" % c


def test_conf_man_page_and_example_list_every_key():
    flags = _all_help_flags()
    keys = {k.replace("-", "_"): v for k, v in flags.items() if k not in ("config", "help")}
    man5 = os.path.join(ROOT, "man", "klankbord.conf.5")
    entries = _man_entries(man5, r"^\.B ([a-z0-9_]+)$")
    assert set(entries) == set(keys), (sorted(set(keys) - set(entries)),
                                       sorted(set(entries) - set(keys)))
    for k, d in keys.items():
        assert "Default: %s." % (d if d is not None else "none") in entries[k], (k, entries[k])
    with open(os.path.join(ROOT, "dist", "klankbord.conf.in")) as f:
        example = f.read()
    for k, d in keys.items():
        # A default told in words ("the number of cores") is in the comment.
        if d is None or d.startswith("the "):
            assert re.search(r"^#%s =$" % k, example, re.M), k
        else:
            assert re.search(r"^#%s = %s$" % (k, re.escape(d)), example, re.M), (k, d)
        # One line of explanation right above it.
        assert re.search(r"^# .+\n#%s =" % k, example, re.M), k


def test_example_config_starts_the_server():
    # The installed file, with its paths pointed here, is a valid config.
    tmp = tempfile.mkdtemp(prefix="kb-ops-")
    with open(os.path.join(ROOT, "dist", "klankbord.conf.in")) as f:
        text = f.read()
    text = text.replace("/var/lib/klankbord", tmp).replace("@DATADIR@/surveys", ROOT + "/surveys") \
               .replace("@DATADIR@/web", ROOT + "/kiosk")
    conf = os.path.join(tmp, "klankbord.conf")
    with open(conf, "w") as f:
        f.write(text)
    with Server(tmp=tmp, db=os.path.join(tmp, "klankbord.db"),
                args=["--config", conf]) as s:
        assert s.get("/healthz")[0] == 200
    shutil.rmtree(tmp)


def test_deb_package_and_lintian():
    if shutil.which("dpkg-deb") is None:
        print("    skipped: dpkg-deb is not installed")
        return
    out = _make("deb")
    m = re.search(r"built (\S+\.deb)", out)
    assert m, out
    deb = os.path.join(ROOT, m.group(1))
    p = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True)
    names = [l.split()[-1] for l in p.stdout.splitlines()]
    for want in ("./usr/bin/klankbord", "./lib/systemd/system/klankbord.service",
                 "./lib/systemd/system/klankbord-backup.timer",
                 "./usr/share/man/man1/klankbord.1.gz", "./usr/share/man/man5/klankbord.conf.5.gz",
                 "./etc/klankbord/klankbord.conf", "./usr/share/klankbord/surveys/ouders.json",
                 "./usr/share/klankbord/web/app.js"):
        assert want in names, want
    p = subprocess.run(["dpkg-deb", "-e", deb, tempfile.mkdtemp() + "/c"], capture_output=True)
    ctl = subprocess.run(["dpkg-deb", "-I", deb, "conffiles", "postinst"],
                         capture_output=True, text=True).stdout
    assert "/etc/klankbord/klankbord.conf" in ctl
    assert "adduser --system" in ctl and "deb-systemd-helper enable klankbord.service" in ctl
    assert "systemctl start" not in ctl and "invoke start" not in ctl
    if shutil.which("lintian") is None:
        raise AssertionError("lintian is not installed (make deps-test installs it)")
    p = subprocess.run(["lintian", "--no-tag-display-limit", deb], capture_output=True, text=True)
    errors = [l for l in p.stdout.splitlines() if l.startswith("E:")]
    assert not errors, p.stdout


def test_backup_script_keeps_the_newest_and_restore_serves_it():
    import time
    from kb import response, db_query
    tmp = _installed_prefix()
    state = os.path.join(tmp, "state")
    os.makedirs(state)
    conf = os.path.join(tmp, "klankbord.conf")
    with open(conf, "w") as f:
        f.write("db = %s/klankbord.db\nrate_limit = off\n" % state)
    with Server(tmp=state, db=state + "/klankbord.db", args=["--config", conf]) as s:
        ids = []
        for i in range(3):
            st, _, body = s.post("/api/responses", response())
            assert st == 201, body
        script = tmp + "/usr/lib/klankbord/klankbord-backup"
        bdir = os.path.join(tmp, "backups")
        for i in range(4):
            p = subprocess.run([script, conf, bdir, "2"], capture_output=True, text=True,
                               env=dict(os.environ, PATH=tmp + "/usr/bin:" + os.environ["PATH"]))
            assert p.returncode == 0, p.stderr
            time.sleep(1.05)
        kept = sorted(os.listdir(bdir))
        dbs = [k for k in kept if k.endswith(".db")]
        assert len(dbs) == 2 and all(re.match(r"klankbord-\d{8}-\d{6}\.db$", k) for k in dbs), kept
        assert sorted(kept) == sorted(d + x for d in dbs for x in ("", ".key", ".participants.key")), kept
        newest = os.path.join(bdir, dbs[-1])
    # Restore into a fresh state directory, as README "Restoring a backup" says.
    fresh = os.path.join(tmp, "fresh")
    os.makedirs(fresh)
    shutil.copy(newest, os.path.join(fresh, "klankbord.db"))
    shutil.copy(newest + ".key", os.path.join(fresh, "klankbord.db.key"))
    shutil.copy(newest + ".participants.key", os.path.join(fresh, "klankbord.db.participants.key"))
    with open(os.path.join(state, "klankbord.db.key"), "rb") as a, \
            open(os.path.join(fresh, "klankbord.db.key"), "rb") as b:
        assert a.read() == b.read()
    with open(conf, "w") as f:
        f.write("db = %s/klankbord.db\n" % fresh)
    with Server(tmp=fresh, db=fresh + "/klankbord.db", args=["--config", conf]) as s:
        assert s.get("/healthz")[0] == 200
        n = db_query(os.path.join(fresh, "klankbord.db"),
                     "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM intake)"
                     if db_query(os.path.join(fresh, "klankbord.db"),
                                 "SELECT count(*) FROM sqlite_master WHERE name='intake'")[0][0]
                     else "SELECT count(*) FROM responses")[0][0]
        assert n == 3, n
        st, _, body = s.post("/api/responses", response())
        assert st == 201
    shutil.rmtree(tmp)


def _run_sh(bind):
    """tests/run.sh (make run) on port 0; returns (stdout, stderr lines,
    port) once it listens, after stopping it."""
    import threading
    tmp = tempfile.mkdtemp(prefix="kb-run-")
    args = ["sh", "tests/run.sh", BIN, "0", os.path.join(tmp, "k.db")]
    if bind:
        args.append(bind)
    p = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err, port = [], None
    for line in p.stderr:
        err.append(line.rstrip("\n"))
        m = re.search(r"listening on http://[^ ]*:(\d+)", line)
        if m:
            port = int(m.group(1))
        if port and ("kiosks and phones" in line or "only this computer" in line):
            break
    return p, err, port, tmp


def test_make_run_bind_names_the_network_address():
    import http.client
    import socket
    p, err, port, tmp = _run_sh("0.0.0.0")
    try:
        out_lines = []
        # The network address: the source address of a route off this host.
        lan = subprocess.run(["sh", "-c", "ip -4 route get 192.0.2.1 2>/dev/null | "
                              "sed -n 's/.* src \\([0-9.]*\\).*/\\1/p'"],
                             capture_output=True, text=True).stdout.strip()
        assert port, err
        assert any("listening on http://0.0.0.0:%d" % port in l for l in err), err
        if lan:
            assert any("kiosks and phones use http://%s:0 (base_url)" % lan in l for l in err), err
            c = http.client.HTTPConnection(lan, port, timeout=10)
            c.request("GET", "/healthz")
            assert c.getresponse().status == 200
    finally:
        p.send_signal(signal.SIGTERM)
        out = p.stdout.read()
        p.wait(30)
    if lan:
        assert "Kiosks and phones on this network use http://%s:0" % lan in out, out
    shutil.rmtree(tmp)


def test_make_run_default_is_this_computer_only():
    p, err, port, tmp = _run_sh(None)
    p.send_signal(signal.SIGTERM)
    out = p.stdout.read()
    p.wait(30)
    assert "make run BIND=0.0.0.0" in out, out
    assert any("listening on http://127.0.0.1:" in l for l in err), err
    assert any("only this computer can connect" in l for l in err), err
    shutil.rmtree(tmp)
