"""The anonymised microdata export: admin only and audited; released rows
of closed quarters only; no free text; no combination of quarter,
location, channel and language under K (moved to "other" or left out);
a codebook; and .sav and .dta files that ReadStat's own reader, R's haven
(and pyreadstat, when installed) read with their labels."""
import csv
import datetime
import io
import json
import os
import shutil
import subprocess
import tempfile
import zipfile

from kb import Server, db_query
from test_auth import _login
from test_goals import FIXTURE, seed, seed_rows, setup_db


def _open_quarter_rows():
    """Two rows in this week: the running quarter is never exported."""
    y, w, _ = datetime.date.today().isocalendar()
    return "%d-W%02d" % (y, w)


def _seed_all(db):
    seed(db, seed_rows())   # 48 at overvecht qr nl, 2 at vechtzoom (Q3)
    # 3 at utrecht-west in Q3 join vechtzoom's 2 as "other": 5 = K, kept.
    seed(db, [("2025-07", "utrecht-west", {"cijfer": 7, "plan": True})] * 3)
    # 3 by kiosk in English in Q2: "other" holds only them, so they go.
    seed(db, [("2025-04", "overvecht", {"cijfer": 6})] * 3, channel="kiosk", lang="en")
    # 6 by SMS at spoorzoom in Q4: at K, kept as they are.
    seed(db, [("2025-10", "spoorzoom", {"cijfer": 9, "aantal": "2", "tip": "Bel me op 0612345678"})] * 6,
         channel="sms")
    import sqlite3
    con = sqlite3.connect(db)
    with con:
        for _ in range(7):
            con.execute("INSERT INTO responses (id, survey, version, channel, location, lang, week, answers,"
                        " submission) VALUES (abs(random()) | 1, 'doeltest', 1, 'qr', 'overvecht', 'nl', ?,"
                        " '{\"cijfer\":10}', randomblob(16))", (_open_quarter_rows(),))
    con.close()


def _check_rows(rows, k=5):
    combos = {}
    for r in rows:
        key = (r["kwartaal"], r["locatie"], r["kanaal"], r["taal"])
        combos[key] = combos.get(key, 0) + 1
    assert all(n >= k for n in combos.values()), combos
    return combos


def test_microdata_csv_sav_dta():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = setup_db(tmp)
        _seed_all(db)
        with Server(tmp=tmp, db=db, surveys=FIXTURE) as s:
            _, _, _, admin = _login(s, "ann")
            _, _, _, viewer = _login(s, "vic")
            url = "/admin/export/microdata?survey=doeltest&format="
            # Admins only.
            assert s.get(url + "csv", headers={"Cookie": viewer})[0] == 403
            assert s.get(url + "csv")[0] == 401
            h = {"Cookie": admin}
            assert s.get(url + "xlsx", headers=h)[0] == 422
            assert s.get("/admin/export/microdata?survey=nope&format=csv", headers=h)[0] == 404
            # A HEAD request is not an export: nothing built, nothing audited.
            st, hd, body = s.request("HEAD", url + "csv", headers=h)
            assert st == 200 and body == b""
            assert db_query(db, "SELECT count(*) FROM audit WHERE action = 'export microdata'")[0][0] == 0
            st, hd, body = s.get(url + "csv", headers=h)
            assert st == 200 and hd["content-type"] == "application/zip"
            assert hd["content-disposition"] == 'attachment; filename="klankbord-doeltest-microdata.zip"'
            z = zipfile.ZipFile(io.BytesIO(body))
            assert z.testzip() is None and z.namelist() == ["data.csv", "codebook.csv"]
            data = z.read("data.csv").decode()
            book = z.read("codebook.csv").decode()
            for secret in ("Piet", "0612345678", "tip"):
                assert secret not in data and secret not in book, secret
            rows = list(csv.DictReader(io.StringIO(data)))
            combos = _check_rows(rows)
            # 48 + 6 kept as they are, 5 as "other"; 3 left out, and the
            # 7 of the running quarter too.
            assert len(rows) == 59, len(rows)
            assert combos[("2025-Q3", "other", "qr", "nl")] == 5
            assert combos[("2025-Q4", "spoorzoom", "sms", "nl")] == 6
            assert not any(r["kanaal"] == "kiosk" for r in rows)
            assert set(r["kwartaal"] for r in rows) == {"2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"}
            assert list(rows[0]) == ["kwartaal", "locatie", "kanaal", "taal", "versie", "cijfer", "gehoord",
                                     "aantal", "plan", "nooit", "onderwerpen_1", "onderwerpen_2",
                                     "onderwerpen_3"]
            # A multi question: one 0/1 variable per option; not answered: empty.
            ov = [r for r in rows if r["locatie"] == "overvecht"]
            assert sorted((r["onderwerpen_1"], r["onderwerpen_2"], r["onderwerpen_3"]) for r in ov) == \
                [("1", "0", "0")] * 24 + [("1", "1", "0")] * 24
            assert all(r["onderwerpen_1"] == "" for r in rows if r["locatie"] == "spoorzoom")
            assert 'onderwerpen_2,number,"Onderwerpen?: School","0 = Niet aangevinkt; 1 = Aangevinkt"' in book
            assert sorted(int(r["cijfer"]) for r in rows if r["locatie"] == "spoorzoom") == [9] * 6
            assert all(r["aantal"] == "2" for r in rows if r["locatie"] == "spoorzoom")
            assert 'gehoord,number,"Gehoord?","1 = Heel slecht; 2 = Slecht; 3 = Gaat wel; 4 = Goed; 5 = Heel goed"' in book
            assert 'aantal,number,"Hoeveel?","1 = 1; 2 = 2; 3 = 3; 4 = 4-plus"' in book
            assert 'plan,number,"Plan?","0 = Nee; 1 = Ja"' in book
            files = {}
            for fmt, ctype in (("sav", "application/x-spss-sav"), ("dta", "application/x-stata-dta")):
                st, hd, body = s.get(url + fmt, headers=h)
                assert st == 200 and hd["content-type"] == ctype, (fmt, st, body[:200])
                path = os.path.join(tmp, "x." + fmt)
                open(path, "wb").write(body)
                files[fmt] = path
        # ReadStat's own reader: the rows, and the labels.
        for fmt, path in files.items():
            out = subprocess.run(["readstat", path, "-"], capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
            rrows = list(csv.DictReader(io.StringIO(out.stdout)))
            assert len(rrows) == 59 and _check_rows(rrows) == combos, fmt
            assert not any("Piet" in v for r in rrows for v in r.values())
            meta = os.path.join(tmp, fmt + ".json")
            out = subprocess.run(["extract_metadata", path, meta], capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
            var = {v["name"]: v for v in json.load(open(meta))["variables"]}
            assert var["gehoord"]["label"] == "Gehoord?"
            assert [c["label"] for c in var["gehoord"]["categories"]] == ["Heel slecht", "Slecht", "Gaat wel",
                                                                       "Goed", "Heel goed"]
            assert [(int(c["code"]), c["label"]) for c in var["plan"]["categories"]] == [(0, "Nee"), (1, "Ja")]
            assert var["locatie"]["label"].startswith("Locatie")
            assert "tip" not in var
        # R's haven (Debian's r-cran-haven), as an evaluator would read them.
        if shutil.which("Rscript") and subprocess.run(["Rscript", "-e", "library(haven)"],
                                                       capture_output=True).returncode == 0:
            script = (
                "library(haven); a <- commandArgs(TRUE);"
                "for (f in a) { d <- if (grepl('sav$', f)) read_sav(f) else read_dta(f);"
                "cat(nrow(d), attr(d$gehoord, 'label'), names(attr(d$gehoord, 'labels')), '|',"
                "names(attr(d$plan, 'labels')), '|', sum(d$locatie == 'other'),"
                "sum(is.na(d$nooit)), '\\n', sep = ';') }")
            out = subprocess.run(["Rscript", "-e", script, files["sav"], files["dta"]],
                                 capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
            for line in out.stdout.strip().split("\n"):
                assert line == "59;Gehoord?;Heel slecht;Slecht;Gaat wel;Goed;Heel goed;|;Nee;Ja;|;5;59;", line
        try:
            import pyreadstat
        except ImportError:
            pyreadstat = None
        if pyreadstat is not None:
            df, meta = pyreadstat.read_sav(files["sav"])
            assert len(df) == 59 and meta.variable_value_labels["gehoord"][1.0] == "Heel slecht"
            df, meta = pyreadstat.read_dta(files["dta"])
            assert len(df) == 59 and meta.column_names_to_labels["gehoord"] == "Gehoord?"
        audit = db_query(db, "SELECT actor, detail FROM audit WHERE action = 'export microdata' ORDER BY id")
        assert [a for a, _ in audit] == ["ann"] * 3, audit
        assert audit[0][1] == "survey=doeltest format=csv rows=59 other=5 left_out=10", audit
        assert audit[2][1].startswith("survey=doeltest format=dta rows=59 "), audit
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_microdata_staff_k():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = setup_db(tmp)
        # 12 staff answers at one location, 8 at another: K = 10 for staff.
        rows = [("2025-04", "overvecht", {"werkdruk": "hoog", "werkplezier": 7, "tip": "Te veel papier"})] * 12
        rows += [("2025-04", "vechtzoom", {"werkdruk": "te-hoog", "werkplezier": 5})] * 8
        seed(db, rows, survey="medewerkers")
        with Server(tmp=tmp, db=db) as s:
            _, _, _, admin = _login(s, "ann")
            st, _, body = s.get("/admin/export/microdata?survey=medewerkers&format=csv",
                                headers={"Cookie": admin})
            assert st == 200
            data = zipfile.ZipFile(io.BytesIO(body)).read("data.csv").decode()
            rows = list(csv.DictReader(io.StringIO(data)))
            # vechtzoom's 8 are under 10 and alone in "other": left out.
            assert len(rows) == 12 and _check_rows(rows, k=10)
            assert all(r["locatie"] == "overvecht" for r in rows)
            assert "papier" not in data
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
