"""The two-command set-up: make run serves and says where, and without root
the package step prints the one apt-get line instead of half-installing."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

from kb import ROOT


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_make_run_serves_and_prints_the_addresses():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    port = _free_port()
    db = os.path.join(tmp, "data", "k.db")
    p = subprocess.Popen(["make", "--no-print-directory", "run", "PORT=%d" % port, "DB=" + db],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    out = []
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            out.append(line)
            if "listening on" in line:
                break
        text = "".join(out)
        assert "listening on http://127.0.0.1:%d" % port in text, text
        for path in ["/kiosk/overvecht?survey=jongeren", "/s/ouders?loc=overvecht", "/admin/", "/healthz"]:
            assert "http://127.0.0.1:%d%s" % (port, path) in text, path
        assert re.search(r"user add \S+ --role admin --db " + re.escape(db), text), text
        with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=10) as r:
            assert r.read() == b"ok"
        with urllib.request.urlopen("http://127.0.0.1:%d/s/ouders?loc=overvecht" % port, timeout=10) as r:
            assert r.status == 200
        assert os.path.exists(db), "make run did not create the database"
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)


def test_without_root_prints_the_apt_get_line():
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return  # the test drops root to look; it cannot without it
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "sh", os.path.join(ROOT, "tests", "deps.sh"), "gcc", "klankbord-no-such-package"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r
    assert "apt-get update && apt-get install -y klankbord-no-such-package" in r.stdout, r.stdout
    assert "gcc" not in r.stdout.split("install -y", 1)[1], "an installed package was listed"
    # Everything there: nothing to say, success.
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "sh", os.path.join(ROOT, "tests", "deps.sh"), "gcc"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == ""
