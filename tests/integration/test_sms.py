"""SMS invitations end to end: the real server and its real libcurl sender
against a fake gateway on loopback."""
import base64
import datetime
import json
import os
import re
import shutil
import signal
import sqlite3
import tempfile
import time
import urllib.parse
import zoneinfo

from fakegw import Gateway
from kb import ROOT, Server, response, db_query, run_tool
from test_auth import PW

PHONE = "0612345678"
E164 = "+31612345678"
SECRET = "test-callback-secret"


def _setup(tmp):
    db = os.path.join(tmp, "k.db")
    rc, out, err = run_tool("apikey", "add", "cms", "--role", "sender", "--db", db)
    assert rc == 0, err
    return db, out.strip()


def _server(tmp, db, gw, provider="generic", extra=()):
    return Server(tmp=tmp, db=db, args=[
        "--rate-limit", "off", "--sms-provider", provider, "--sms-url", gw.url,
        "--sms-key", "gw-secret-key", "--sms-sender", "Klankbord",
        "--sms-callback-secret", SECRET, "--sms-quiet-hours", "off",
        "--sms-timeout", "2", "--sms-retry-base", "1"] + list(extra))


def _invite(s, key, phone=PHONE, survey="ouders", loc="overvecht", lang="nl"):
    st, h, body = s.post("/admin/api/invitations",
                         {"phone": phone, "survey": survey, "location": loc, "lang": lang},
                         headers={"Authorization": "Bearer " + key})
    return st, json.loads(body)


def _link_token(message):
    m = re.search(r"/i/([0-9A-Za-z]+)", message)
    assert m, message
    return m.group(1)


def _raw(db):
    data = open(db, "rb").read()
    if os.path.exists(db + "-wal"):
        data += open(db + "-wal", "rb").read()
    return data


def _until(db, sql, want, timeout=10):
    deadline = time.time() + timeout
    got = None
    while time.time() < deadline:
        got = db_query(db, sql)
        if got == want:
            return got
        time.sleep(0.05)
    raise AssertionError("%s gave %r, not %r" % (sql, got, want))


def _no_phone_in_file(db):
    raw = _raw(db)
    for form in (E164, PHONE, "612345678"):
        assert form.encode() not in raw, "phone number %s still in the database file" % form


def test_invite_send_answer_and_erase():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        with _server(tmp, db, gw) as s:
            st, body = _invite(s, key)
            assert st == 202 and len(body["id"]) == 16, body
            reqs = gw.wait(1)
            assert len(reqs) == 1
            r = reqs[0]
            j = r["json"]
            assert j["to"] == E164 and j["from"] == "Klankbord"
            assert r["headers"]["Authorization"] == "Bearer gw-secret-key"
            msg = j["message"]
            assert len(msg) <= 160 and all(ord(c) < 128 for c in msg), msg
            token = _link_token(msg)
            assert len(token) >= 11  # 64+ random bits in base62
            assert token not in j["reference"] and j["reference"] != token
            assert "/i/" + token in msg
            assert msg.startswith("Buurtteam Overvecht - De Gagel: hoe was de hulp?"), msg
            assert token.encode() not in _raw(db), "token stored in clear"
            # The link opens the survey, without leaking the token onwards.
            st, h, page = s.get("/i/" + token)
            assert st == 200 and h["referrer-policy"] == "no-referrer"
            assert h["cache-control"] == "no-store"
            cfg = json.loads(page.decode().split('id="kb-config">', 1)[1].split("</script>", 1)[0])
            assert cfg["channel"] == "sms" and cfg["token"] == token and cfg["optout"] is True
            assert cfg["survey"] == "ouders" and cfg["location"] == "overvecht"
            # Answer through it: single use.
            st, _, body = s.post("/api/responses", response(channel="sms", token=token))
            assert st == 201, body
            rid = json.loads(body)["id"]
            r2 = response(channel="sms", token=token)
            st, _, body = s.post("/api/responses", r2)
            # Used once: the link is closed, like any closed link (the
            # database no longer knows whether it was answered).
            assert st == 410 and json.loads(body)["error"] == "token_expired"
            st, h, page = s.get("/i/" + token)
            assert st == 410 and "Link gesloten" in page.decode()
            # Nothing joins the response to the invitation.
            cols_r = {c[1] for c in db_query(db, "PRAGMA table_info(responses)")}
            cols_i = {c[1] for c in db_query(db, "PRAGMA table_info(invitations)")}
            assert cols_r & cols_i <= {"id", "survey", "location", "lang"}
            assert db_query(db, "SELECT count(*) FROM invitations WHERE id = ?", (int(rid, 16) & 0x7fffffffffffffff,))[0][0] == 0
            assert db_query(db, "SELECT count(*) FROM invitations") == [(0,)]
            assert db_query(db, "SELECT sum(sent), sum(answered) FROM invite_counts") == [(1, 1)]
            assert db_query(db, "SELECT channel FROM acked") == [("sms",)]
        _no_phone_in_file(db)
        assert any(a == "invitation" for (a,) in db_query(db, "SELECT action FROM audit"))
        for (d,) in db_query(db, "SELECT detail FROM audit"):
            assert PHONE not in d and "612345678" not in d
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_invitation_validation_and_rules():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        with _server(tmp, db, gw) as s:
            for phone in ["12345", "0201234567", "+31 20 123 4567", "06-1234567", "abc", "", "+0612345678",
                          "+4915112345678"]:
                st, body = _invite(s, key, phone=phone)
                assert st == 422 and body["field"] == "phone", (phone, body)
            assert _invite(s, key, survey="nope")[0] == 422
            assert _invite(s, key, loc="mars")[0] == 422
            assert _invite(s, key, lang="de")[0] == 422
            st, h, body = s.post("/admin/api/invitations", "{", headers={"Authorization": "Bearer " + key})
            assert st == 400
            # Other ways to write the same Dutch number are the same number.
            assert _invite(s, key, phone="+31 (0)6 1234 5678")[0] == 202
            st, body = _invite(s, key, phone="06-12345678")
            assert st == 409 and "30 days" in body["message"]
            assert _invite(s, key, phone="0031612345678", survey="jongeren")[0] == 202
            gw.wait(2)
            # Logs never hold a number or a token.
            for line in s.log:
                assert "612345678" not in line and "/i/" not in line, line
        assert db_query(db, "SELECT count(*) FROM invitations")[0][0] == 2
        # SMS switched off: the API says so.
        with Server(tmp=tmp, db=db) as s:
            st, body = _invite(s, key, phone="06-00000001")
            assert st == 503 and body["error"] == "sms_disabled"
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_opt_out_by_link_and_by_reply():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        with _server(tmp, db, gw) as s:
            assert _invite(s, key)[0] == 202
            token = _link_token(gw.wait(1)[0]["json"]["message"])
            assert s.post("/api/optout", {"token": "short"})[0] == 400
            assert s.post("/api/optout", {"token": "A" * 17})[0] == 404
            st, h, body = s.post("/api/optout", {"token": token})
            assert st == 204
            # Opted out is final: the invitation and its number are gone.
            assert db_query(db, "SELECT count(*) FROM invitations") == [(0,)]
            st, body = _invite(s, key, survey="jongeren")
            assert st == 409 and "no more messages" in body["message"]
            # No more messages, but the survey can still be answered, once.
            st, h, page = s.get("/i/" + token)
            cfg = json.loads(page.decode().split('id="kb-config">', 1)[1].split("</script>", 1)[0])
            assert st == 200 and cfg["optout"] is False and cfg["token"] == token
            assert s.post("/api/responses", response(channel="sms", token=token))[0] == 201
            assert s.post("/api/responses", response(channel="sms", token=token))[0] == 410
            assert s.get("/i/" + token)[0] == 410
            # The opt-out link itself still answers the same.
            assert s.post("/api/optout", {"token": token})[0] == 204
            assert db_query(db, "SELECT count(*) FROM optouts")[0][0] == 1
            # STOP by reply, from another number.
            hdr = {"X-Klankbord-Secret": SECRET}
            other = "06-00000001"
            assert _invite(s, key, phone=other)[0] == 202
            gw.wait(2)
            assert s.post("/sms/inbound", {"from": "+31 6 00000001", "body": "hallo"}, headers=hdr)[2] == b'{"opted_out":false}'
            st, _, body = s.post("/sms/inbound", "From=%2B31600000001&Body=+Afmelden.+",
                                 headers=dict(hdr, **{"Content-Type": "application/x-www-form-urlencoded"}))
            assert st == 200 and json.loads(body)["opted_out"] is True
            assert _invite(s, key, phone=other, survey="participatie")[0] == 409
            # Unauthenticated or malformed callbacks change nothing.
            assert s.post("/sms/inbound", {"from": "06-00000002", "body": "STOP"})[0] == 401
            assert s.post("/sms/inbound", {"from": "06-00000002", "body": "STOP"},
                          headers={"X-Klankbord-Secret": "wrong"})[0] == 401
            assert s.post("/sms/inbound", {"body": "STOP"}, headers=hdr)[0] == 400
            assert s.post("/sms/inbound", "{", headers=hdr)[0] == 400
            assert db_query(db, "SELECT count(*) FROM optouts")[0][0] == 2
        raw = _raw(db)
        assert b"600000001" not in raw and b"612345678" not in raw
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_retries_4xx_timeouts_and_drops():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        gw.plan = [500, "drop", "timeout", "ok"]
        with _server(tmp, db, gw) as s:
            assert _invite(s, key)[0] == 202
            reqs = gw.wait(4, timeout=30)
            assert len(reqs) == 4, len(reqs)
            refs = {r["json"]["reference"] for r in reqs}
            assert len(refs) == 1, "a retry must carry the same reference"
            deadline = time.time() + 10
            while time.time() < deadline and db_query(db, "SELECT state FROM invitations")[0][0] != "sent":
                time.sleep(0.1)
            assert db_query(db, "SELECT state, tries FROM invitations") == [("sent", 0)]
            # A 4xx is final: no retry, the number erased.
            gw.plan = [400]
            assert _invite(s, key, phone="06-00000001")[0] == 202
            gw.wait(5)
            time.sleep(2.5)
            assert len(gw.requests) == 5
            _until(db, "SELECT count(*) FROM invitations", [(1,)])
            assert any("refused by the gateway (HTTP 400)" in l for l in s.log)
        # 503 is never final: it is tried again and again, not failed.
        with _server(tmp, db, gw, extra=["--sms-max-tries", "2"]) as s:
            gw.default = 503
            n = len(gw.requests)
            assert _invite(s, key, phone="06-00000002")[0] == 202
            gw.wait(n + 3, timeout=20)
            assert len(gw.requests) >= n + 3
            rows = db_query(db, "SELECT state FROM invitations WHERE tries >= 2")
            assert rows == [("queued",)], rows
            gw.default = "ok"
        # The failed numbers are gone; the sent one stays for its reminder.
        raw = _raw(db)
        assert b"600000001" not in raw
        assert db_query(db, "SELECT phone FROM invitations WHERE state = 'sent'") == [(E164,)]
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_quiet_hours_reminder_and_expiry():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        # Quiet all day but one minute from now: nothing goes out.
        now = time.localtime()
        os.environ["TZ"] = "Europe/Amsterdam"
        time.tzset()
        lt = time.localtime(time.time() + 120)
        end = "%02d:%02d" % (lt.tm_hour, lt.tm_min)
        start = time.localtime(time.time() - 60)
        quiet = "%02d:%02d-%s" % (start.tm_hour, start.tm_min, end)
        del os.environ["TZ"]
        time.tzset()
        with _server(tmp, db, gw, extra=["--sms-quiet-hours", quiet]) as s:
            assert _invite(s, key)[0] == 202
            time.sleep(2.5)
            assert gw.requests == [], "sent in quiet hours"
            assert db_query(db, "SELECT state FROM invitations") == [("queued",)]
        with _server(tmp, db, gw) as s:
            reqs = gw.wait(1)
            assert len(reqs) == 1
            token = _link_token(reqs[0]["json"]["message"])
            _until(db, "SELECT state FROM invitations", [("sent",)])
            # The reminder is due in 3 days; pretend they have passed.
            # Three days after it was sent (it waited out the quiet hours).
            row = db_query(db, "SELECT next_at - CAST(strftime('%s', 'now') AS INTEGER) FROM invitations")[0][0]
            assert 3 * 86400 - 10 <= row <= 3 * 86400, row
            con = sqlite3.connect(db, timeout=10)
            con.execute("UPDATE invitations SET next_at = 1")
            con.commit()
            con.close()
            reqs = gw.wait(2)
            assert len(reqs) == 2 and reqs[1]["json"]["to"] == E164
            assert _link_token(reqs[1]["json"]["message"]) == token
            _until(db, "SELECT state, reminded, phone, next_at FROM invitations", [("sent", 1, None, None)])
            time.sleep(1.5)
            assert len(gw.requests) == 2, "one reminder at most"
            # The link still works after the reminder until it expires.
            assert s.get("/i/" + token)[0] == 200
            con = sqlite3.connect(db, timeout=10)
            con.execute("UPDATE invitations SET expires = 1")
            con.execute("UPDATE invite_open SET until = 1")
            con.commit()
            con.close()
            assert s.get("/i/" + token)[0] == 410
            st, _, body = s.post("/api/responses", response(channel="sms", token=token))
            assert st == 410 and json.loads(body)["error"] == "token_expired"
            deadline = time.time() + 10
            while time.time() < deadline and db_query(db, "SELECT count(*) FROM invitations")[0][0] != 0:
                time.sleep(0.2)
            _until(db, "SELECT count(*) FROM invitations", [(0,)])
        _no_phone_in_file(db)
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_delivery_reports():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        with _server(tmp, db, gw) as s:
            assert _invite(s, key)[0] == 202
            assert _invite(s, key, phone="06-00000001")[0] == 202
            reqs = gw.wait(2)
            time.sleep(0.5)
            hdr = {"X-Klankbord-Secret": SECRET}
            ref0 = reqs[0]["json"]["reference"]
            assert s.post("/sms/status", {"reference": ref0, "status": "delivered"})[0] == 401
            assert s.post("/sms/status?secret=nope", {"reference": ref0, "status": "delivered"})[0] == 401
            assert s.post("/sms/status", {"status": "delivered"}, headers=hdr)[0] == 400
            assert s.post("/sms/status", "[1]", headers=hdr)[0] == 400
            st, _, body = s.post("/sms/status?secret=" + SECRET, {"reference": ref0, "status": "delivered"})
            assert st == 200 and b"recorded" in body
            # The gateway's own id works too, and a form as well as JSON.
            st, _, body = s.post("/sms/status", "id=gw-2&status=undelivered",
                                 headers=dict(hdr, **{"Content-Type": "application/x-www-form-urlencoded"}))
            assert st == 200 and b"recorded" in body
            states = dict(db_query(db, "SELECT ref, state FROM invitations"))
            assert states == {ref0: "delivered"}   # the failed one is gone
            st, _, body = s.post("/sms/status", {"reference": "nope", "status": "delivered"}, headers=hdr)
            assert st == 200 and b"unknown" in body
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_every_provider_format():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        phones = iter(["06-00000002", "06-00000003", "06-00000004"])
        for provider in ["twilio", "cm", "messagebird"]:
            extra = ["--sms-key", "AC123:tok3n"] if provider == "twilio" else []
            with _server(tmp, db, gw, provider=provider, extra=extra) as s:
                n = len(gw.requests)
                assert _invite(s, key, phone=next(phones))[0] == 202
                r = gw.wait(n + 1)[n]
                if provider == "twilio":
                    f = r["form"]
                    assert f["From"] == "Klankbord" and f["To"].startswith("+316") and "/i/" in f["Body"]
                    auth = r["headers"]["Authorization"]
                    assert auth == "Basic " + base64.b64encode(b"AC123:tok3n").decode()
                elif provider == "cm":
                    m = r["json"]["messages"]
                    assert m["authentication"]["producttoken"] == "gw-secret-key"
                    msg = m["msg"][0]
                    assert msg["from"] == "Klankbord" and msg["to"][0]["number"].startswith("00316")
                    assert "/i/" in msg["body"]["content"] and msg["reference"]
                    assert _link_token(msg["body"]["content"]) not in msg["reference"]
                else:
                    j = r["json"]
                    assert r["headers"]["Authorization"] == "AccessKey gw-secret-key"
                    assert j["originator"] == "Klankbord" and j["recipients"][0].startswith("316")
                    assert "/i/" in j["body"] and j["reference"]
                for line in s.log:
                    assert "gw-secret-key" not in line and "tok3n" not in line
        rc, out, err = run_tool("serve", "--db", db, "--sms-provider", "carrier-pigeon")
        assert rc == 1 or rc == 2
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_kill_mid_send_loses_nothing():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        gw.delay = 0.8
        s = _server(tmp, db, gw, extra=["--sms-concurrency", "4"])
        s.start()
        for i in range(12):
            assert _invite(s, key, phone="06-%08d" % (100 + i))[0] == 202
        gw.wait(3)
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
        gw.delay = 0
        s2 = _server(tmp, db, gw)
        s2.start()
        deadline = time.time() + 20
        while time.time() < deadline and len(gw.accepted_refs) < 12:
            time.sleep(0.1)
        refs = {r["json"]["reference"] for r in gw.requests}
        assert len(gw.accepted_refs) == 12 and len(refs) == 12, (len(gw.accepted_refs), len(refs))
        deadline = time.time() + 5
        while time.time() < deadline and db_query(db, "SELECT count(*) FROM invitations WHERE state='sent'")[0][0] < 12:
            time.sleep(0.1)
        assert db_query(db, "SELECT count(*) FROM invitations WHERE state='sent'")[0][0] == 12
        # A message the gateway had before the kill went again only with its
        # first reference, so a gateway that deduplicates delivers it once.
        per_ref = {}
        for r in gw.requests:
            per_ref[r["json"]["reference"]] = per_ref.get(r["json"]["reference"], 0) + 1
        assert all(v <= 2 for v in per_ref.values())
        assert s2.stop() == 0
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_invite_command_and_templates():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        rc, out, err = run_tool("invite", "--survey", "ouders", "--location", "overvecht",
                                "--phone", PHONE, "--db", db)
        assert rc == 0 and "queued" in out, err
        rc, out, err = run_tool("invite", "--survey", "ouders", "--location", "overvecht",
                                "--phone", "112", "--db", db)
        assert rc == 1 and "phone" in err
        with _server(tmp, db, gw) as s:
            reqs = gw.wait(1)
            assert len(reqs) == 1 and reqs[0]["json"]["to"] == E164
        # A template that does not fit one SMS, or is not GSM-7, stops the start.
        s = _server(tmp, db, gw, extra=["--sms-template-nl", "x" * 150 + " {link}"])
        assert s.start(expect_fail=True) == 1
        assert any("160" in l for l in s.log), s.log
        s = _server(tmp, db, gw, extra=["--sms-template-en", "Hoe was het? " + "👍" * 60 + " {link}"])
        assert s.start(expect_fail=True) == 1
        assert any("UCS-2" in l and "134" in l for l in s.log), s.log
        s = _server(tmp, db, gw, extra=["--sms-template-en", "no link here"])
        assert s.start(expect_fail=True) == 1
        # The key file is made once, private, and needed for the links.
        kf = db + ".key"
        assert oct(os.stat(kf).st_mode & 0o777) == "0o600" and os.path.getsize(kf) == 32
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _week_month(t=None):
    """The month of the ISO week's Thursday, in the server's time zone."""
    tz = zoneinfo.ZoneInfo("Europe/Amsterdam")
    d = datetime.datetime.fromtimestamp(time.time() if t is None else t, tz).date()
    return (d + datetime.timedelta(days=3 - d.weekday())).strftime("%Y-%m")


def test_dashboard_share_of_invitations_answered():
    """The share of SMS invitations answered obeys the closed periods and
    the protected cells: answers in the running month change nothing a
    viewer sees; in closed months the share is the shown SMS cells over
    the invitations sent in the same periods, and a period whose SMS cell
    is hidden counts in neither."""
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        assert run_tool("user", "add", "vic", "--role", "viewer", "--db", db, stdin=PW + "\n")[0] == 0
        from test_auth import _login
        # The running month: counted, never shown.
        with _server(tmp, db, gw, extra=["--anonymity-k", "3"]) as s:
            months = {_week_month()}
            for i in range(4):
                assert _invite(s, key, phone="06-%08d" % (200 + i))[0] == 202
            reqs = gw.wait(4)
            _until(db, "SELECT count(*) FROM invitations WHERE state = 'sent'", [(4,)])
            tokens = [_link_token(r["json"]["message"]) for r in reqs]
            _, _, _, cookie = _login(s, "vic")
            h = {"Cookie": cookie}
            before = s.get("/admin/api/stats?survey=ouders", headers=h)[2]
            assert "sms" not in json.loads(before)
            for token in tokens[:3]:
                assert s.post("/api/responses", response(channel="sms", token=token))[0] == 201
                s.release()
                assert s.get("/admin/api/stats?survey=ouders", headers=h)[2] == before
            months.add(_week_month())
            rows = db_query(db, "SELECT location, month, sent, answered FROM invite_counts")
            assert sum(r[2] for r in rows) == 4 and sum(r[3] for r in rows) == 3, rows
            assert {r[1] for r in rows} <= months, (rows, months)
        # Closed months: February (4 SMS answers, shown) and March 2025
        # (2, under K, hidden), with their invitation counters.
        lines = []
        for week, n in (("2025-W07", 4), ("2025-W11", 2)):
            for i in range(n):
                r = response(channel="sms", week=week)
                r["answers"]["cijfer"] = 5 + i
                lines.append(r)
        path = os.path.join(tmp, "seed.jsonl")
        with open(path, "w") as f:
            f.write("".join(json.dumps(l) + "\n" for l in lines))
        rc, _, err = run_tool("import", "--db", db, "--surveys", os.path.join(ROOT, "surveys"), path)
        assert rc == 0, err
        con = sqlite3.connect(db)
        con.executemany("INSERT INTO invite_counts (survey, location, month, sent, answered)"
                        " VALUES ('ouders', 'overvecht', ?, ?, ?)", [("2025-02", 8, 4), ("2025-03", 5, 2)])
        con.commit()
        con.close()
        with _server(tmp, db, gw, extra=["--anonymity-k", "3"]) as s:
            _, _, _, cookie = _login(s, "vic")
            h = {"Cookie": cookie}

            def stats(q):
                st, _, body = s.get("/admin/api/stats?survey=ouders" + q, headers=h)
                assert st == 200, body
                return json.loads(body)
            feb = stats("&from=2025-02&to=2025-02")
            assert feb["total"]["n"] == 4
            assert feb["sms"] == {"invited": 8, "answered": 4, "share_answered": 0.5}
            mar = stats("&from=2025-03&to=2025-03")
            assert mar["total"].get("suppressed") and "sms" not in mar, mar
            # A window over both: only the shown period counts, so the
            # window says nothing about March.
            both = stats("&from=2025-02&to=2025-03")
            assert both["sms"] == feb["sms"]
            assert stats("&loc=overvecht&from=2025-02&to=2025-02")["sms"] == feb["sms"]
            assert "sms" not in stats("&loc=vechtzoom&from=2025-02&to=2025-02")
            page = s.get("/admin/?survey=ouders", headers=h)[2].decode()
            assert "8 verstuurd, 4 beantwoord (50%)" in page
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_gateway_down_for_an_hour_of_simulated_time():
    """The gateway answers 503 for an hour. Time is simulated by moving each
    retry's due time to now, adding up the waits the server chose; after an
    hour the gateway is back and the message goes, once, nothing lost."""
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway()
    try:
        db, key = _setup(tmp)
        gw.default = 503
        s = Server(tmp=tmp, db=db, args=[
            "--rate-limit", "off", "--sms-provider", "generic", "--sms-url", gw.url,
            "--sms-quiet-hours", "off", "--sms-timeout", "2"])  # default back-off: 30 s, doubling
        s.start()
        try:
            assert _invite(s, key)[0] == 202
            simulated, waits, tries = 0, [], 0
            while simulated < 3600:
                tries += 1
                gw.wait(tries, timeout=10)
                assert len(gw.requests) == tries
                # The server's chosen wait before the next try.
                row = None
                deadline = time.time() + 5
                while time.time() < deadline:
                    row = db_query(db, "SELECT tries, next_at - CAST(strftime('%s','now') AS INTEGER),"
                                   " state FROM invitations")[0]
                    if row[0] == tries:
                        break
                    time.sleep(0.05)
                assert row[0] == tries and row[2] == "queued", row
                waits.append(row[1])
                simulated += row[1]
                con = sqlite3.connect(db, timeout=10)
                con.execute("UPDATE invitations SET next_at = 1")
                con.commit()
                con.close()
                if simulated >= 3600:
                    gw.default = "ok"
            # The waits grow (30 s doubling, with up to a quarter of jitter).
            for i, w in enumerate(waits):
                base = min(30 * 2 ** i, 3600)
                assert base - 2 <= w <= base * 1.25 + 2, (i, w, waits)
            assert tries <= 7, "an hour is about 7 tries at this back-off"
            gw.wait(tries + 1)
            _until(db, "SELECT state, tries FROM invitations", [("sent", 0)])
            time.sleep(1.5)
            assert len(gw.requests) == tries + 1, "sent more than once after the outage"
            assert len({r["json"]["reference"] for r in gw.requests}) == 1
            assert sum(1 for l in s.log if "retry in" in l) == tries
        finally:
            assert s.stop() == 0
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)
