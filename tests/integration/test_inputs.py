"""Special files and hostile inputs (issue #20, item 7): each is refused at
once with its path, never hung on, spun on or silently accepted."""
import json
import os
import shutil
import stat
import subprocess
import tempfile

from kb import BIN, ROOT, Server, run_tool


def _serve(args, timeout=15):
    """Runs serve expecting it to refuse to start; returns (rc, stderr)."""
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        cmd = [BIN, "serve", "--port", "0", "--db", os.path.join(tmp, "k.db"),
               "--web-dir", os.path.join(ROOT, "kiosk")] + args
        if "--surveys" not in args:
            cmd += ["--surveys", os.path.join(ROOT, "surveys")]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=tmp)
        return p.returncode, p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _surveys_with(tmp, name, make):
    d = os.path.join(tmp, "surveys")
    shutil.copytree(os.path.join(ROOT, "surveys"), d)
    make(os.path.join(d, name))
    return d


def test_special_files_in_the_surveys_folder_refused():
    for name, make in (("fifo.json", os.mkfifo),
                       ("zero.json", lambda p: os.symlink("/dev/zero", p)),
                       ("big.json", lambda p: open(p, "w").write(" " * (1024 * 1024 + 1)))):
        tmp = tempfile.mkdtemp(prefix="kb-it-")
        try:
            d = _surveys_with(tmp, name, make)
            rc, err = _serve(["--surveys", d])
            assert rc == 1, (name, rc, err)
            assert os.path.join(d, name) in err or name in err, (name, err)
            assert "not a regular file" in err or "larger than" in err, err
            rc, out, err = run_tool("surveys", "check", "--surveys", d)
            assert rc == 1 and name in err, (name, err)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def test_config_tls_and_key_files_must_be_regular():
    rc, err = _serve(["--config", "/dev/zero"])
    assert rc != 0 and "/dev/zero: not a regular file" in err, err
    rc, err = _serve(["--tls-cert", "/dev/zero", "--tls-key", "/dev/zero"])
    assert rc == 1 and "/dev/zero: not a regular file" in err, err
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        zero = os.path.join(tmp, "zero.key")
        open(zero, "wb").write(b"\0" * 32)
        rc, err = _serve(["--key-file", zero])
        assert rc == 1 and "all zeros" in err, err
        long_ = os.path.join(tmp, "long.key")
        open(long_, "wb").write(os.urandom(33))
        rc, err = _serve(["--key-file", long_])
        assert rc == 1 and "32 bytes expected" in err, err
        rc, err = _serve(["--key-file", "/dev/urandom"])
        assert rc == 1 and "not a regular file" in err, err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_nul_in_a_password_is_an_error():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = os.path.join(tmp, "k.db")
        p = subprocess.run([BIN, "user", "add", "ann", "--role", "admin", "--db", db],
                           input=b"correct horse\0battery staple\n", capture_output=True, timeout=60)
        assert p.returncode == 1 and b"NUL" in p.stderr, p.stderr
        p = subprocess.run([BIN, "user", "add", "ann", "--role", "admin", "--db", db],
                           input=b"correct horse battery staple\n", capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_sms_sender_length():
    for sender in ("ABCDEFGHIJKL", "Klank<bord>", "+12345678901234567", ""):
        rc, err = _serve(["--sms-sender", sender])
        assert rc == 1 and "--sms-sender" in err, (sender, err)
    for sender in ("Klankbord", "Wijkteam 12", "+3161234567890123"):
        with Server(args=["--sms-sender", sender]):
            pass


def _edit_survey(tmp, fn, name="ouders.json"):
    d = os.path.join(tmp, "surveys")
    shutil.copytree(os.path.join(ROOT, "surveys"), d)
    p = os.path.join(d, name)
    data = json.load(open(p))
    fn(data)
    json.dump(data, open(p, "w"), ensure_ascii=False, indent=1)
    return d


def test_names_and_control_characters_in_definitions():
    cases = [
        ("locations.json", lambda d: d["locations"][0]["name"].update(nl="x" * 121), "at most 120"),
        ("ouders.json", lambda d: d["title"].update(nl="y" * 121), "at most 120"),
        ("ouders.json", lambda d: d["title"].update(nl="Ouders\u0007"), "control characters"),
        ("ouders.json", lambda d: d["intro"].update(nl="regel 1\nregel 2"), "control characters"),
        ("locations.json", lambda d: d["locations"][0]["name"].update(en="Over\u0085vecht"), "control characters"),
    ]
    for name, fn, want in cases:
        tmp = tempfile.mkdtemp(prefix="kb-it-")
        try:
            d = _edit_survey(tmp, fn, name)
            rc, out, err = run_tool("surveys", "check", "--surveys", d)
            assert rc == 1 and want in err and name in err, (name, want, err)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    # 120 characters exactly is fine.
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        d = _edit_survey(tmp, lambda d: d["locations"][0]["name"].update(nl="x" * 120), "locations.json")
        rc, out, err = run_tool("surveys", "check", "--surveys", d)
        assert rc == 0, err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_backup_refuses_devices_directories_and_the_live_database():
    with Server() as s:
        tmp = s.tmp
        fifo = os.path.join(tmp, "pipe")
        os.mkfifo(fifo)
        devlink = os.path.join(tmp, "full")
        os.symlink("/dev/full", devlink)
        for dest, want in ((fifo, "not a regular file"), (tmp, "not a regular file"),
                           (devlink, "not a regular file"), (s.db, "the database itself"),
                           (s.db + "-wal", "wal")):
            if not os.path.exists(dest):
                continue
            rc, out, err = run_tool("backup", "--db", s.db, dest)
            assert rc == 1 and want in err, (dest, err)
        assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the pipe was replaced"
        assert os.path.islink(devlink) and stat.S_ISCHR(os.stat(devlink).st_mode)
        dest = os.path.join(tmp, "copy.db")
        old = os.umask(0o022)
        try:
            rc, out, err = run_tool("backup", "--db", s.db, dest)
        finally:
            os.umask(old)
        assert rc == 0, err
        mode = stat.S_IMODE(os.stat(dest).st_mode)
        assert mode == 0o600, oct(mode)
