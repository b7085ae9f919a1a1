"""Anonymity against a curious viewer (issue #13): closed periods only, one
protected table set, no differencing.

The differencing test plays the attacker: a viewer API key asks every
combination of parameters the stats API accepts, turns every shown count
and distribution into linear equations over the base cells (month ×
location × channel) and solves them with exact rational arithmetic.  No
suppressed cell may be determined, nor a union or difference of two
suppressed cells that holds fewer than K responses."""
import csv
import io
import itertools
import json
import os
import random
import re
import shutil
import sqlite3
import tempfile
import time
from fractions import Fraction

from kb import ROOT, Server, db_query, response, run_tool

K = 5
MONTHS = ["2025-01", "2025-02", "2025-03"]
WEEKS = {"2025-01": "2025-W02", "2025-02": "2025-W07", "2025-03": "2025-W11"}
LOCS = ["overvecht", "vechtzoom", "spoorzoom", "utrecht-west"]
CHANNELS = ["qr", "kiosk", "sms", "web"]
QUARTER_OF = {"2025-01": "2025-Q1", "2025-02": "2025-Q1", "2025-03": "2025-Q1"}


def _answers(rng, homogeneous=False):
    a = dict(response()["answers"])
    if homogeneous:
        a.update(gehoord=4, serieus=True, duidelijk=True, waarom=True, plan=True,
                 op_tijd=True, cijfer=8, aanbevelen=8, veiliger=True, beter_aan=True,
                 bezwaar=True, hulpverleners="2", opnieuw_vertellen=False)
        a.pop("hoe_vaak", None)
    else:
        a.update(gehoord=rng.randint(1, 5), duidelijk=rng.randint(1, 5) > 2,
                 plan=rng.randint(1, 5) > 2, cijfer=rng.randint(3, 10),
                 aanbevelen=rng.randint(0, 10),
                 hulpverleners=rng.choice(["1", "2", "3", "4-plus"]))
    a["beter_doen"] = "Opmerking %s" % rng.choice(["alfa", "beta", "gamma", "delta"])
    return a


def _seed():
    """A data set with groups of 1 to 4, a homogeneous group of 5, a lone
    SMS answer, and larger groups: {(month, loc, ch): n}."""
    rng = random.Random(13)
    plan = {}
    for m in MONTHS:
        plan[(m, "overvecht", "qr")] = rng.randint(6, 12)
        plan[(m, "vechtzoom", "kiosk")] = rng.randint(5, 9)
        plan[(m, "spoorzoom", "qr")] = rng.randint(1, 4)
        plan[(m, "utrecht-west", "web")] = rng.randint(1, 3)
        plan[(m, "overvecht", "kiosk")] = rng.randint(1, 4)
    plan[("2025-02", "spoorzoom", "kiosk")] = 5      # homogeneous
    plan[("2025-03", "vechtzoom", "sms")] = 1        # the lone SMS answer
    lines, homog = [], ("2025-02", "spoorzoom", "kiosk")
    for (m, loc, ch), n in sorted(plan.items()):
        for _ in range(n):
            r = response(location=loc, channel=ch,
                         answers=_answers(rng, (m, loc, ch) == homog))
            r["week"] = WEEKS[m]
            lines.append(r)
    rng.shuffle(lines)
    return plan, lines


def _base_index():
    return {(m, l, c): i for i, (m, l, c) in
            enumerate(itertools.product(MONTHS, LOCS, CHANNELS))}


def _months_of(period):
    """The seeded months a period holds (every other month is empty)."""
    if period in MONTHS:
        return [period]
    if period == "2025-Q1" or period == "2025":
        return list(MONTHS)
    return []


def _vector(period, loc, ch):
    idx = _base_index()
    v = [0] * len(idx)
    for m in _months_of(period):
        for l in LOCS:
            for c in CHANNELS:
                if (loc is None or l == loc) and (ch is None or c == ch):
                    v[idx[(m, l, c)]] = 1
    return tuple(v)


class Span:
    """The row space of vectors, exactly (fractions)."""

    def __init__(self, dim):
        self.rows = []      # (pivot, row) in echelon form
        self.dim = dim

    def reduce(self, v):
        v = [Fraction(x) for x in v]
        for p, r in self.rows:
            if v[p] != 0:
                f = v[p]
                v = [a - f * b for a, b in zip(v, r)]
        return v

    def add(self, v):
        r = self.reduce(v)
        for p, x in enumerate(r):
            if x != 0:
                self.rows.append((p, [a / x for a in r]))
                return

    def contains(self, v):
        return all(x == 0 for x in self.reduce(v))


def _window(periods):
    """The period that is exactly the union of the periods shown, or None."""
    if len(periods) == 1:
        return periods[0]
    y = {p[:4] for p in periods}
    if len(y) != 1:
        return None
    y = y.pop()
    if len(periods) == 12 and all(len(p) == 7 and p[4] == "-" for p in periods):
        return y
    if len(periods) == 4 and all("Q" in p for p in periods):
        return y
    for q in range(4):
        if periods == ["%s-%02d" % (y, 3 * q + m) for m in (1, 2, 3)]:
            return "%s-Q%d" % (y, q + 1)
    return None


def _cells_of(j, loc, by, window):
    """Every cell the reply shows or hides: (period, loc, ch) → cell."""
    out = []
    for row in j["rows"]:
        g = row["group"]
        l, c = loc, None
        if by == "location":
            l = g
        elif by == "channel":
            c = g
        out.append(((row["period"], l, c), row))
    for t in j["totals"]:
        out.append(((t["period"], loc, None), t))
    if window is not None and j["periods"]:
        p = window
        out.append(((p, loc, None), j["total"]))
        for g, cell in j["group_totals"].items():
            l, c = loc, None
            if by == "location":
                l = g
            elif by == "channel":
                c = g
            out.append(((p, l, c), cell))
    else:
        # A window of several periods is no cell: nothing is shown.
        assert j["total"].get("suppressed") is True, j["total"]
        for cell in j["group_totals"].values():
            assert cell.get("suppressed") is True
    return out


def _quantities(cell):
    """The figures a shown cell gives: name → value."""
    q = {"n": cell["n"]}
    for qid, qo in cell.get("questions", {}).items():
        if qo.get("suppressed"):
            continue
        for v, c in qo["distribution"].items():
            q["%s=%s" % (qid, v)] = c
    return q


def _viewer_key(db):
    rc, out, err = run_tool("apikey", "add", "nieuwsgierig", "--role", "viewer", "--db", db)
    assert rc == 0, err
    return out.strip()


def _import(db, lines, tmp):
    path = os.path.join(tmp, "seed.jsonl")
    with open(path, "w") as f:
        for l in lines:
            f.write(json.dumps(l) + "\n")
    rc, out, err = run_tool("import", "--db", db, "--surveys",
                            os.path.join(ROOT, "surveys"), path)
    assert rc == 0, err


def test_differencing_determines_no_suppressed_cell():
    tmp = tempfile.mkdtemp(prefix="kb-dis-")
    try:
        db = os.path.join(tmp, "k.db")
        plan, lines = _seed()
        _import(db, lines, tmp)
        key = _viewer_key(db)
        h = {"Authorization": "Bearer " + key}
        truth = {b: plan.get(b, 0) for b in _base_index()}
        shown = {}       # quantity → list of vectors where it is shown
        hidden = {}      # quantity → set of vectors where it is hidden
        cellsets = {}    # vector → true n
        queries = views_ok = 0
        with Server(tmp=tmp, db=db) as s:
            windows = [(a, b) for i, a in enumerate(MONTHS) for b in MONTHS[i:]]
            for (frm, to), iv, by, loc in itertools.product(
                    windows + [(None, None)], ["month", "quarter", "year"],
                    ["none", "location", "channel"], [None] + LOCS):
                qs = "/admin/api/stats?survey=ouders&interval=%s&by=%s" % (iv, by)
                if frm:
                    qs += "&from=%s&to=%s" % (frm, to)
                if loc:
                    qs += "&loc=" + loc
                st, _, body = s.get(qs, headers=h)
                queries += 1
                if st == 422:
                    continue
                assert st == 200, (qs, st, body)
                views_ok += 1
                j = json.loads(body)
                assert j["k"] == K
                for (period, l, c), cell in _cells_of(j, loc, by, _window(j["periods"])):
                    v = _vector(period, l, c)
                    if not any(v):
                        assert cell.get("suppressed") or cell["n"] == 0, (period, cell)
                        continue
                    n_true = sum(truth[b] for b, x in zip(_base_index(), v) if x)
                    cellsets[v] = n_true
                    if cell.get("suppressed"):
                        hidden.setdefault("n", set()).add(v)
                        continue
                    assert cell["n"] == n_true, (qs, period, l, c, cell["n"], n_true)
                    for name in _quantities(cell):
                        shown.setdefault(name, set()).add(v)
                    for qid, qo in cell.get("questions", {}).items():
                        if qo.get("suppressed"):
                            hidden.setdefault("q:" + qid, set()).add(v)
            # Audited: every stats view is in the log.
            views = db_query(db, "SELECT count(*) FROM audit WHERE action = 'view stats'"
                             " AND actor = 'nieuwsgierig'")[0][0]
            assert views == views_ok, (views, views_ok)
        dim = len(_base_index())
        # n: no hidden cell determined by the shown n's.
        span = Span(dim)
        for v in shown["n"]:
            span.add(v)
        print("    %d queries, %d shown cells, rank %d of %d base cells"
              % (queries, len(shown["n"]), len(span.rows), dim))
        small = [v for v in hidden["n"] if 0 < cellsets[v] < K]
        assert small, "the data set has groups under K"
        for v in hidden["n"]:
            assert not span.contains(v), "a suppressed cell (n=%d) is determined" % cellsets[v]
        # Nor a union or difference of two suppressed cells under K.
        hl = list(hidden["n"])
        for a, b in itertools.combinations(hl, 2):
            both = [x and y for x, y in zip(a, b)]
            if not any(both):
                u = tuple(x + y for x, y in zip(a, b))
            elif all(x >= y for x, y in zip(a, b)):
                u = tuple(x - y for x, y in zip(a, b))
            elif all(y >= x for x, y in zip(a, b)):
                u = tuple(y - x for x, y in zip(a, b))
            else:
                continue
            m = sum(truth[bc] for bc, x in zip(_base_index(), u) if x)
            if 0 < m < K:
                assert not span.contains(u), "two suppressed cells narrow a group of %d" % m
        # Each question's distribution: the same, with its own hidden cells.
        for qname, hv in hidden.items():
            if not qname.startswith("q:"):
                continue
            qid = qname[2:]
            names = [n for n in shown if n.startswith(qid + "=")]
            if not names:
                continue
            span_q = Span(dim)
            for v in shown[names[0]]:
                span_q.add(v)
            for v in hv:
                assert not span_q.contains(v), "question %s of a hidden cell is determined" % qid
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_homogeneous_group_is_not_shown_exactly():
    tmp = tempfile.mkdtemp(prefix="kb-dis-")
    try:
        db = os.path.join(tmp, "k.db")
        rng = random.Random(5)
        lines = []
        for i in range(5):
            r = response(location="spoorzoom", channel="kiosk", answers=_answers(rng, True))
            r["week"] = "2025-W07"
            lines.append(r)
        for i in range(30):
            r = response(location="overvecht", channel="qr", answers=_answers(rng))
            r["week"] = "2025-W07"
            lines.append(r)
        _import(db, lines, tmp)
        h = {"Authorization": "Bearer " + _viewer_key(db)}
        with Server(tmp=tmp, db=db) as s:
            st, _, body = s.get("/admin/api/stats?survey=ouders&by=location&from=2025-02&to=2025-02", headers=h)
            assert st == 200, body
            j = json.loads(body)
            cell = [r for r in j["rows"] if r["group"] == "spoorzoom"][0]
            if not cell.get("suppressed"):
                assert cell["n"] == 5
                # Everyone answered 4: that is not shown as {"4": 5}.
                assert cell["questions"]["gehoord"].get("suppressed") is True, cell
                assert "distribution" not in cell["questions"]["gehoord"]
                assert cell["satisfaction"].get("suppressed") is True
                assert "gehoord" not in json.dumps(cell.get("themes", {}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_running_period_never_shown_before_and_after_identical():
    tmp = tempfile.mkdtemp(prefix="kb-dis-")
    try:
        db = os.path.join(tmp, "k.db")
        h = {"Authorization": "Bearer " + _viewer_key(db)}
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off"]) as s:
            for _ in range(12):
                assert s.post("/api/responses", response(channel="kiosk"))[0] == 201
            s.release()
            st, _, before = s.get("/admin/api/stats?survey=ouders&by=location", headers=h)
            assert st == 200
            # A young person answers at the kiosk; the team refreshes.
            assert s.post("/api/responses", response(
                channel="kiosk", answers=dict(response()["answers"],
                                              beter_doen="Mijn stiefvader slaat me nog steeds"))
                )[0] == 201
            s.release()
            st, _, after = s.get("/admin/api/stats?survey=ouders&by=location", headers=h)
            assert st == 200
            assert before == after
            j = json.loads(after)
            # Nothing of the running month, not even a count.
            assert j["periods"] == [] or all(p < j["published_through"] or
                                             p <= j["published_through"] for p in j["periods"])
            st, _, page = s.get("/admin/", headers=h)
            assert b"stiefvader" not in page
            # Asking for the running month (its week's Thursday's month)
            # is refused with the field.
            import datetime
            week = db_query(db, "SELECT week FROM responses LIMIT 1")[0][0]
            thu = datetime.date.fromisocalendar(int(week[:4]), int(week[6:]), 4)
            month = "%04d-%02d" % (thu.year, thu.month)
            st, _, body = s.get("/admin/api/stats?survey=ouders&from=%s&to=%s" % (month, month), headers=h)
            assert st == 422, body
            e = json.loads(body)
            assert e["field"] == "to" and "published up to" in e["message"], e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_bad_windows_and_k():
    tmp = tempfile.mkdtemp(prefix="kb-dis-")
    try:
        db = os.path.join(tmp, "k.db")
        h = {"Authorization": "Bearer " + _viewer_key(db)}
        with Server(tmp=tmp, db=db) as s:
            for qs, field in [("interval=quarter&from=2025-02&to=2025-03", "from"),
                              ("interval=quarter&from=2025-01&to=2025-02", "to"),
                              ("interval=year&from=2025-01&to=2025-06", "to"),
                              ("interval=week", "interval"),
                              ("k=3", "k"), ("k=abc", "k"),
                              ("from=2025-13&to=2025-12", "from")]:
                st, _, body = s.get("/admin/api/stats?survey=ouders&" + qs, headers=h)
                assert st == 422, (qs, st, body)
                assert json.loads(body)["field"] == field, (qs, body)
            st, _, body = s.get("/admin/api/stats?survey=ouders&k=10", headers=h)
            assert st == 200 and json.loads(body)["k"] == 10
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_all_views_show_the_same_protected_set_and_are_audited():
    tmp = tempfile.mkdtemp(prefix="kb-dis-")
    try:
        db = os.path.join(tmp, "k.db")
        plan, lines = _seed()
        _import(db, lines, tmp)
        h = {"Authorization": "Bearer " + _viewer_key(db)}
        q = "survey=ouders&by=location&from=2025-01&to=2025-03"
        with Server(tmp=tmp, db=db) as s:
            st, _, body = s.get("/admin/api/stats?" + q, headers=h)
            j = json.loads(body)
            hidden_json = {(r["period"], r["group"]) for r in j["rows"] if r.get("suppressed")}
            shown_json = {(r["period"], r["group"]): r["n"] for r in j["rows"] if not r.get("suppressed")}
            assert hidden_json and shown_json
            st, _, body = s.get("/admin/export.csv?dialect=rfc4180&" + q, headers=h)
            assert st == 200, (st, body)
            rows = list(csv.reader(io.StringIO(body.decode())))
            hidden_csv = {(r[0], r[1]) for r in rows[1:] if len(r) > 4 and r[4].startswith("suppressed")
                          and r[0] != "all" and r[1] != "total"}
            shown_csv = {(r[0], r[1]): int(r[2]) for r in rows[1:] if r[2] and r[0] != "all" and r[1] != "total"}
            assert hidden_csv == hidden_json
            assert shown_csv == shown_json
            from test_auth import PW, _login
            assert run_tool("user", "add", "ann", "--role", "viewer", "--db", db,
                            stdin=PW + "\n")[0] == 0
            cookie = _login(s, "ann")[3]
            st, _, page = s.get("/admin/?" + q, headers={"Cookie": cookie})
            assert st == 200, (st, page[:300])
            assert b"tot en met" in page
            # HEAD is no export.
            before = db_query(db, "SELECT count(*) FROM audit WHERE action = 'export'")[0][0]
            st, _, _ = s.request("HEAD", "/admin/export.csv?" + q, headers=h)
            after = db_query(db, "SELECT count(*) FROM audit WHERE action = 'export'")[0][0]
            assert after == before == 1
        rc, out, err = run_tool("stats", "--survey", "ouders", "--db", db, "--by", "location",
                                "--from", "2025-01", "--to", "2025-03")
        assert rc == 0, err
        for (p, g) in hidden_json:
            assert re.search(r"%s\s+%s\s+-" % (p, g), out), (p, g, out)
        for (p, g), n in shown_json.items():
            assert re.search(r"%s\s+%s\s+%d\b" % (p, g, n), out), (p, g, n, out)
        actions = {a for (a,) in db_query(db, "SELECT action FROM audit")}
        assert {"view stats", "export", "view dashboard"} <= actions, actions
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_comments_only_from_shown_groups_and_hidden_ones_stay_hidden():
    from test_auth import PW, _login
    tmp = tempfile.mkdtemp(prefix="kb-dis-")
    try:
        db = os.path.join(tmp, "k.db")
        rng = random.Random(7)
        lines = []
        for i in range(12):
            r = response(location="overvecht", channel="qr", answers=dict(
                _answers(rng), beter_doen="Grote groep opmerking %s" % "abcdefghijkl"[i]))
            r["week"] = "2025-W07"
            lines.append(r)
        for i in range(7):
            r = response(location="vechtzoom", channel="qr", answers=_answers(rng))
            r["week"] = "2025-W07"
            lines.append(r)
        for i in range(2):
            r = response(location="spoorzoom", channel="qr", answers=dict(
                _answers(rng), beter_doen="Kleine groep geheim %s" % "ab"[i]))
            r["week"] = "2025-W07"
            lines.append(r)
        _import(db, lines, tmp)
        assert run_tool("user", "add", "ann", "--role", "admin", "--db", db, stdin=PW + "\n")[0] == 0
        with Server(tmp=tmp, db=db) as s:
            cookie = _login(s, "ann")[3]
            st, _, page = s.get("/admin/?survey=ouders&from=2025-02&to=2025-02", headers={"Cookie": cookie})
            assert st == 200
            text = page.decode()
            assert "Grote groep opmerking" in text
            assert "Kleine groep geheim" not in text
            # Random order, not arrival order, and no date finer than a month.
            assert "2025-W07" not in text
            m = re.search(r'name="id" value="(\d+)"><input type="hidden" name="question" value="beter_doen">', text)
            assert m, "an admin sees the hide button"
            csrf = re.search(r'name="csrf" value="([^"]+)"', text).group(1)
            victim = re.search(r'<blockquote>([^<]*)</blockquote>', text).group(1)
            st, hd, _ = s.post("/admin/comments/hide",
                               "id=%s&question=beter_doen&survey=ouders&csrf=%s" % (m.group(1), csrf),
                               headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            assert st == 303, st
            st, _, page = s.get("/admin/?survey=ouders&from=2025-02&to=2025-02", headers={"Cookie": cookie})
            assert victim not in page.decode()
            assert page.decode().count("Grote groep opmerking") == 11
            detail = db_query(db, "SELECT detail FROM audit WHERE action = 'hide comment'")
            assert detail and victim not in detail[0][0]
            # The audit page filters by user, action and date.
            st, _, audit = s.get("/admin/audit?action=hide+comment", headers={"Cookie": cookie})
            assert st == 200 and b"hide comment" in audit and b"view dashboard" not in audit
            st, _, _ = s.get("/admin/audit?date=2025-13-45x", headers={"Cookie": cookie})
            assert st == 422
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_protected_set_is_kept_and_served_after_a_restart():
    """The protected set is built after the release at start (before any
    view), kept in the database per survey and K, and after a restart
    served from there: the same figures, not built again."""
    tmp = tempfile.mkdtemp(prefix="kb-dis-")
    try:
        db = os.path.join(tmp, "k.db")
        _, lines = _seed()
        _import(db, lines, tmp)
        h = {"Authorization": "Bearer " + _viewer_key(db)}
        views = ["/admin/api/stats?survey=ouders&by=location",
                 "/admin/api/stats?survey=ouders&by=channel&interval=quarter",
                 "/admin/export.csv?survey=ouders&by=location"]
        sql = "SELECT k, through, hash, built FROM protected_sets WHERE survey = 'ouders'"

        def kept():
            deadline = time.time() + 30
            while time.time() < deadline:
                rows = db_query(db, sql)
                if rows:
                    return rows
                time.sleep(0.1)
            raise AssertionError("no protected set kept")
        with Server(tmp=tmp, db=db, args=["--anonymity-k", str(K)]) as s:
            rows = kept()   # built after the release at start, before any view
            assert [r[0] for r in rows] == [K], rows
            before = [s.get(v, headers=h)[2] for v in views]
            assert db_query(db, sql) == rows
            # A survey's K raised by the query is its own kept set.
            assert s.get(views[0] + "&k=10", headers=h)[0] == 200
            assert sorted(r[0] for r in db_query(db, sql)) == [K, 10]
        with Server(tmp=tmp, db=db, args=["--anonymity-k", str(K)]) as s:
            after = [s.get(v, headers=h)[2] for v in views]
            assert after == before
            # Not built again: the kept row is the one from before.
            assert [r for r in db_query(db, sql) if r[0] == K] == rows
        # Served from what is kept: a change to the kept set shows.
        con = sqlite3.connect(db)
        (data,) = con.execute("SELECT data FROM protected_sets WHERE survey = 'ouders'"
                              " AND k = ?", (K,)).fetchone()
        kept_set = json.loads(data)
        cell = [c for c in kept_set["cells"] if c[0] == "2025-01" and c[1] == -1 and c[2] == -1][0]
        assert not cell[7], cell    # shown
        cell[3] += 1000
        con.execute("UPDATE protected_sets SET data = ? WHERE survey = 'ouders' AND k = ?",
                    (json.dumps(kept_set), K))
        con.commit()
        con.close()
        with Server(tmp=tmp, db=db, args=["--anonymity-k", str(K)]) as s:
            j = json.loads(s.get("/admin/api/stats?survey=ouders", headers=h)[2])
            jan = [t for t in j["totals"] if t["period"] == "2025-01"][0]
            assert jan["n"] == cell[3], jan
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
