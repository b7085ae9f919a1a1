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
