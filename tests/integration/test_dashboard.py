"""The dashboard over HTTP: live rollups, stats JSON, the page, CSV export,
k-anonymity across all three, comments, "you said, we did" and the stats
command."""
import json
import os
import re
import shutil
import sqlite3
import tempfile
import urllib.parse

from kb import Server, response, db_query, run_tool
from test_auth import PW, _login, _csrf


def _admin(tmp):
    db = os.path.join(tmp, "k.db")
    assert run_tool("user", "add", "ann", "--role", "admin", "--db", db, stdin=PW + "\n")[0] == 0
    assert run_tool("user", "add", "vic", "--role", "viewer", "--db", db, stdin=PW + "\n")[0] == 0
    return db


def _post(s, n, **over):
    for _ in range(n):
        st, _, body = s.post("/api/responses", response(**over))
        assert st == 201, body


def test_stats_json_live_rollups_and_suppression():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = _admin(tmp)
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s:
            _, _, _, cookie = _login(s, "vic")
            h = {"Cookie": cookie}
            st, _, body = s.get("/admin/api/stats?survey=ouders", headers=h)
            j = json.loads(body)
            assert st == 200 and j["periods"] == [] and j["total"].get("suppressed") is True
            _post(s, 4, location="overvecht")
            _post(s, 2, location="vechtzoom")
            st, _, body = s.get("/admin/api/stats?survey=ouders", headers=h)
            # Only released responses count.
            assert json.loads(body)["periods"] == [], body
            s.release()
            st, _, body = s.get("/admin/api/stats?survey=ouders", headers=h)
            j = json.loads(body)
            assert st == 200 and len(j["periods"]) == 1
            t = j["totals"][0]
            assert t["n"] == 6
            # Satisfaction by hand: smileys 4, 3, 4, 5 -> 7.5, 5, 7.5, 10; grade 8.
            assert abs(t["satisfaction"]["mean"] - 7.6) < 1e-9
            assert t["satisfaction"]["ci"] == [7.6, 7.6]
            assert t["questions"]["gehoord"]["distribution"]["4"] == 6
            assert t["questions"]["aanbevelen"]["nps"] == 100
            assert j["trend"]["verdict"] == "too few responses to tell"
            assert j["goal"]["target"] == 7.5
            # By location: 2 is under K=5, and 4 would follow from the total.
            st, _, body = s.get("/admin/api/stats?survey=ouders&by=location", headers=h)
            j = json.loads(body)
            rows = {r["group"]: r for r in j["rows"]}
            assert rows["vechtzoom"] == {"suppressed": True, "period": j["periods"][0], "group": "vechtzoom"}
            assert rows["overvecht"]["suppressed"] is True and "n" not in rows["overvecht"]
            assert j["totals"][0]["n"] == 6
            # By channel: all 6 are qr; the other channels are empty, not hidden.
            st, _, body = s.get("/admin/api/stats?survey=ouders&by=channel&interval=quarter", headers=h)
            j = json.loads(body)
            rows = {r["group"]: r for r in j["rows"]}
            assert rows["qr"]["n"] == 6 and rows["kiosk"]["n"] == 0
            assert re.match(r"^\d{4}-Q[1-4]$", j["periods"][0])
            for q, want in [("by=street", 422), ("interval=week", 422), ("from=2026-13", 422),
                            ("from=2026-05&to=2026-01", 422)]:
                st, _, _ = s.get("/admin/api/stats?survey=ouders&" + q, headers=h)
                assert st == want, (q, st)
            assert s.get("/admin/api/stats?survey=nope", headers=h)[0] == 404
            assert s.get("/admin/api/stats?survey=ouders&loc=mars", headers=h)[0] == 404
            # Overvecht alone: 4 responses, under K = 5.
            j = json.loads(s.get("/admin/api/stats?survey=ouders&loc=overvecht", headers=h)[2])
            assert j["totals"][0] == {"suppressed": True, "period": j["periods"][0]}
        # K is configurable but never below 3.
        with Server(tmp=tmp, db=db, args=["--anonymity-k", "3"]) as s:
            _, _, _, cookie = _login(s, "vic")
            j = json.loads(s.get("/admin/api/stats?survey=ouders&loc=overvecht", headers={"Cookie": cookie})[2])
            assert j["totals"][0]["n"] == 4 and j["k"] == 3
            # Still: 2 is under 3, and 4 beside it would give it away.
            j = json.loads(s.get("/admin/api/stats?survey=ouders&by=location", headers={"Cookie": cookie})[2])
            rows = {r["group"]: r for r in j["rows"]}
            assert rows["overvecht"]["suppressed"] is True and rows["vechtzoom"]["suppressed"] is True
        s = Server(tmp=tmp, db=db, args=["--anonymity-k", "2"])
        assert s.start(expect_fail=True) == 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_page_csv_and_comments_hide_small_groups():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = _admin(tmp)
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s:
            for i in range(6):
                r = response(location="overvecht")
                r["answers"]["beter_doen"] = "Opmerking overvecht %d <b>vet</b>" % i
                assert s.post("/api/responses", r)[0] == 201
            for i in range(2):
                r = response(location="spoorzoom")
                r["answers"]["beter_doen"] = "Geheime opmerking spoorzoom %d" % i
                assert s.post("/api/responses", r)[0] == 201
            _, _, _, cookie = _login(s, "vic")
            h = {"Cookie": cookie}
            s.release()
            st, hd, body = s.get("/admin/?survey=ouders", headers=h)
            page = body.decode()
            assert st == 200 and "<svg" in page and "Tevredenheid" in page
            assert "Nog te weinig reacties" in page
            assert "Opmerking overvecht 0 &lt;b&gt;vet&lt;/b&gt;" in page
            assert "<b>vet</b>" not in page
            assert "spoorzoom 0" not in page and "Geheime" not in page
            assert "(n = 2)" not in page
            assert "minder dan 5" in page
            # CSV for a Dutch Excel: BOM, semicolons, decimal commas.
            st, hd, body = s.get("/admin/export.csv?survey=ouders&by=location", headers=h)
            assert st == 200 and hd["content-type"].startswith("text/csv")
            assert "attachment" in hd["content-disposition"]
            assert body.startswith(b"\xef\xbb\xbfperiod;group;n;satisfaction;")
            text = body.decode("utf-8-sig")
            assert ";spoorzoom;;;suppressed (under 5)" in text
            assert ";total;8;7,60;" in text
            st, hd, body = s.get("/admin/export.csv?survey=ouders&by=location&dialect=rfc4180", headers=h)
            text = body.decode()
            assert text.startswith("period,group,n,") and ",total,8,7.60," in text
            assert s.get("/admin/export.csv?survey=ouders&dialect=lotus", headers=h)[0] == 422
        actions = [r[0] for r in db_query(db, "SELECT action FROM audit")]
        assert actions.count("export") == 2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_you_said_we_did_reaches_the_respondent():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = _admin(tmp)
        with Server(tmp=tmp, db=db) as s:
            _, _, _, cookie = _login(s, "ann")
            h = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}

            def save(loc, nl, en=""):
                body = urllib.parse.urlencode({"csrf": _csrf(s, cookie), "survey": "ouders", "loc": loc,
                                               "nl": nl, "en": en})
                return s.post("/admin/yousaid", body, headers=h)

            def shown(loc):
                page = s.get("/s/ouders?loc=" + loc)[2].decode()
                return json.loads(page.split('id="kb-config">', 1)[1].split("</script>", 1)[0])["you_said"]

            assert shown("overvecht") is None
            st, _, body = save("", "U zei: te veel wisselingen. Wij deden: vaste contactpersoon.", "You said...")
            assert st == 200 and "Opgeslagen" in body.decode()
            assert shown("overvecht")["nl"].startswith("U zei: te veel")
            assert shown("vechtzoom")["en"] == "You said..."
            st, _, _ = save("overvecht", "<script>alert(1)</script> Overvecht-tekst")
            assert shown("overvecht") == {"nl": "<script>alert(1)</script> Overvecht-tekst"}
            page = s.get("/s/ouders?loc=overvecht")[2].decode()
            assert "<script>alert" not in page
            assert shown("vechtzoom")["nl"].startswith("U zei")
            st, _, body = s.get("/admin/yousaid", headers={"Cookie": cookie})
            assert b"&lt;script&gt;alert(1)" in body and b"<script>alert" not in body
            assert save("mars", "x")[0] == 422
            assert save("", "x" * 1001)[0] == 422
            # No CSRF token: refused and nothing changes.
            body = urllib.parse.urlencode({"survey": "ouders", "loc": "", "nl": "hacked"})
            assert s.post("/admin/yousaid", body, headers=h)[0] == 403
            assert shown("vechtzoom")["nl"].startswith("U zei")
            # Emptying the text removes it.
            save("overvecht", "")
            assert shown("overvecht")["nl"].startswith("U zei")
        assert "you said we did" in [r[0] for r in db_query(db, "SELECT action FROM audit")]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_stats_command_and_rollup_rebuild():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = _admin(tmp)
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s:
            _post(s, 7, location="overvecht")
            s.release()
            _, _, _, cookie = _login(s, "vic")
            before = json.loads(s.get("/admin/api/stats?survey=ouders&by=location", headers={"Cookie": cookie})[2])
        rc, out, err = run_tool("stats", "--survey", "ouders", "--db", db, "--by", "location")
        assert rc == 0, err
        assert re.search(r"overvecht\s+7\s+7\.60\s+\[\s*7\.60,\s*7\.60\]", out), out
        assert "trend: too few responses to tell" in out
        rc, out, err = run_tool("stats", "--survey", "ouders", "--db", db, "--stats-format", "json")
        assert rc == 0 and json.loads(out)["total"]["n"] == 7
        rc, out, err = run_tool("stats", "--survey", "nope", "--db", db)
        assert rc == 1 and "no survey" in err
        rc, out, err = run_tool("stats", "--db", db)
        assert rc == 2
        # Lose the rollups: the next start recounts them from the responses.
        con = sqlite3.connect(db)
        con.execute("DELETE FROM rollup_cells")
        con.execute("DELETE FROM rollup_answers")
        con.commit()
        con.close()
        with Server(tmp=tmp, db=db) as s:
            assert any("summaries rebuilt from 7 responses" in l for l in s.log), s.log
            _, _, _, cookie = _login(s, "vic")
            after = json.loads(s.get("/admin/api/stats?survey=ouders&by=location", headers={"Cookie": cookie})[2])
            assert after == before
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
