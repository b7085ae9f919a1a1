"""The goal board over HTTP: every measure type computed from a seeded data
set (the four newest closed quarters), verdicts rising, flat, falling and too few,
hidden cells shown as missing, the page and report, the audit, and the
shipped surveys' goals (the staff pulse's K of 10 included)."""
import datetime
import json
import os
import zoneinfo
import shutil
import sqlite3
import tempfile

from kb import ROOT, Server, db_query, run_tool
from test_auth import PW, _login

FIXTURE = os.path.join(ROOT, "tests", "integration", "goals_surveys")


def week_of(month):
    """An ISO week counted in month: the week of its 15th (its Thursday
    falls between the 12th and the 18th)."""
    y, w, _ = datetime.date(int(month[:4]), int(month[5:]), 15).isocalendar()
    return "%d-W%02d" % (y, w)


def _month_add(month, n):
    y, m = int(month[:4]), int(month[5:]) - 1 + n
    return "%04d-%02d" % (y + m // 12, m % 12 + 1)


def latest_published_month(lag_days=1):
    """The server's rule (publish.c), in the server's time zone: a month
    is closed from the Monday after the ISO week of its last Thursday, and
    published lag_days later."""
    tz = zoneinfo.ZoneInfo(os.environ.get("KLANKBORD_TZ") or "Europe/Amsterdam")
    today = datetime.datetime.now(tz).date()
    month = "%04d-%02d" % (today.year, today.month)
    for _ in range(3):
        y, m = int(month[:4]), int(month[5:])
        last = datetime.date(y + m // 12, m % 12 + 1, 1) - datetime.timedelta(days=1)
        last -= datetime.timedelta(days=(last.weekday() - 3) % 7)
        if last + datetime.timedelta(days=4 + lag_days) <= today:
            return month
        month = _month_add(month, -1)
    return month


def last_quarters(n=4):
    """The n newest closed quarters, oldest first: (label, [3 months])."""
    latest = latest_published_month()
    m = int(latest[5:])
    last = _month_add(latest, -(m % 3))       # the last month of a closed quarter
    out = []
    for i in range(n):
        end = _month_add(last, -3 * i)
        first = _month_add(end, -2)
        out.append(("%s-Q%d" % (end[:4], (int(end[5:]) - 1) // 3 + 1),
                    [first, _month_add(first, 1), end]))
    return out[::-1]


# The closed quarters of 2025, for tests that need no "latest" quarter.
Q2025 = [("2025-Q%d" % (i + 1), ["2025-%02d" % (3 * i + j) for j in (1, 2, 3)]) for i in range(4)]


def fixture(tmp, quarters):
    """The goal fixture with its baselines on the first seeded quarter."""
    surveys = os.path.join(tmp, "surveys")
    os.makedirs(surveys, exist_ok=True)
    shutil.copy(os.path.join(FIXTURE, "locations.json"), surveys)
    first = quarters[0][1]
    text = open(os.path.join(FIXTURE, "doeltest.json")).read()
    text = text.replace("2025-01/2025-03", "%s/%s" % (first[0], first[2]))
    text = text.replace("2025-01/2025-02", "%s/%s" % (first[0], first[1]))
    open(os.path.join(surveys, "doeltest.json"), "w").write(text)
    return surveys


def seed_rows(small=True, quarters=Q2025):
    """(month, location, answers) of the seeded data set: 12 answers a
    quarter at overvecht, rising marks, falling 'gehoord', a falling share
    of 3 or more professionals, a flat 'plan'; and (small) 2 at vechtzoom
    in the third quarter, a group under K.  The first quarter's answers
    fall in its first two months."""
    rows = []
    for q in range(4):
        months = quarters[q][1][:2] if q == 0 else quarters[q][1][:1]
        for i in range(12):
            # Pairs alternate between the months, so each month holds
            # both answers of every question (no homogeneous month).
            month = months[(i // 2) % len(months)]
            rows.append((month, "overvecht", {
                "cijfer": 5 + q + (i % 2),
                "gehoord": 5 - q - (i % 2),
                "aantal": "3" if i < 8 - 2 * q else "1",
                "plan": i % 2 == 0,
                "onderwerpen": ["a", "b"] if i % 2 == 0 else ["a"],
                "tip": "Mijn naam is Piet en ik woon in Overvecht",
            }))
    if small:
        third = quarters[2][1][0]
        rows.append((third, "vechtzoom", {"cijfer": 9, "gehoord": 1, "aantal": "4-plus", "plan": True}))
        rows.append((third, "vechtzoom", {"cijfer": 3, "gehoord": 2, "aantal": "2", "plan": False}))
    return rows


def seed(db, rows, survey="doeltest", channel="qr", lang="nl"):
    """Released responses, straight into the database (server stopped):
    the server recounts its summaries when it starts."""
    con = sqlite3.connect(db)
    with con:
        for month, loc, answers in rows:
            con.execute("INSERT INTO responses (id, survey, version, channel, location, lang, week, answers,"
                        " submission) VALUES (abs(random()) | 1, ?, 1, ?, ?, ?, ?, ?, randomblob(16))",
                        (survey, channel, loc, lang, week_of(month), json.dumps(answers, separators=(",", ":"))))
    con.close()


def setup_db(tmp):
    db = os.path.join(tmp, "k.db")
    for name, role in [("ann", "admin"), ("vic", "viewer")]:
        assert run_tool("user", "add", name, "--role", role, "--db", db, stdin=PW + "\n")[0] == 0
    return db


def quarter_of(month):
    return "%s-Q%d" % (month[:4], (int(month[5:]) - 1) // 3 + 1)


def value(goal, answers):
    """The individual value a response adds to a goal, or None."""
    if goal == "tevreden":
        return answers.get("cijfer")
    if goal == "gehoord":
        return answers.get("gehoord")
    if goal == "minder_veel":
        return None if "aantal" not in answers else (100.0 if answers["aantal"] in ("3", "4-plus") else 0.0)
    if goal == "plan":
        return None if "plan" not in answers else (100.0 if answers["plan"] else 0.0)
    return None


def mean(xs):
    return sum(xs) / len(xs)


def slope_per_year(points):
    """Least squares over individual values against the quarter index, x4."""
    tb = mean([t for t, _ in points])
    yb = mean([y for _, y in points])
    sxx = sum((t - tb) ** 2 for t, _ in points)
    return 4 * sum((t - tb) * (y - yb) for t, y in points) / sxx


def test_every_measure_from_seeded_quarters():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = setup_db(tmp)
        # No group under K here, so no figure is hidden whatever cells the
        # table set chooses to protect; test_hidden_location_is_missing
        # has the small group.
        qs = last_quarters()
        rows = seed_rows(small=False, quarters=qs)
        seed(db, rows)
        quarters = [q for q, _ in qs]
        first, last = quarters[0], quarters[-1]
        with Server(tmp=tmp, db=db, surveys=fixture(tmp, qs)) as s:
            _, _, _, cookie = _login(s, "vic")
            h = {"Cookie": cookie}
            st, hd, body = s.get("/admin/api/goals?survey=doeltest", headers=h)
            assert st == 200 and hd["content-type"].startswith("application/json"), body
            j = json.loads(body)
            assert j["survey"] == "doeltest" and j["interval"] == "quarter" and j["k"] == 5
            assert j["periods"] == quarters and j["latest_period"] == last, (j["periods"], quarters)
            assert j["through"] == latest_published_month()
            goals = {g["id"]: g for g in j["goals"]}
            assert list(goals) == ["tevreden", "gehoord", "minder_veel", "plan", "nooit"]
            for gid in ("tevreden", "gehoord", "minder_veel"):
                g = goals[gid]
                per_q = {}
                for month, loc, a in rows:
                    v = value(gid, a)
                    if v is not None:
                        per_q.setdefault(quarter_of(month), []).append(v)
                want_base = mean(per_q[first])
                want_latest = mean(per_q[last])
                rnd = 1 if gid == "minder_veel" else 2
                assert g["baseline"]["value"] == round(want_base, rnd), (gid, g["baseline"])
                assert g["latest"] == {"period": last, "value": round(want_latest, rnd),
                                       "n": len(per_q[last])}, (gid, g["latest"])
                assert abs(g["change_since_baseline"] - (want_latest - want_base)) < 0.06, gid
                pts = [(quarters.index(q), v) for q, vs in per_q.items() for v in vs]
                assert abs(g["per_year"]["change"] - slope_per_year(pts)) < 0.06, (gid, g["per_year"])
                assert [p["value"] for p in g["series"]] == [round(mean(per_q[q]), rnd) for q in quarters]
            # Hand-checked figures, so the formula above is not the only witness.
            assert goals["tevreden"]["baseline"]["value"] == 5.5
            assert goals["tevreden"]["latest"]["value"] == 8.5
            assert goals["gehoord"]["latest"]["value"] == 1.5
            assert goals["minder_veel"]["baseline"]["value"] == 66.7
            assert goals["minder_veel"]["latest"]["value"] == 16.7
            # Verdicts: rising and wanted up; falling but wanted up; falling
            # and wanted down; flat; never answered.
            assert goals["tevreden"]["verdict"] == {"code": "good", "text": "gaat de goede kant op"}
            assert goals["gehoord"]["verdict"] == {"code": "bad", "text": "gaat de verkeerde kant op"}
            assert goals["minder_veel"]["verdict"]["code"] == "good"
            assert goals["plan"]["verdict"] == {"code": "flat", "text": "geen duidelijke verandering"}
            assert goals["plan"]["latest"]["value"] == 50.0
            # A baseline that is not whole quarters comes from monthly cells.
            assert goals["plan"]["baseline"] == {"period": "%s/%s" % tuple(qs[0][1][:2]), "value": 50.0,
                                                 "n": 12}
            assert goals["nooit"]["verdict"] == {"code": "too_few", "text": "nog te weinig reacties"}
            assert goals["nooit"]["latest"]["value"] is None and goals["nooit"]["per_year"] is None
            assert goals["minder_veel"]["measure"] == {"type": "share", "question": "aantal",
                                                       "share_of": ["3", "4-plus"]}
            assert goals["minder_veel"]["direction"] == "down" and goals["minder_veel"]["target"] == 20
            # Per location: overvecht holds every answer, so its rows are
            # the same; the other locations have none.
            locs = {l["location"]: {g["id"]: g for g in l["goals"]} for l in j["locations"]}
            assert sorted(locs) == ["overvecht", "spoorzoom", "utrecht-west", "vechtzoom"]
            for gid in goals:
                assert locs["overvecht"][gid]["series"] == goals[gid]["series"], gid
                assert locs["overvecht"][gid]["verdict"] == goals[gid]["verdict"], gid
            assert [p["value"] for p in locs["spoorzoom"]["tevreden"]["series"]] == [None] * 4
            assert locs["spoorzoom"]["tevreden"]["verdict"]["code"] == "too_few"
            assert "Piet" not in body.decode()
            # All surveys with goals at once.
            j = json.loads(s.get("/admin/api/goals", headers=h)[2])
            assert [x["survey"] for x in j["surveys"]] == ["doeltest"]
            assert s.get("/admin/api/goals?survey=nope", headers=h)[0] == 404
            # The page and the report say the same in words.
            st, hd, page = s.get("/admin/goals?survey=doeltest", headers=h)
            page = page.decode()
            assert st == 200 and hd["content-type"].startswith("text/html")
            for words in ("gaat de goede kant op", "gaat de verkeerde kant op", "geen duidelijke verandering",
                          "nog te weinig reacties", last, "+3,0 punt", "−50 procentpunt", "<svg"):
                assert words in page, words
            st, _, rep = s.get("/admin/goals/report?survey=doeltest", headers=h)
            rep = rep.decode()
            assert st == 200 and rep.count('class="sheet"') == 1 and "Zo leest u dit" in rep
            assert "Kwartalen %s tot en met %s" % (first, last) in rep
            assert s.get("/admin/goals?survey=nope", headers=h)[0] == 404
            # Not logged in: no goals.
            assert s.get("/admin/api/goals?survey=doeltest")[0] == 401
        audit = db_query(db, "SELECT actor, action, detail FROM audit ORDER BY id")
        seen = [(a, b, c) for a, b, c in audit if b.startswith("view goals")]
        assert ("vic", "view goals api", "survey=doeltest") in seen
        assert ("vic", "view goals", "survey=doeltest") in seen
        assert ("vic", "view goals report", "survey=doeltest") in seen
        assert ("vic", "view goals api", "survey=(all)") in seen
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_hidden_location_is_missing():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = setup_db(tmp)
        qs = last_quarters()
        rows = seed_rows(quarters=qs)
        seed(db, rows)
        quarters = [q for q, _ in qs]
        truth = {}
        for month, loc, a in rows:
            truth.setdefault((loc, quarter_of(month)), []).append(a["cijfer"])
        with Server(tmp=tmp, db=db, surveys=fixture(tmp, qs)) as s:
            _, _, _, cookie = _login(s, "vic")
            j = json.loads(s.get("/admin/api/goals?survey=doeltest", headers={"Cookie": cookie})[2])
            locs = {l["location"]: {g["id"]: g for g in l["goals"]} for l in j["locations"]}
            # Vechtzoom's 2 answers are under K: nothing of them shows.
            for g in locs["vechtzoom"].values():
                assert [p["value"] for p in g["series"]] == [None] * 4, g
                assert g["verdict"]["code"] == "too_few" and g["latest"]["value"] is None
            # Overvecht's Q3 would give them away beside the total: hidden.
            # Which further cells are protected is the table set's choice;
            # whatever shows is the truth of its own cell.
            ov = locs["overvecht"]["tevreden"]["series"]
            assert ov[2]["value"] is None
            for q, p in zip(quarters, ov):
                assert p["value"] is None or p["value"] == round(mean(truth[("overvecht", q)]), 2), (q, p)
            for q, p in zip(quarters, j["goals"][0]["series"]):
                want = mean(truth.get(("overvecht", q), []) + truth.get(("vechtzoom", q), []))
                assert p["value"] is None or p["value"] == round(want, 2), (q, p)
            page = s.get("/admin/goals?survey=doeltest", headers={"Cookie": cookie})[2].decode()
            assert "nog te weinig reacties" in page
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_shipped_goals_and_staff_k():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = setup_db(tmp)
        # 8 staff answers a quarter: at K = 10 (the survey's own) all hidden,
        # though the server's K is 5.
        rows = [(m, "overvecht", {"werkdruk": "te-hoog" if i % 3 == 0 else "hoog", "werkplezier": 6 + i % 3,
                                  "tijd_voor_gezinnen": i % 2 == 0})
                for m in [months[0] for _, months in last_quarters()] for i in range(8)]
        seed(db, rows, survey="medewerkers")
        with Server(tmp=tmp, db=db) as s:
            _, _, _, cookie = _login(s, "vic")
            h = {"Cookie": cookie}
            j = json.loads(s.get("/admin/api/goals", headers=h)[2])
            by = {x["survey"]: x for x in j["surveys"]}
            assert sorted(by) == ["jongeren", "medewerkers", "ouders"]
            staff = by["medewerkers"]
            assert staff["k"] == 10 and staff["audience"] == "Medewerkers"
            assert len(staff["periods"]) == 4
            for g in staff["goals"]:
                assert all(p["value"] is None for p in g["series"]), g
                assert g["verdict"]["code"] == "too_few"
            ids = [g["id"] for g in by["ouders"]["goals"]]
            assert ids[0] == "tevredenheid" and "niet_opnieuw_vertellen" in ids
            st, _, page = s.get("/admin/goals", headers=h)
            page = page.decode()
            assert st == 200 and "Medewerkers: " in page and "Ouders: " in page and "Jongeren: " in page
            st, _, rep = s.get("/admin/goals/report", headers=h)
            assert rep.decode().count('class="sheet"') == 3
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_old_single_goal_still_loads():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        surveys = os.path.join(tmp, "surveys")
        os.mkdir(surveys)
        shutil.copy(os.path.join(FIXTURE, "locations.json"), surveys)
        # The respondent app's interface texts live beside the surveys.
        shutil.copytree(os.path.join(ROOT, "surveys", "i18n"), os.path.join(surveys, "i18n"))
        d = json.load(open(os.path.join(FIXTURE, "doeltest.json")))
        del d["goals"]
        d["goal"] = {"measure": "satisfaction", "baseline": "2025-01/2025-03", "target": 7}
        json.dump(d, open(os.path.join(surveys, "doeltest.json"), "w"))
        rc, out, err = run_tool("surveys", "check", surveys)
        assert rc == 0, err
        db = setup_db(tmp)
        seed(db, seed_rows(small=False))
        with Server(tmp=tmp, db=db, surveys=surveys) as s:
            _, _, _, cookie = _login(s, "vic")
            j = json.loads(s.get("/admin/api/goals?survey=doeltest", headers={"Cookie": cookie})[2])
            assert [g["id"] for g in j["goals"]] == ["tevredenheid"]
            g = j["goals"][0]
            assert g["measure"] == {"type": "satisfaction"} and g["target"] == 7
            assert g["baseline"]["value"] == 5.5 and g["verdict"]["code"] == "good"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_bad_goals_refused_with_position():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        surveys = os.path.join(tmp, "surveys")
        os.mkdir(surveys)
        shutil.copy(os.path.join(FIXTURE, "locations.json"), surveys)
        # The respondent app's interface texts live beside the surveys.
        shutil.copytree(os.path.join(ROOT, "surveys", "i18n"), os.path.join(surveys, "i18n"))
        text = open(os.path.join(FIXTURE, "doeltest.json")).read()
        bad = text.replace('"share_of": [\n          "3",', '"share_of": [\n          "7",')
        bad = bad.replace('"direction": "down"', '"direction": "lager"')
        assert bad.count('"7"') == 1 and bad.count('"lager"') == 1
        open(os.path.join(surveys, "doeltest.json"), "w").write(bad)
        rc, out, err = run_tool("surveys", "check", surveys)
        lines = bad.split("\n")
        l7 = next(i for i, l in enumerate(lines, 1) if l.strip() == '"7",')
        ld = next(i for i, l in enumerate(lines, 1) if '"lager"' in l)
        path = os.path.join(surveys, "doeltest.json")
        assert rc == 1, err
        assert "%s:%d:11: not a possible answer to question 'aantal'" % (path, l7) in err, err
        assert "%s:%d:20: 'direction' is \"up\" (higher is better) or \"down\" (lower is better)" % (path, ld) in err, err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_dashboard_in_plain_words():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        surveys = os.path.join(tmp, "surveys")
        os.mkdir(surveys)
        shutil.copy(os.path.join(FIXTURE, "locations.json"), surveys)
        # The respondent app's interface texts live beside the surveys.
        shutil.copytree(os.path.join(ROOT, "surveys", "i18n"), os.path.join(surveys, "i18n"))
        d = json.load(open(os.path.join(FIXTURE, "doeltest.json")))
        d["goal"] = {"measure": "satisfaction", "baseline": "2025-01/2025-03", "target": 7.5}
        json.dump(d, open(os.path.join(surveys, "doeltest.json"), "w"))
        db = setup_db(tmp)
        rows = seed_rows(small=False)
        rows += [(m, "vechtzoom", a) for m, _, a in rows if m != "2025-02"]
        seed(db, rows)
        with Server(tmp=tmp, db=db, surveys=surveys) as s:
            _, _, _, cookie = _login(s, "vic")
            st, _, page = s.get("/admin/?survey=doeltest&interval=quarter&by=location",
                                headers={"Cookie": cookie})
            page = page.decode()
            assert st == 200
            # The answers per question show for a window that is one
            # period (the protected set has no other totals): 2025.
            st, _, year = s.get("/admin/?survey=doeltest&interval=year&from=2025-01&to=2025-12",
                                headers={"Cookie": cookie})
            year = year.decode()
            assert st == 200
            # Surveys named with their audience.
            assert '<option value="doeltest" selected>Ouders: Doelen testen</option>' in page
            # Faces in words, not 1-5.
            assert ">Heel slecht</text>" in year and ">Heel goed</text>" in year
            # Sharing and printing, and the goals, from the top.
            assert page.index('href="#delen"') < page.index('id="delen"')
            assert 'href="/admin/goals?survey=doeltest"' in page
            # What the target means in answers.
            assert "(7,5 ≈ gemiddeld ‘Goed’ op de smileys)" in page
            # A score and a verdict per location.
            assert "<br><strong>8,5</strong> · De tevredenheid stijgt." in page
            # Several ticks a person: a share of the people, not of the ticks.
            n = len(rows)
            nb = sum("b" in a["onderwerpen"] for _, _, a in rows)
            assert "Onderwerpen? <small>(%d reacties, meer keuzes mogelijk" % n in year
            assert ">%d (100%%)</text>" % n in year
            assert ">%d (%.0f%%)</text>" % (nb, 100.0 * nb / n) in year and nb * 3 < 2 * n
            # The month of a response, explained.
            assert "de maand van de donderdag van die week" in page
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
