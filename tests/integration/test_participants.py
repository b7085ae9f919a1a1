"""The volunteers' sign-up (issue #16) against the real server: validation,
encryption at rest, withdraw links, expiry, roles, the key file and the
consent file."""
import json
import os
import re
import shutil
import signal
import sqlite3
import tempfile
import time
import urllib.parse

from kb import ROOT, Server, db_query, run_tool
from test_auth import PW, _login, _csrf

NAME = "Zebedeus"
PHONE = "0612345678"
E164 = "+31612345678"
EMAIL = "zebedeus.test@example.org"


def _signup(s, **over):
    body = {"consent_version": 1, "consent": True, "name": NAME,
            "phone": PHONE, "ways": ["panel", "review"],
            "topics": ["plan"], "languages": ["nl"], "lang": "nl"}
    for k, v in over.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v
    st, h, data = s.post("/api/participants", body)
    return st, json.loads(data) if data else None


def _raw(db):
    data = b""
    for sfx in ("", "-wal", "-shm"):
        if os.path.exists(db + sfx):
            data += open(db + sfx, "rb").read()
    return data


def _secrets_absent(db, *secrets):
    raw = _raw(db)
    for x in secrets:
        for enc in (x.encode(), x.encode("utf-16-le")):
            assert enc not in raw, "%r found in the database files" % x


def _users(tmp):
    db = os.path.join(tmp, "k.db")
    for name, role in [("ann", "admin"), ("vic", "viewer"), ("sam", "sender")]:
        rc, out, err = run_tool("user", "add", name, "--role", role, "--db", db, stdin=PW + "\n")
        assert rc == 0, err
    keys = {}
    for name, role in [("kview", "viewer"), ("ksend", "sender")]:
        rc, out, err = run_tool("apikey", "add", name, "--role", role, "--db", db)
        assert rc == 0, err
        keys[name] = out.strip()
    return db, keys


def _count(db):
    return db_query(db, "SELECT count(*) FROM participants")[0][0]


def test_signup_validation_names_the_field_and_stores_nothing():
    with Server(args=["--rate-limit", "off"]) as s:
        cases = [
            ({"consent_version": None}, "consent_version"),
            ({"consent_version": 2}, "consent_version"),
            ({"consent": False}, "consent"),
            ({"consent": None}, "consent"),
            ({"name": None}, "name"),
            ({"name": "x" * 41}, "name"),
            ({"name": "tab\there"}, "name"),
            ({"phone": None}, "phone"),
            ({"phone": "12345"}, "phone"),
            ({"phone": "06" + "1" * 40}, "phone"),
            ({"phone": None, "email": "not-an-address"}, "email"),
            ({"phone": None, "email": "a@" + "b" * 260 + ".nl"}, "email"),
            ({"email": EMAIL}, "email"),
            ({"ways": []}, "ways"),
            ({"ways": ["dinner"]}, "ways"),
            ({"topics": ["football"]}, "topics"),
            ({"languages": ["xx"]}, "languages"),
            ({"lang": "de"}, "lang"),
            ({"submission_id": "a8a6c3c4-5a1e-4c43-a0bb-3a3a8c1f1d10"}, "submission_id"),
            ({"survey": "ouders"}, "survey"),
            ({"answers": {"gehoord": 4}}, "answers"),
        ]
        for over, field in cases:
            st, body = _signup(s, **over)
            assert st == 422, (over, st, body)
            assert body["field"] == field, (over, body)
        st, h, data = s.post("/api/participants", "{not json", headers={"Content-Type": "application/json"})
        assert st == 400
        st, h, data = s.post("/api/participants", "x" * (70 * 1024), headers={"Content-Type": "application/json"})
        assert st == 413
        assert _count(s.db) == 0
        _secrets_absent(s.db, NAME, "612345678", EMAIL)


def test_consent_served_with_months_filled_in():
    with Server(args=["--participants-keep-months", "9"]) as s:
        st, h, data = s.get("/api/participants")
        assert st == 200
        c = json.loads(data)
        assert c["version"] == 1 and c["keep_months"] == 9
        for lang in ("nl", "en", "ar", "tr", "pl", "uk"):
            assert "9" in c["texts"]["consent"][lang] and "{months}" not in c["texts"]["consent"][lang]
            assert c["texts"]["not_anonymous"][lang]
        assert [w["id"] for w in c["ways"]] == ["panel", "conversation", "expert", "review"]


def test_encrypted_at_rest_and_week_only():
    with Server(args=["--rate-limit", "off"]) as s:
        st, body = _signup(s)
        assert st == 201, body
        assert re.match(r"^http://127\.0\.0\.1:8080/w/[0-9A-Za-z]{17}$", body["withdraw"]), body
        st, body = _signup(s, name="Wilhelmina", phone=None, email=EMAIL)
        assert st == 201, body
        rows = db_query(s.db, "SELECT week, kind, ways, topics, languages, length(sealed) FROM participants ORDER BY kind")
        assert [r[1] for r in rows] == ["email", "sms"]
        week = time.strftime("%G-W%V")
        assert all(r[0] == week for r in rows), rows
        assert rows[1][2:5] == ("panel,review", "plan", "nl")
        # Padded: a long and a short name seal to the same length.
        assert rows[0][5] == rows[1][5]
        # While serving, and after a clean stop: no name, number or address in any file.
        _secrets_absent(s.db, NAME, "Wilhelmina", "612345678", E164, EMAIL, "example.org")
        s.stop()
        _secrets_absent(s.db, NAME, "Wilhelmina", "612345678", E164, EMAIL, "example.org")
        key = s.db + ".participants.key"
        assert os.stat(key).st_mode & 0o777 == 0o600
        assert os.path.getsize(key) == 32
        # No column a response has, and no time but the week.
        cols = [r[1] for r in db_query(s.db, "PRAGMA table_info(participants)")]
        for table in ("responses", "intake"):
            rcols = [r[1] for r in db_query(s.db, "PRAGMA table_info(%s)" % table)]
            assert rcols and set(cols) & set(rcols) <= {"id", "lang", "week"}, (table, cols)
        for c in cols:
            assert not re.search(r"time|created|date|day|seen|at$|submission|survey|answer", c), c


def test_same_contact_replaces_the_earlier_sign_up():
    with Server(args=["--rate-limit", "off"]) as s:
        assert _signup(s)[0] == 201
        assert _signup(s, phone="+31 6 12345678", name="Zeb")[0] == 201
        assert _count(s.db) == 1


def test_withdraw_link_erases_once_then_410():
    with Server(args=["--rate-limit", "off"]) as s:
        st, body = _signup(s, lang="tr")
        assert st == 201
        path = urllib.parse.urlparse(body["withdraw"]).path
        sealed = db_query(s.db, "SELECT sealed FROM participants")[0][0]
        st, h, page = s.get(path)
        assert st == 200, page
        assert h["content-type"].startswith("text/html")
        assert b'lang="tr"' in page and "Kayıt silindi".encode() in page
        assert _count(s.db) == 0
        assert db_query(s.db, "SELECT count(*) FROM participant_blocks")[0][0] == 1
        assert sealed not in _raw(s.db)
        st, h, page = s.get(path)
        assert st == 410, st
        assert b"<h1>" in page
        assert s.get("/w/short")[0] == 404
        assert s.get("/w/" + "A" * 17)[0] == 410
        assert s.get("/w/" + "A" * 16 + "%21")[0] == 404
        # Signing up again is a new consent: the block is lifted.
        assert _signup(s)[0] == 201
        assert db_query(s.db, "SELECT count(*) FROM participant_blocks")[0][0] == 0


def test_expired_sign_ups_are_erased_from_the_file():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = os.path.join(tmp, "k.db")
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s:
            assert _signup(s)[0] == 201
            assert _signup(s, name="Nieuw", phone="06-00000001")[0] == 201
        sealed = db_query(db, "SELECT sealed FROM participants WHERE kind = 'sms' ORDER BY id")
        con = sqlite3.connect(db)
        con.execute("UPDATE participants SET week = '2020-W01' WHERE sealed = ?", (sealed[0][0],))
        con.commit()
        con.close()
        old = sealed[0][0]
        assert old in _raw(db)
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s:
            assert _count(db) == 1
            assert old not in _raw(db)
            assert any("expired sign-ups erased" in l for l in s.log), s.log
            assert not os.path.exists(db + "-wal") or os.path.getsize(db + "-wal") == 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_roles_admin_list_viewer_counts_sender_nothing():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db, keys = _users(tmp)
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off", "--anonymity-k", "3"]) as s:
            phones = ["0612345678", "06-00000001", "06-00000002", "06-00000003"]
            for i, p in enumerate(phones):
                ways = ["panel"] if i < 3 else ["expert"]
                assert _signup(s, name="Vrijwilliger%d" % i, phone=p, ways=ways)[0] == 201
            # Admin: the list, names and choices, no contact details.
            st, _, _, ann = _login(s, "ann")
            st, h, data = s.get("/admin/api/participants", headers={"Cookie": ann})
            assert st == 200
            j = json.loads(data)
            assert len(j["participants"]) == 4
            assert {p["name"] for p in j["participants"]} == {"Vrijwilliger%d" % i for i in range(4)}
            assert b"600000001" not in data and b"+316" not in data
            st, h, data = s.get("/admin/api/participants?way=expert", headers={"Cookie": ann})
            assert [p["name"] for p in json.loads(data)["participants"]] == ["Vrijwilliger3"]
            st, h, page = s.get("/admin/participants?way=panel", headers={"Cookie": ann})
            assert st == 200 and b"Vrijwilliger0" in page and b"Vrijwilliger3" not in page
            assert b"600000001" not in page
            # Viewer: counts only, under K suppressed; no names.
            for hdr in ({"Authorization": "Bearer " + keys["kview"]},):
                st, h, data = s.get("/admin/api/participants", headers=hdr)
                assert st == 200
                j = json.loads(data)
                assert "participants" not in j
                assert j["counts"]["ways"]["panel"] == 3
                assert j["counts"]["ways"]["expert"] is None
                assert j["counts"]["total"] == 4
                assert b"Vrijwilliger" not in data
            st, _, _, vic = _login(s, "vic")
            st, h, page = s.get("/admin/participants", headers={"Cookie": vic})
            assert st == 200 and b"Vrijwilliger" not in page and b"minder dan 3" in page
            assert s.get("/admin/participants.csv", headers={"Cookie": vic})[0] == 403
            # Sender: nothing.
            assert s.get("/admin/api/participants", headers={"Authorization": "Bearer " + keys["ksend"]})[0] == 403
            st, _, _, sam = _login(s, "sam")
            assert s.get("/admin/participants", headers={"Cookie": sam})[0] == 403
            assert s.get("/admin/api/participants", headers={"Cookie": sam})[0] == 403
            # CSV export: contact details only here, audited without them.
            st, h, csv = s.get("/admin/participants.csv", headers={"Cookie": ann})
            assert st == 200 and h["content-type"].startswith("text/csv")
            assert b"+31600000001" in csv and b"Vrijwilliger1" in csv
            # Delete now: viewer may not; admin may; audited without contact.
            pid = json.loads(s.get("/admin/api/participants?way=expert", headers={"Cookie": ann})[2])["participants"][0]["id"]
            csrf_v = _csrf(s, vic)
            st, _, _ = s.post("/admin/api/participants/%s/delete" % pid, "", headers={"Cookie": vic, "X-CSRF-Token": csrf_v})
            assert st == 403
            st, _, _ = s.post("/admin/api/participants/%s/delete" % pid, "", headers={"Cookie": ann})
            assert st == 403  # no CSRF token
            csrf = _csrf(s, ann)
            st, _, data = s.post("/admin/api/participants/%s/delete" % pid, "", headers={"Cookie": ann, "X-CSRF-Token": csrf})
            assert st == 200, data
            st, _, _ = s.post("/admin/api/participants/%s/delete" % pid, "", headers={"Cookie": ann, "X-CSRF-Token": csrf})
            assert st == 404
            assert s.post("/admin/api/participants/zz/delete", "", headers={"Cookie": ann, "X-CSRF-Token": csrf})[0] == 404
            assert s.post("/admin/api/participants/%s/remove" % pid, "", headers={"Cookie": ann, "X-CSRF-Token": csrf})[0] == 404
            assert _count(db) == 3
            audit = db_query(db, "SELECT actor, action, detail FROM audit")
            actions = [a[1] for a in audit]
            for want in ("participants viewed", "participants counts viewed",
                         "participants exported", "participant deleted"):
                assert want in actions, actions
            for actor, action, detail in audit:
                assert "Vrijwilliger" not in detail and "060000" not in detail and "+316" not in detail, detail
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_message_lists_emails_with_their_withdraw_link():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db, keys = _users(tmp)
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s:
            assert _signup(s, phone=None, email=EMAIL)[0] == 201
            assert _signup(s, name="Sms", phone="06-00000001")[0] == 201
            st, _, _, ann = _login(s, "ann")
            people = json.loads(s.get("/admin/api/participants", headers={"Cookie": ann})[2])["participants"]
            csrf = _csrf(s, ann)
            form = {"csrf": csrf, "text": "Op 12 mei praten we over brieven. Komt dat uit?"}
            for p in people:
                form["p_" + p["id"]] = "1"
            st, h, page = s.post("/admin/participants/message", urllib.parse.urlencode(form),
                                 headers={"Cookie": ann, "Content-Type": "application/x-www-form-urlencoded"})
            assert st == 200, page
            assert EMAIL.encode() in page
            m = re.search(rb"/w/([0-9A-Za-z]{17})", page)
            assert m, page
            assert b"1 SMS-berichten klaargezet" in page
            assert db_query(db, "SELECT count(*) FROM participant_outbox")[0][0] == 1
            # The outbox holds the admin's text, never a number or a link.
            row = db_query(db, "SELECT text FROM participant_outbox")[0][0]
            assert row == form["text"] and "/w/" not in row
            st, h, listing = s.get("/admin/participants", headers={"Cookie": ann})
            assert b"1 SMS-berichten wachten" in listing
            detail = [d for a, d in db_query(db, "SELECT action, detail FROM audit") if a == "participants message"]
            assert detail and EMAIL not in detail[0]
            # Bad messages are refused with the field.
            for bad in ("x" * 101, "", "Kom je? \U0001F600"):
                form["text"] = bad
                st, h, data = s.post("/admin/participants/message", urllib.parse.urlencode(form),
                                     headers={"Cookie": ann, "Content-Type": "application/x-www-form-urlencoded"})
                assert st == 422 and json.loads(data)["field"] == "text", (bad, st, data)
            # With a renewal link: it keeps the sign-up for another term.
            old_week = time.strftime("%G-W%V", time.localtime(time.time() - 330 * 86400))
            con = sqlite3.connect(db)
            con.execute("UPDATE participants SET week = ?", (old_week,))
            con.commit()
            con.close()
            form["text"] = "Wilt u of wil je blijven meedenken?"
            form["renew"] = "1"
            st, h, page2 = s.post("/admin/participants/message", urllib.parse.urlencode(form),
                                  headers={"Cookie": ann, "Content-Type": "application/x-www-form-urlencoded"})
            r = re.search(rb"/r/([0-9A-Za-z]{17})\?lang=nl", page2)
            assert st == 200 and r, page2
            st, h, renewed = s.get("/r/" + r.group(1).decode() + "?lang=nl")
            assert st == 200 and b"Aanmelding verlengd" in renewed
            weeks = {w for (w,) in db_query(db, "SELECT week FROM participants")}
            assert time.strftime("%G-W%V") in weeks and old_week in weeks, weeks
            assert s.get("/r/" + "B" * 17)[0] == 410
            # The link in the message withdraws that volunteer.
            assert s.get("/w/" + m.group(1).decode())[0] == 200
            assert _count(db) == 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_key_file_made_and_bad_keys_refused():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        key = os.path.join(tmp, "own.key")
        with Server(tmp=tmp, args=["--participants-key-file", key]) as s:
            assert os.stat(key).st_mode & 0o777 == 0o600
        for content, why in [(b"\0" * 32, "all zero"), (b"short", "32 bytes")]:
            bad = os.path.join(tmp, "bad.key")
            with open(bad, "wb") as f:
                f.write(content)
            os.chmod(bad, 0o600)
            s = Server(tmp=tmp, args=["--participants-key-file", bad])
            assert s.start(expect_fail=True) != 0
            assert any(why in l for l in s.log), s.log
            os.unlink(bad)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_bad_consent_file_stops_the_server_and_a_missing_one_offers_none():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        surveys = os.path.join(tmp, "surveys")
        shutil.copytree(os.path.join(ROOT, "surveys"), surveys)
        path = os.path.join(surveys, "consent.json")
        text = open(path, encoding="utf-8").read()
        open(path, "w", encoding="utf-8").write(text.replace('"version": 1', '"version": "one"', 1))
        s = Server(tmp=tmp, surveys=surveys)
        assert s.start(expect_fail=True) != 0
        assert any(re.search(r"consent\.json:\d+:\d+: \"version\" must be", l) for l in s.log), s.log
        rc, out, err = run_tool("surveys", "check", surveys)
        assert rc == 1 and re.search(r"consent\.json:\d+:\d+: \"version\" must be", err), (rc, err)
        # A folder without a consent offers no sign-up, and says so.
        os.unlink(path)
        with Server(tmp=tmp, surveys=surveys) as s:
            assert any("the sign-up is not offered" in l for l in s.log), s.log
            assert s.get("/api/participants")[0] == 404
            assert _signup(s)[0] == 404
            assert s.get("/w/" + "A" * 17)[0] == 404
        assert run_tool("surveys", "check", surveys)[0] == 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_panel_sms_reaches_the_gateway_with_its_withdraw_link():
    """The admin's message to the panel goes out through the real SMS path
    (libcurl, the provider's dialect) to a fake gateway on loopback."""
    from fakegw import Gateway, message_of
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    gw = Gateway("generic")
    try:
        db, keys = _users(tmp)
        with Server(tmp=tmp, db=db, args=[
                "--rate-limit", "off", "--sms-provider", "generic", "--sms-url", gw.url,
                "--sms-key", "gw-secret-key", "--sms-sender", "Klankbord",
                "--sms-callback-secret", "cb-secret-for-tests", "--sms-quiet-hours", "off",
                "--sms-timeout", "2"]) as s:
            assert _signup(s, name="Sms", phone="06-00000001")[0] == 201
            st, _, _, ann = _login(s, "ann")
            people = json.loads(s.get("/admin/api/participants", headers={"Cookie": ann})[2])["participants"]
            form = {"csrf": _csrf(s, ann), "text": "Op 12 mei praten we over brieven. Komt dat uit?"}
            for p in people:
                form["p_" + p["id"]] = "1"
            st, h, page = s.post("/admin/participants/message", urllib.parse.urlencode(form),
                                 headers={"Cookie": ann, "Content-Type": "application/x-www-form-urlencoded"})
            assert st == 200, page
            reqs = gw.wait(1)
            text = message_of(reqs[0])
            assert form["text"] in text, text
            m = re.search(r"/w/([0-9A-Za-z]{17})", text)
            assert m, text
            deadline = time.time() + 10
            while time.time() < deadline and db_query(
                    db, "SELECT count(*) FROM participant_outbox")[0][0] != 0:
                time.sleep(0.1)
            assert db_query(db, "SELECT count(*) FROM participant_outbox")[0][0] == 0
            # The number never reaches the log.
            assert not any("600000001" in l for l in s.log)
            # Its link withdraws the volunteer.
            assert s.get("/w/" + m.group(1))[0] == 200
            assert _count(db) == 0
    finally:
        gw.close()
        shutil.rmtree(tmp, ignore_errors=True)
