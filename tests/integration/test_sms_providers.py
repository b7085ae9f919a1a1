"""SMS providers as they really are: for each dialect a fake gateway that
checks the request like the provider would, and every documented
callback shape (tests/fixtures/sms/*.json) replayed against the server,
signed like the provider signs it."""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import sqlite3
import tempfile
import time
import urllib.parse

from fakegw import Gateway, message_of, number_of, reference_of
from kb import ROOT, Server, db_query, response, run_tool

SECRET = "cb secret/1"
BASE = "https://kb.example.nl"
TW_SID, TW_TOKEN = "AC0000000000000000000000000000000a", "tw-auth-token"
MB_SIGNING = "mb-signing-key"
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "sms")
PHONE = "0612345678"
FORMS = ["0612345678", "612345678", "+31612345678", "31612345678",
         "06 12345678", "0031612345678"]


def fixture(name):
    with open(os.path.join(FIXTURES, name + ".json")) as f:
        return json.load(f)


def setup(tmp):
    db = os.path.join(tmp, "k.db")
    rc, out, err = run_tool("apikey", "add", "cms", "--role", "sender", "--db", db)
    assert rc == 0, err
    return db, out.strip()


def server(tmp, db, gw, provider, extra=()):
    key = {"twilio": TW_SID + ":" + TW_TOKEN}.get(provider, "gw-key")
    args = ["--rate-limit", "off", "--sms-provider", provider, "--sms-url", gw.url,
            "--sms-key", key, "--sms-sender", "Klankbord", "--base-url", BASE,
            "--sms-callback-secret", SECRET, "--sms-quiet-hours", "off",
            "--sms-timeout", "2", "--sms-retry-base", "1"]
    if provider == "messagebird":
        args += ["--sms-signing-key", MB_SIGNING]
    return Server(tmp=tmp, db=db, args=args + list(extra))


def invite(s, key, phone=PHONE, survey="ouders", loc="overvecht", lang="nl"):
    st, h, body = s.post("/admin/api/invitations",
                         {"phone": phone, "survey": survey, "location": loc, "lang": lang},
                         headers={"Authorization": "Bearer " + key})
    return st, json.loads(body)


def until(fn, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return fn()


def twilio_sign(url, params):
    s = url + "".join(k + v for k, v in sorted(params))
    return base64.b64encode(hmac.new(TW_TOKEN.encode(), s.encode(), hashlib.sha1).digest()).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def messagebird_jwt(url, body, key=MB_SIGNING, now=None):
    now = int(now or time.time())
    claims = {"iss": "MessageBird", "nbf": now, "exp": now + 60, "jti": os.urandom(8).hex(),
              "url_hash": hashlib.sha256(url.encode()).hexdigest()}
    if body:
        claims["payload_hash"] = hashlib.sha256(body.encode()).hexdigest()
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    pay = b64url(json.dumps(claims).encode())
    sig = hmac.new(key.encode(), (head + "." + pay).encode(), hashlib.sha256).digest()
    return head + "." + pay + "." + b64url(sig)


def fill(x, subst):
    if isinstance(x, str):
        for k, v in subst.items():
            x = x.replace(k, v)
        return x
    if isinstance(x, list):
        return [fill(i, subst) for i in x]
    return x


def callback(s, provider, path, case, subst, sign=True, secret=SECRET):
    """Sends one fixture callback the way the provider would."""
    q = [("secret", secret)] + [tuple(p) for p in fill(case.get("query", []), subst)]
    qs = urllib.parse.urlencode(q)
    url = BASE + path + "?" + qs
    headers = {}
    body = None
    if case["method"] == "POST":
        headers["Content-Type"] = case["content_type"]
        if "params" in case:
            params = [tuple(p) for p in fill(case["params"], subst)]
            body = urllib.parse.urlencode(params)
        else:
            body = fill(case["body"], subst)
    if sign and provider == "twilio":
        params = [tuple(p) for p in fill(case.get("params", []), subst)] if case["method"] == "POST" else []
        headers["X-Twilio-Signature"] = twilio_sign(url, params)
    if sign and provider == "messagebird":
        headers["MessageBird-Signature-JWT"] = messagebird_jwt(url, body or "")
    return s.request(case["method"], path + "?" + qs, body, headers=headers)


def provider_roundtrip(provider):
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway(dialect=provider)
    fx = fixture(provider)
    try:
        db, key = setup(tmp)
        with server(tmp, db, gw, provider) as s:
            for case in fx["reports"]:
                # A fresh invitation for each report shape.
                n = len(gw.requests)
                phone = "06%08d" % (10 + n)
                assert invite(s, key, phone=phone)[0] == 202
                r = gw.wait(n + 1)[n]
                assert gw.violations == [], gw.violations
                text = message_of(r)
                assert text.startswith("Buurtteam Overvecht - De Gagel: "), text
                assert len(text) <= 160 and "/i/" in text
                until(lambda: len(gw.ids) > n)
                ref = reference_of(r) if provider in ("cm", "generic", "messagebird") else gw.ids[n]
                if provider == "generic":
                    assert r["json"]["callback_url"] == BASE + "/sms/status?secret=cb+secret%2F1"
                if provider == "messagebird":
                    assert r["json"]["reportUrl"] == BASE + "/sms/status?secret=cb+secret%2F1"
                if provider == "twilio":
                    assert r["form"]["StatusCallback"] == BASE + "/sms/status?secret=cb+secret%2F1"
                until(lambda: db_query(db, "SELECT state FROM invitations WHERE ref = ? OR provider_id = ?",
                                       (reference_of(r) or "-", ref)) == [("sent",)])
                subst = {"{REF}": ref, "{ID}": gw.ids[n], "{TO}": number_of(r),
                         "{FROM}": number_of(r)}
                before = db_query(db, "SELECT count(*) FROM invitations")[0][0]
                # Unsigned, wrong secret: 401 and nothing changed.
                st = callback(s, provider, "/sms/status", case, subst, secret="wrong")[0]
                assert st == 401, (provider, case, st)
                if provider in ("twilio", "messagebird"):
                    st = callback(s, provider, "/sms/status", case, subst, sign=False)[0]
                    assert st == 401, (provider, case, st)
                assert db_query(db, "SELECT state FROM invitations WHERE ref = ? OR provider_id = ?",
                                (reference_of(r) or "-", ref)) == [("sent",)]
                st, h, body = callback(s, provider, "/sms/status", case, subst)
                assert st == 200, (provider, case, st, body)
                assert b"recorded" in body, (case, body)
                rows = db_query(db, "SELECT state FROM invitations WHERE ref = ? OR provider_id = ?",
                                (reference_of(r) or "-", ref))
                if case["state"] == "failed":
                    assert rows == [], (case, rows)   # final: the row is gone
                    assert db_query(db, "SELECT count(*) FROM invitations")[0][0] == before - 1
                else:
                    assert rows == [(case["state"],)], (case, rows)
                # The same report again changes nothing.
                assert callback(s, provider, "/sms/status", case, subst)[0] == 200
                assert db_query(db, "SELECT count(*) FROM invitations")[0][0] == \
                    (before - 1 if case["state"] == "failed" else before)
            # Replies: STOP in the provider's shape opts the number out.
            for case in fx["inbound"]:
                n = len(gw.requests)
                phone = "06%08d" % (50 + n)
                assert invite(s, key, phone=phone)[0] == 202
                r = gw.wait(n + 1)[n]
                subst = {"{FROM}": number_of(r)}
                before = db_query(db, "SELECT count(*) FROM optouts")[0][0]
                st = callback(s, provider, "/sms/inbound", case, subst, secret="nope")[0]
                assert st == 401
                st, h, body = callback(s, provider, "/sms/inbound", case, subst)
                assert st == 200, (case, st, body)
                if provider == "twilio":
                    assert h["content-type"].startswith("text/xml"), h
                    assert re.fullmatch(rb'<\?xml version="1.0" encoding="UTF-8"\?><Response></Response>', body), body
                after = db_query(db, "SELECT count(*) FROM optouts")[0][0]
                assert after == before + (1 if case["opt_out"] else 0), (case, before, after)
                if case["opt_out"]:
                    st, body = invite(s, key, phone=phone, survey="jongeren")
                    assert st == 409 and "no more messages" in body["message"]
            st, h, body = s.get("/metrics")
            text = body.decode()
            assert 'klankbord_sms_sent_total{provider="%s"}' % provider in text
            assert re.search(r'klankbord_sms_failed_total\{provider="%s"\} [1-9]' % provider, text), text
            assert re.search(r'klankbord_sms_delivered_total\{provider="%s"\} [1-9]' % provider, text)
            assert 'klankbord_sms_queued{provider="%s"}' % provider in text
            assert re.search(r'klankbord_build_info\{version="[0-9.]+"\} 1', text)
            for line in s.log:
                assert "612345678" not in line and "gw-key" not in line and TW_TOKEN not in line, line
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_twilio_as_it_really_is():
    provider_roundtrip("twilio")


def test_cm_as_it_really_is():
    provider_roundtrip("cm")


def test_messagebird_as_it_really_is():
    provider_roundtrip("messagebird")


def test_generic_as_it_really_is():
    provider_roundtrip("generic")


def test_429_and_503_wait_for_retry_after_and_are_not_final():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway(dialect="messagebird")
    try:
        db, key = setup(tmp)
        gw.plan = [(429, {"Retry-After": "2"}), (503, {"Retry-After": "1"}), 400]
        with server(tmp, db, gw, "messagebird") as s:
            assert invite(s, key)[0] == 202
            reqs = gw.wait(3, timeout=20)
            assert len(reqs) == 3
            # The waits the server chose are the gateway's, not its back-off.
            assert any("HTTP 429; retry in 2 s" in l for l in s.log), s.log
            assert any("HTTP 503; retry in 1 s" in l for l in s.log), s.log
            assert reqs[1]["at"] - reqs[0]["at"] >= 1.5
            assert len({reference_of(r) for r in reqs}) == 1, "a retry keeps its reference"
            # Only the definitive 400 ended it.
            until(lambda: db_query(db, "SELECT count(*) FROM invitations")[0][0] == 0)
            assert db_query(db, "SELECT count(*) FROM invitations")[0][0] == 0
            text = s.get("/metrics")[2].decode()
            assert 'klankbord_sms_retried_total{provider="messagebird"} 2' in text
            assert 'klankbord_sms_failed_total{provider="messagebird"} 1' in text
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_reminder_has_its_own_reference():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway(dialect="cm")
    try:
        db, key = setup(tmp)
        with server(tmp, db, gw, "cm") as s:
            assert invite(s, key)[0] == 202
            first = gw.wait(1)[0]
            until(lambda: db_query(db, "SELECT state FROM invitations") == [("sent",)])
            con = sqlite3.connect(db, timeout=10)
            con.execute("UPDATE invitations SET next_at = 1")
            con.commit()
            con.close()
            reqs = gw.wait(2)
            assert len(reqs) == 2 and gw.violations == []
            r1, r2 = reference_of(reqs[0]), reference_of(reqs[1])
            assert r1 and r2 and r1 != r2, (r1, r2)
            assert message_of(reqs[0]) == message_of(reqs[1])
            # A gateway that deduplicates by reference delivers both.
            assert gw.accepted_refs == {r1, r2}
            # A report for the reminder updates the invitation.
            case = {"method": "GET", "query": [["reference", r2], ["statuscode", "2"], ["to", "0031612345678"]]}
            assert callback(s, "cm", "/sms/status", case, {})[2] == b'{"result":"recorded"}'
            assert db_query(db, "SELECT state FROM invitations") == [("delivered",)]
            case = {"method": "GET", "query": [["reference", r1], ["statuscode", "2"], ["to", "0031612345678"]]}
            assert b"recorded" in callback(s, "cm", "/sms/status", case, {})[2]
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_templates_per_language_and_their_limits():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway(dialect="generic")
    try:
        db, key = setup(tmp)
        with server(tmp, db, gw, "generic") as s:
            for i, lang in enumerate(["ar", "tr", "pl", "uk", "en"]):
                st, body = invite(s, key, phone="06%08d" % (300 + i), lang=lang)
                if st == 422:
                    assert body["field"] == "lang"   # the survey lacks it
                    continue
                r = gw.wait(len(gw.requests) + 1)[-1]
                text = message_of(r)
                assert "/i/" in text
                units = len(text.encode("utf-16-le")) // 2
                assert units <= 134, (lang, units)
        # Templates that cannot fit with the longest location stop the start,
        # naming the template and the location.
        surveys = os.path.join(tmp, "surveys")
        shutil.copytree(os.path.join(ROOT, "surveys"), surveys)
        with open(os.path.join(surveys, "sms-templates.json"), "w") as f:
            json.dump({"templates": {"nl": "{location}: " + "x" * 100 + " {link}"}}, f)
        s = Server(tmp=tmp, db=db, surveys=surveys, args=["--sms-provider", "generic", "--sms-url", gw.url])
        assert s.start(expect_fail=True) == 1
        assert any('"nl"' in l and "overvecht" in l for l in s.log), s.log
        with open(os.path.join(surveys, "sms-templates.json"), "w") as f:
            json.dump({"templates": {"nl": "no link here"}}, f)
        s = Server(tmp=tmp, db=db, surveys=surveys)
        assert s.start(expect_fail=True) == 1
        assert any("{link}" in l for l in s.log), s.log
        # UCS-2: two segments at most.
        with open(os.path.join(surveys, "sms-templates.json"), "w") as f:
            json.dump({"templates": {"nl": "{location} {link}", "ar": "\u0643" * 70 + " {location} {link}"}}, f)
        s = Server(tmp=tmp, db=db, surveys=surveys)
        assert s.start(expect_fail=True) == 1
        assert any('"ar"' in l and "134" in l for l in s.log), s.log
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_dutch_mobile_numbers_only():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway(dialect="generic")
    try:
        db, key = setup(tmp)
        with server(tmp, db, gw, "generic") as s:
            for i, form in enumerate(["06-00000001", "+31 6 00000002", "0031600000003",
                                      "31600000004", "600000005", "(06) 00000006"]):
                st, body = invite(s, key, phone=form)
                assert st == 202, (form, body)
            for bad in ["0201234567", "+4915112345678", "+32470123456", "112", "06123"]:
                st, body = invite(s, key, phone=bad)
                assert st == 422 and body["field"] == "phone", (bad, body)
                assert "Dutch mobile" in body["message"]
            reqs = gw.wait(6)
            assert sorted(r["json"]["to"] for r in reqs) == ["+3160000000%d" % i for i in range(1, 7)]
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def raw_files(db):
    data = b""
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            with open(db + ext, "rb") as f:
                data += f.read()
    return data


def assert_number_gone(db, digits):
    """digits: the 8 digits after 06."""
    raw = raw_files(db)
    for form in FORMS:
        f = form.replace("12345678", digits)
        assert f.encode() not in raw, "number %s still in the database files" % f


def test_every_final_path_erases_the_number_from_the_files():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway(dialect="generic")
    try:
        db, key = setup(tmp)
        with server(tmp, db, gw, "generic") as s:
            # answered
            assert invite(s, key, phone="06-00000071")[0] == 202
            r = gw.wait(1)[0]
            token = re.search(r"/i/([0-9A-Za-z]+)", message_of(r)).group(1)
            until(lambda: db_query(db, "SELECT state FROM invitations") == [("sent",)])
            st, _, body = s.post("/api/responses", response(channel="sms", token=token))
            assert st == 201, body
            until(lambda: os.path.getsize(db + "-wal") == 0 if os.path.exists(db + "-wal") else True)
            assert db_query(db, "SELECT count(*) FROM invitations")[0][0] == 0
            assert_number_gone(db, "12345671")
            # The link is closed now, the same as any other closed link.
            assert s.post("/api/responses", response(channel="sms", token=token))[0] == 410
            st, h, page = s.get("/i/" + token)
            assert st == 410 and "Link gesloten" in page.decode()
            # failed (a definitive refusal)
            gw.plan = [400]
            assert invite(s, key, phone="06-00000072")[0] == 202
            gw.wait(2)
            until(lambda: db_query(db, "SELECT count(*) FROM invitations")[0][0] == 0)
            until(lambda: os.path.getsize(db + "-wal") == 0)
            assert_number_gone(db, "12345672")
            # opted out by reply
            assert invite(s, key, phone="06-00000073")[0] == 202
            gw.wait(3)
            until(lambda: db_query(db, "SELECT count(*) FROM invitations WHERE state='sent'")[0][0] == 1)
            st = s.post("/sms/inbound?secret=" + urllib.parse.quote(SECRET),
                        {"from": "+31600000073", "body": "STOP!"})[0]
            assert st == 200
            until(lambda: os.path.getsize(db + "-wal") == 0)
            assert_number_gone(db, "12345673")
            # expired
            assert invite(s, key, phone="06-00000074")[0] == 202
            gw.wait(4)
            until(lambda: db_query(db, "SELECT count(*) FROM invitations WHERE state='sent'")[0][0] == 1)
            con = sqlite3.connect(db, timeout=10)
            con.execute("UPDATE invitations SET expires = 1")
            con.execute("UPDATE invite_open SET until = 1")
            con.commit()
            con.close()
            until(lambda: db_query(db, "SELECT count(*) FROM invitations")[0][0] == 0)
            until(lambda: os.path.getsize(db + "-wal") == 0)
            assert_number_gone(db, "12345674")
            # What remains: markers, links, opt-outs and counters; no numbers.
            # The refused one never went out: three sent, one answered.
            assert db_query(db, "SELECT sum(sent), sum(answered) FROM invite_counts") == [(3, 1)]
            assert db_query(db, "SELECT count(*) FROM optouts")[0][0] == 1
            assert db_query(db, "SELECT count(*) FROM invite_recent")[0][0] == 4
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_kill_in_the_middle_then_restart_completes_the_erasure():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway(dialect="generic")
    try:
        db, key = setup(tmp)
        s = server(tmp, db, gw, "generic")
        s.start()
        assert invite(s, key, phone="06-00000075")[0] == 202
        r = gw.wait(1)[0]
        token = re.search(r"/i/([0-9A-Za-z]+)", message_of(r)).group(1)
        until(lambda: db_query(db, "SELECT state FROM invitations") == [("sent",)])
        # The answer commits; kill before the eraser's checkpoint runs.
        assert s.post("/api/responses", response(channel="sms", token=token))[0] == 201
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
        s2 = server(tmp, db, gw, "generic")
        s2.start()
        try:
            # Erased before it serves: the first answer already finds it gone.
            assert_number_gone(db, "12345675")
            assert s2.get("/healthz")[0] == 200
        finally:
            assert s2.stop() == 0
        assert_number_gone(db, "12345675")
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_optout_link_after_answer_rate_limited_logged_once():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway(dialect="generic")
    try:
        db, key = setup(tmp)
        with server(tmp, db, gw, "generic", extra=["--rate-limit", "30/min"]) as s:
            tokens = []
            for i in range(2):
                assert invite(s, key, phone="06%08d" % (700 + i))[0] == 202
                r = gw.wait(i + 1)[i]
                tokens.append(re.search(r"/i/([0-9A-Za-z]+)", message_of(r)).group(1))
            until(lambda: db_query(db, "SELECT count(*) FROM invitations WHERE state='sent'")[0][0] == 2)
            # One answers, one does not: the opt-out link answers the same.
            assert s.post("/api/responses", response(channel="sms", token=tokens[0]))[0] == 201
            a = s.post("/api/optout", {"token": tokens[0]})
            b = s.post("/api/optout", {"token": tokens[1]})
            assert a[0] == b[0] == 204 and a[2] == b[2] == b""
            assert db_query(db, "SELECT count(*) FROM optouts")[0][0] == 2
            # Repeats change nothing and log nothing more.
            assert s.post("/api/optout", {"token": tokens[0]})[0] == 204
            assert sum("opted out through its link" in l for l in s.log) == 2
            # Rate-limited per address.
            codes = [s.post("/api/optout", {"token": tokens[1]})[0] for _ in range(6)]
            assert 429 in codes, codes
            assert db_query(db, "SELECT count(*) FROM invitations")[0][0] == 0
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_burst_of_opt_outs_costs_a_few_checkpoints_not_one_each():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway(dialect="generic")
    try:
        db, key = setup(tmp)
        with server(tmp, db, gw, "generic") as s:
            n = 12
            for i in range(n):
                assert invite(s, key, phone="06%08d" % (800 + i))[0] == 202
            gw.wait(n)
            until(lambda: db_query(db, "SELECT count(*) FROM invitations WHERE state='sent'")[0][0] == n)

            def erasures():
                text = s.get("/metrics")[2].decode()
                return int(re.search(r"klankbord_invitation_erasures_total (\d+)", text).group(1))
            time.sleep(2.5)     # let earlier requests settle into one count
            before = erasures()
            for i in range(n):
                st = s.post("/sms/inbound?secret=" + urllib.parse.quote(SECRET),
                            {"from": "06%08d" % (800 + i), "body": "stop"})[0]
                assert st == 200
            until(lambda: db_query(db, "SELECT count(*) FROM invitations")[0][0] == 0)
            until(lambda: os.path.getsize(db + "-wal") == 0)
            for i in range(n):
                assert_number_gone(db, "%08d" % (800 + i))
            # Batched: a handful at most, not one per opt-out.
            assert erasures() - before <= 4, (before, erasures())
            assert sum("opted out by reply" in l for l in s.log) == n
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)
