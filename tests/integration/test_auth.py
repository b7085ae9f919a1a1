"""Accounts and access: the user and apikey commands, login, sessions,
roles on every /admin/ route, CSRF, throttling and the audit log."""
import http.client
import os
import re
import shutil
import sqlite3
import tempfile
import time
import urllib.parse

from kb import Server, run_tool, db_query

PW = "correct horse battery"

# Every /admin/ route: method, path, roles that may use it, kind (page/api).
ADMIN_ROUTES = [
    ("GET", "/admin/", {"admin", "viewer", "sender"}, "page"),
    ("GET", "/admin/users", {"admin"}, "page"),
    ("GET", "/admin/audit", {"admin"}, "page"),
    ("POST", "/admin/logout", {"admin", "viewer", "sender"}, "page"),
    ("GET", "/admin/api/whoami", {"admin", "viewer", "sender"}, "api"),
    ("GET", "/admin/api/stats?survey=ouders", {"admin", "viewer"}, "api"),
    ("GET", "/admin/export.csv?survey=ouders", {"admin", "viewer"}, "api"),
    ("GET", "/admin/qr.svg?survey=ouders&loc=overvecht", {"admin", "viewer"}, "api"),
    ("GET", "/admin/qr.png?survey=ouders&loc=overvecht", {"admin", "viewer"}, "api"),
    ("GET", "/admin/poster?survey=ouders&loc=overvecht", {"admin", "viewer"}, "page"),
    ("GET", "/admin/yousaid", {"admin"}, "page"),
    ("POST", "/admin/yousaid", {"admin"}, "page"),
    ("GET", "/admin/goals?survey=ouders", {"admin", "viewer"}, "page"),
    ("GET", "/admin/goals/report?survey=ouders", {"admin", "viewer"}, "page"),
    ("GET", "/admin/api/goals?survey=ouders", {"admin", "viewer"}, "api"),
    ("GET", "/admin/export/microdata?survey=ouders&format=csv", {"admin"}, "api"),
]
PUBLIC_ADMIN = [("GET", "/admin/login"), ("GET", "/admin/admin.css"), ("GET", "/admin/poster.css"),
                ("GET", "/admin/goals.css")]


def _setup(tmp):
    db = os.path.join(tmp, "k.db")
    for name, role in [("ann", "admin"), ("vic", "viewer"), ("sam", "sender")]:
        rc, out, err = run_tool("user", "add", name, "--role", role, "--db", db, stdin=PW + "\n")
        assert rc == 0, err
    keys = {}
    for name, role in [("kview", "viewer"), ("ksend", "sender"), ("kold", "viewer")]:
        rc, out, err = run_tool("apikey", "add", name, "--role", role, "--db", db)
        assert rc == 0 and len(out.strip()) == 43, (out, err)
        keys[name] = out.strip()
    assert run_tool("apikey", "revoke", "kold", "--db", db)[0] == 0
    return db, keys


def _login(s, user, pw=PW):
    body = urllib.parse.urlencode({"user": user, "password": pw})
    st, h, data = s.post("/admin/login", body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    cookie = None
    if "set-cookie" in h:
        cookie = h["set-cookie"].split(";")[0]
    return st, h, data, cookie


def _csrf(s, cookie):
    st, h, body = s.get("/admin/", headers={"Cookie": cookie})
    m = re.search(rb'name="csrf" value="([^"]+)"', body)
    assert m, body[:300]
    return m.group(1).decode()


def test_user_and_apikey_commands():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = os.path.join(tmp, "k.db")
        rc, out, err = run_tool("user", "add", "ann", "--role", "admin", "--db", db, stdin="too short\n")
        assert rc == 1 and "at least 12 characters" in err
        rc, out, err = run_tool("user", "add", "ann", "--role", "boss", "--db", db, stdin=PW + "\n")
        assert rc == 2 and "--role" in err
        rc, out, err = run_tool("user", "add", "Ann Smith", "--role", "admin", "--db", db, stdin=PW + "\n")
        assert rc == 2
        assert run_tool("user", "add", "ann", "--role", "admin", "--db", db, stdin=PW + "\n")[0] == 0
        rc, out, err = run_tool("user", "add", "ann", "--role", "viewer", "--db", db, stdin=PW + "\n")
        assert rc == 1 and "already exists" in err
        rc, out, err = run_tool("user", "list", "--db", db)
        assert rc == 0 and re.search(r"^ann\s+admin\s+\d{4}-", out, re.M), out
        # The hash is Argon2id, never the password.
        h = db_query(db, "SELECT pwhash FROM users WHERE name='ann'")[0][0]
        assert h.startswith("$argon2id$") and PW not in h
        rc, out, err = run_tool("user", "remove", "ann", "--db", db)
        assert rc == 1 and "last admin" in err
        assert run_tool("user", "passwd", "ann", "--db", db, stdin="another long password\n")[0] == 0
        rc, out, err = run_tool("user", "passwd", "nobody", "--db", db, stdin="another long password\n")
        assert rc == 1 and "no user" in err
        rc, out, err = run_tool("apikey", "add", "cms", "--role", "admin", "--db", db)
        assert rc == 2
        rc, out, err = run_tool("apikey", "add", "cms", "--role", "sender", "--db", db)
        key = out.strip()
        assert rc == 0 and len(key) == 43
        raw = open(db, "rb").read() + (open(db + "-wal", "rb").read() if os.path.exists(db + "-wal") else b"")
        assert key.encode() not in raw, "API key stored in clear"
        rc, out, err = run_tool("apikey", "list", "--db", db)
        assert rc == 0 and "cms" in out and key not in out
        assert run_tool("apikey", "revoke", "cms", "--db", db)[0] == 0
        assert run_tool("apikey", "revoke", "cms", "--db", db)[0] == 1
        rc, out, err = run_tool("user", "frobnicate", "x", "--db", db)
        assert rc == 2
        actions = [r[0] for r in db_query(db, "SELECT action FROM audit ORDER BY id")]
        assert actions == ["user add", "user passwd", "apikey add", "apikey revoke"], actions
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_every_admin_route_for_every_role():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db, keys = _setup(tmp)
        with Server(tmp=tmp, db=db) as s:
            for method, path in PUBLIC_ADMIN:
                assert s.request(method, path)[0] == 200, path
            # Nobody: pages send to the login page, the API says 401.
            for method, path, roles, kind in ADMIN_ROUTES:
                st, h, body = s.request(method, path, body="" if method == "POST" else None)
                if kind == "page":
                    assert st == 303 and h["location"] == "/admin/login", (path, st)
                else:
                    assert st == 401, (path, st)
            # Forged and revoked credentials are nobody too.
            for method, path, roles, kind in ADMIN_ROUTES:
                st, _, _ = s.request(method, path, headers={"Cookie": "kb_session=" + "A" * 43})
                assert st in (303, 401), (path, st)
                st, _, _ = s.request(method, path, headers={"Authorization": "Bearer " + keys["kold"]})
                assert st == 401, (path, st)
                st, _, _ = s.request(method, path, headers={"Authorization": "Bearer nonsense"})
                assert st == 401, (path, st)
            # Each role by session, and by API key where the route is an API.
            for user, role in [("ann", "admin"), ("vic", "viewer"), ("sam", "sender")]:
                for method, path, roles, kind in ADMIN_ROUTES:
                    if path == "/admin/logout":
                        continue
                    st, _, _, cookie = _login(s, user)
                    assert st == 303 and cookie
                    body = None
                    if method == "POST":
                        body = "csrf=" + _csrf(s, cookie) + "&survey=ouders&loc=&nl=x"
                    st, h, out = s.request(method, path, body=body, headers={"Cookie": cookie})
                    want = 200 if role in roles else 403
                    assert st == want, (user, path, st, out[:200])
            for name, role in [("kview", "viewer"), ("ksend", "sender")]:
                for method, path, roles, kind in ADMIN_ROUTES:
                    st, _, body = s.request(method, path, headers={"Authorization": "Bearer " + keys[name]})
                    if kind == "page":
                        assert st == 401, (name, path, st)
                    else:
                        assert st == (200 if role in roles else 403), (name, path, st)
                        if st == 200 and path.endswith("whoami"):
                            assert b'"via":"api_key"' in body and role.encode() in body
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_session_cookie_csrf_and_logout():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db, keys = _setup(tmp)
        with Server(tmp=tmp, db=db) as s:
            st, h, body, cookie = _login(s, "ann")
            assert st == 303 and h["location"] == "/admin/"
            attrs = [a.strip() for a in h["set-cookie"].split(";")]
            assert "HttpOnly" in attrs and "SameSite=Strict" in attrs and "Path=/admin" in attrs
            assert "Secure" not in attrs  # plain http on loopback
            token = cookie.split("=", 1)[1]
            assert len(token) == 43
            raw = open(db, "rb").read() + (open(db + "-wal", "rb").read() if os.path.exists(db + "-wal") else b"")
            assert token.encode() not in raw, "session id stored in clear"
            st, h, body = s.get("/admin/", headers={"Cookie": cookie})
            assert st == 200 and h["cache-control"] == "no-store"
            assert h["x-frame-options"] == "DENY"
            # No token, a wrong one, or another session's: 403 and still logged in.
            assert s.post("/admin/logout", "", headers={"Cookie": cookie})[0] == 403
            assert s.post("/admin/logout", "csrf=nope", headers={"Cookie": cookie})[0] == 403
            _, _, _, other = _login(s, "vic")
            assert s.post("/admin/logout", "csrf=" + _csrf(s, other), headers={"Cookie": cookie})[0] == 403
            assert s.get("/admin/", headers={"Cookie": cookie})[0] == 200
            csrf = _csrf(s, cookie)
            st, h, body = s.post("/admin/logout", "csrf=" + csrf, headers={"Cookie": cookie})
            assert st == 303 and h["location"] == "/admin/login"
            assert "Max-Age=0" in h["set-cookie"]
            assert s.get("/admin/", headers={"Cookie": cookie})[0] == 303
            # The CSRF token also works as a header.
            _, _, _, cookie = _login(s, "ann")
            assert s.post("/admin/logout", "", headers={"Cookie": cookie, "X-CSRF-Token": _csrf(s, cookie)})[0] == 303
        with Server(tmp=tmp, db=db, args=["--base-url", "https://klankbord.example.nl"]) as s:
            st, h, body, cookie = _login(s, "ann")
            assert "Secure" in [a.strip() for a in h["set-cookie"].split(";")]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_session_idle_and_absolute_expiry_and_passwd():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db, keys = _setup(tmp)
        with Server(tmp=tmp, db=db) as s:
            now = int(time.time())
            _, _, _, c1 = _login(s, "ann")
            _, _, _, c2 = _login(s, "vic")
            _, _, _, c3 = _login(s, "sam")
            con = sqlite3.connect(db, timeout=10)
            con.execute("UPDATE sessions SET seen = ? WHERE user = 'ann'", (now - 31 * 60,))
            con.execute("UPDATE sessions SET created = ?, seen = ? WHERE user = 'vic'", (now - 13 * 3600, now - 60))
            con.commit()
            con.close()
            assert s.get("/admin/", headers={"Cookie": c1})[0] == 303, "idle session still valid"
            assert s.get("/admin/", headers={"Cookie": c2})[0] == 303, "12-hour session still valid"
            assert s.get("/admin/", headers={"Cookie": c3})[0] == 200
            assert run_tool("user", "passwd", "sam", "--db", db, stdin="a brand new password\n")[0] == 0
            assert s.get("/admin/", headers={"Cookie": c3})[0] == 303, "passwd must end sessions"
            assert _login(s, "sam")[0] == 401
            assert _login(s, "sam", "a brand new password")[0] == 303
            # A removed user's sessions end with it.
            _, _, _, c4 = _login(s, "vic")
            assert run_tool("user", "remove", "vic", "--db", db)[0] == 0
            assert s.get("/admin/", headers={"Cookie": c4})[0] == 303
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_login_throttling_in_memory_only():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db, keys = _setup(tmp)
        with Server(tmp=tmp, db=db) as s:
            for _ in range(5):
                assert _login(s, "ann", "wrong password!!")[0] == 401
            st, h, body, cookie = _login(s, "ann")
            assert st == 429 and int(h["retry-after"]) > 0 and cookie is None
            # Another account from the same address still works (20 per address).
            assert _login(s, "vic")[0] == 303
            for i in range(15):
                assert _login(s, "nobody%d" % i, "wrong password!!")[0] == 401
            assert _login(s, "sam")[0] == 429, "address limit"
            for l in s.log:
                assert "127.0.0.1" not in l or "listening on" in l, l
        raw = open(db, "rb").read() + (open(db + "-wal", "rb").read() if os.path.exists(db + "-wal") else b"")
        assert b"127.0.0.1" not in raw, "an address reached the database"
        # A restart forgets: throttling lives in memory.
        with Server(tmp=tmp, db=db) as s:
            assert _login(s, "ann")[0] == 303
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_audit_log_and_first_run_notice():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        with Server(tmp=tmp) as s:
            st, h, body = s.get("/admin/login")
            assert st == 200 and b"klankbord user add" in body and b"--role admin" in body
            assert any("no admin yet" in l for l in s.log)
        db, keys = _setup(tmp)
        with Server(tmp=tmp, db=db) as s:
            st, h, body = s.get("/admin/login")
            assert b"klankbord user add" not in body
            assert _login(s, "ann", "wrong password!!")[0] == 401
            _, _, _, cookie = _login(s, "ann")
            s.post("/admin/logout", "csrf=" + _csrf(s, cookie), headers={"Cookie": cookie})
            _, _, _, cookie = _login(s, "ann")
            st, h, body = s.get("/admin/audit", headers={"Cookie": cookie})
            assert st == 200
            for action in [b"login failed", b"login", b"logout", b"user add", b"apikey add", b"apikey revoke"]:
                assert b"<td>" + action + b"</td>" in body, action
            st, h, body = s.get("/admin/users", headers={"Cookie": cookie})
            assert st == 200 and b"kview" in body and b"vic" in body
        rows = db_query(db, "SELECT actor, action, detail FROM audit")
        for actor, action, detail in rows:
            assert "127.0.0.1" not in detail and PW not in detail
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
