"""The dashboard over HTTP: released responses of closed months, stats JSON, the page, CSV export,
k-anonymity across all three, comments, "you said, we did" and the stats
command."""
import json
import os
import re
import shutil
import sqlite3
import tempfile
import urllib.parse

from kb import ROOT, Server, response, db_query, run_tool
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


def _varied(i, **over):
    """The i-th of a varied set of answers: no question alike for all."""
    a = dict(response()["answers"])
    a.update(gehoord=3 + i % 3, serieus=i % 3 != 0, duidelijk=i % 4 != 0,
             waarom=i % 2 == 0, plan=i % 5 != 0, op_tijd=(i * 3) % 4 != 0,
             veiliger=(i * 2) % 5 != 0, beter_aan=(i + 2) % 5 != 0,
             bezwaar=i % 3 == 1, cijfer=6 + i % 4,
             aanbevelen=9 + i % 2, hulpverleners=["1", "2", "3"][i % 3],
             opnieuw_vertellen=i % 2 == 0)
    if i % 2:
        a.pop("hoe_vaak", None)
    a.update(over)
    return a


def _score(a):
    """A response's satisfaction score: the mean of its answered satisfaction
    questions, smileys 1-5 as 0-10, yes as 10 and no as 0, the grade as is."""
    s = [(a["gehoord"] - 1) * 2.5, a["cijfer"]]
    s += [10.0 if a[q] else 0.0 for q in ("serieus", "duidelijk", "waarom", "plan", "op_tijd") if q in a]
    return sum(s) / len(s)


def _import(tmp, db, groups, week="2025-W07"):
    """Seeds released responses of a closed month (February 2025) through
    klankbord import: groups is [(n, response overrides, comment)]."""
    path = os.path.join(tmp, "seed.jsonl")
    answers = []
    with open(path, "w") as f:
        i = 0
        for n, over, comment in groups:
            for k in range(n):
                a = _varied(i)
                if comment:
                    a["beter_doen"] = comment % k
                r = response(answers=a, **over)
                r["week"] = week
                f.write(json.dumps(r) + "\n")
                answers.append(a)
                i += 1
    rc, out, err = run_tool("import", "--db", db, "--surveys", os.path.join(ROOT, "surveys"), path)
    assert rc == 0, err
    return answers


FEB = "from=2025-02&to=2025-02"


def test_stats_json_released_closed_months_and_suppression():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = _admin(tmp)
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s:
            _, _, _, cookie = _login(s, "vic")
            h = {"Cookie": cookie}
            st, _, body = s.get("/admin/api/stats?survey=ouders", headers=h)
            j = json.loads(body)
            assert st == 200 and j["periods"] == [] and j["total"].get("suppressed") is True
            assert re.match(r"^\d{4}-\d\d$", j["published_through"])
        answers = _import(tmp, db, [(4, {"location": "overvecht"}, None),
                                    (2, {"location": "vechtzoom"}, None)])
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s:
            _, _, _, cookie = _login(s, "vic")
            h = {"Cookie": cookie}
            st, _, body = s.get("/admin/api/stats?survey=ouders&" + FEB, headers=h)
            j = json.loads(body)
            assert st == 200 and j["periods"] == ["2025-02"], j["periods"]
            t = j["totals"][0]
            assert t["n"] == 6
            want = sum(_score(a) for a in answers) / len(answers)
            assert abs(t["satisfaction"]["mean"] - round(want, 2)) < 0.006, (t["satisfaction"], want)
            assert t["questions"]["gehoord"]["distribution"] == {"1": 0, "2": 0, "3": 2, "4": 2, "5": 2}
            assert t["questions"]["aanbevelen"]["nps"] == 100
            assert j["trend"]["verdict"] == "too few responses to tell"
            assert j["goal"]["target"] == 7.5
            # The window is one month, so its total is that month's cell.
            assert j["total"]["n"] == 6
            # By location: 4 and 2 are under K=5.
            st, _, body = s.get("/admin/api/stats?survey=ouders&by=location&" + FEB, headers=h)
            j = json.loads(body)
            rows = {r["group"]: r for r in j["rows"]}
            assert rows["vechtzoom"] == {"suppressed": True, "period": "2025-02", "group": "vechtzoom"}
            assert rows["overvecht"]["suppressed"] is True and "n" not in rows["overvecht"]
            assert j["totals"][0]["n"] == 6
            # By channel, a quarter: all 6 are qr; the other channels are empty.
            st, _, body = s.get("/admin/api/stats?survey=ouders&by=channel&interval=quarter"
                                "&from=2025-01&to=2025-03", headers=h)
            j = json.loads(body)
            rows = {r["group"]: r for r in j["rows"]}
            assert j["periods"] == ["2025-Q1"]
            assert rows["qr"]["n"] == 6 and rows["kiosk"]["n"] == 0
            for q, want in [("by=street", 422), ("interval=week", 422), ("from=2026-13", 422),
                            ("from=2025-05&to=2025-01", 422)]:
                st, _, _ = s.get("/admin/api/stats?survey=ouders&" + q, headers=h)
                assert st == want, (q, st)
            assert s.get("/admin/api/stats?survey=nope", headers=h)[0] == 404
            assert s.get("/admin/api/stats?survey=ouders&loc=mars", headers=h)[0] == 404
            # Overvecht alone: 4 responses, under K = 5.
            j = json.loads(s.get("/admin/api/stats?survey=ouders&loc=overvecht&" + FEB, headers=h)[2])
            assert j["totals"][0] == {"suppressed": True, "period": "2025-02"}
        # K is configurable but never below 3.
        with Server(tmp=tmp, db=db, args=["--anonymity-k", "3"]) as s:
            _, _, _, cookie = _login(s, "vic")
            j = json.loads(s.get("/admin/api/stats?survey=ouders&loc=overvecht&" + FEB,
                                 headers={"Cookie": cookie})[2])
            # One table set: Overvecht alone is the same cell as in the
            # table by location, hidden there because 6 - 4 = 2 is under 3.
            assert j["totals"][0].get("suppressed") is True and j["k"] == 3
            # 2 is under 3, and 4 beside it would give it away.
            j = json.loads(s.get("/admin/api/stats?survey=ouders&by=location&" + FEB,
                                 headers={"Cookie": cookie})[2])
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
        _import(tmp, db, [(6, {"location": "overvecht"}, "Opmerking overvecht %d <b>vet</b>"),
                          (6, {"location": "vechtzoom"}, None),
                          (2, {"location": "spoorzoom"}, "Geheime opmerking spoorzoom %d")])
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s:
            _, _, _, cookie = _login(s, "vic")
            h = {"Cookie": cookie}
            st, hd, body = s.get("/admin/?survey=ouders&" + FEB, headers=h)
            page = body.decode()
            assert st == 200 and "<svg" in page and "Tevredenheid" in page
            assert "Opmerking overvecht 0 &lt;b&gt;vet&lt;/b&gt;" in page
            assert "<b>vet</b>" not in page
            assert "spoorzoom 0" not in page and "Geheime" not in page
            assert "(n = 2)" not in page
            assert "minder dan 5" in page
            # CSV for a Dutch Excel: BOM, semicolons, decimal commas.
            st, hd, body = s.get("/admin/export.csv?survey=ouders&by=location&" + FEB, headers=h)
            assert st == 200 and hd["content-type"].startswith("text/csv")
            assert "attachment" in hd["content-disposition"]
            assert body.startswith(b"\xef\xbb\xbfperiod;group;n;satisfaction;")
            text = body.decode("utf-8-sig")
            assert ";spoorzoom;;;suppressed (under 5)" in text
            assert "2025-02;total;14;" in text
            assert re.search(r"2025-02;total;14;\d+,\d\d;", text), text[:500]
            st, hd, body = s.get("/admin/export.csv?survey=ouders&by=location&dialect=rfc4180&" + FEB,
                                 headers=h)
            text = body.decode()
            assert text.startswith("period,group,n,") and re.search(r"2025-02,total,14,\d+\.\d\d,", text)
            assert s.get("/admin/export.csv?survey=ouders&dialect=lotus", headers=h)[0] == 422
        actions = [r[0] for r in db_query(db, "SELECT action FROM audit")]
        assert actions.count("export") == 2
        assert "view dashboard" in actions
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
        answers = _import(tmp, db, [(7, {"location": "overvecht"}, None)])
        want = sum(_score(a) for a in answers) / len(answers)
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s:
            _, _, _, cookie = _login(s, "vic")
            before = json.loads(s.get("/admin/api/stats?survey=ouders&by=location&" + FEB,
                                      headers={"Cookie": cookie})[2])
        rc, out, err = run_tool("stats", "--survey", "ouders", "--db", db, "--by", "location",
                                "--from", "2025-02", "--to", "2025-02")
        assert rc == 0, err
        assert re.search(r"overvecht\s+7\s+%.2f\s+\[" % want, out), (want, out)
        assert "trend: too few responses to tell" in out
        rc, out, err = run_tool("stats", "--survey", "ouders", "--db", db, "--stats-format", "json",
                                "--from", "2025-02", "--to", "2025-02")
        assert rc == 0 and json.loads(out)["total"]["n"] == 7
        rc, out, err = run_tool("stats", "--survey", "ouders", "--db", db, "--from", "2099-01",
                                "--to", "2099-01")
        assert rc == 1 and "published up to" in err, err
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
            after = json.loads(s.get("/admin/api/stats?survey=ouders&by=location&" + FEB,
                                     headers={"Cookie": cookie})[2])
            assert after == before
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
