"""The respondents' HTTP API: status codes, error bodies, idempotency,
limits, and that bad requests change nothing."""
import json
import re
import uuid

from kb import Server, response, db_query, OUDERS_VERSION


JSON = {"Content-Type": "application/json"}

def _err(status, body, want_status, want_code, want_field=None):
    assert status == want_status, (status, body)
    e = json.loads(body)
    assert e["error"] == want_code, e
    assert isinstance(e["message"], str) and e["message"], e
    if want_field is not None:
        assert e.get("field") == want_field, e


def test_healthz_and_survey_list():
    with Server() as s:
        st, h, body = s.get("/healthz")
        assert (st, body) == (200, b"ok")
        st, h, body = s.get("/api/surveys")
        assert st == 200 and h["content-type"].startswith("application/json")
        ids = [x["id"] for x in json.loads(body)]
        assert ids == ["jongeren", "medewerkers", "ouders", "participatie"], ids
        for x in json.loads(body):
            assert x["version"] >= 1 and "nl" in x["languages"] and x["title"]["nl"]


def test_survey_definition():
    with Server() as s:
        st, h, body = s.get("/api/surveys/ouders")
        d = json.loads(body)
        assert st == 200 and d["id"] == "ouders" and d["version"] == OUDERS_VERSION
        assert len(d["questions"]) >= 9
        st, _, body = s.get("/api/surveys/nope")
        _err(st, body, 404, "unknown_survey")
        st, _, body = s.get("/api/surveys/ouders/x")
        _err(st, body, 404, "not_found")
        st, _, body = s.get("/api/surveys/")
        _err(st, body, 404, "not_found")


def test_post_stores_exactly_the_allowed_fields():
    with Server() as s:
        r = response()
        r["answers"]["beter_doen"] = "  Bel 06-12345678 of mail a.b@example.nl, ik woon op 3581 AB.  "
        st, h, body = s.post("/api/responses", r)
        assert st == 201, body
        rid = json.loads(body)["id"]
        assert len(rid) == 16 and int(rid, 16) > 0
        cols = [c[1] for c in db_query(s.db, "PRAGMA table_info(responses)")]
        assert cols == ["id", "survey", "version", "channel", "location", "lang",
                        "week", "answers", "submission"], cols
        rows = db_query(s.db, "SELECT survey, version, channel, location, lang, week, answers FROM acked")
        assert len(rows) == 1
        survey, version, channel, loc, lang, week, answers = rows[0]
        assert (survey, version, channel, loc, lang) == ("ouders", OUDERS_VERSION, "qr", "overvecht", "nl")
        assert len(week) == 8 and week[4:6] == "-W", week
        a = json.loads(answers)
        assert a["beter_doen"] == "Bel [telefoon] of mail [e-mail], ik woon op [postcode].", a
        assert a["cijfer"] == 8 and a["opnieuw_vertellen"] is True
        # Nothing of the request is kept beyond that: no submission id in clear.
        raw = open(s.db, "rb").read() + (open(s.db + "-wal", "rb").read() if __import__("os").path.exists(s.db + "-wal") else b"")
        assert r["submission_id"].encode() not in raw


def test_idempotent_retry():
    with Server() as s:
        r = response()
        st1, _, b1 = s.post("/api/responses", r)
        st2, _, b2 = s.post("/api/responses", r)
        assert (st1, st2) == (201, 200), (b1, b2)
        assert json.loads(b1)["id"] == json.loads(b2)["id"]
        # A retry with other answers is still the same submission: stored once.
        r2 = dict(r, answers={"gehoord": 1, "cijfer": 1})
        st3, _, b3 = s.post("/api/responses", r2)
        assert st3 == 200 and json.loads(b3)["id"] == json.loads(b1)["id"]
        assert s.count() == 1


def test_every_error_status_and_nothing_changes():
    with Server(args=["--rate-limit", "off"]) as s:
        assert s.post("/api/responses", response())[0] == 201
        before = db_query(s.db, "SELECT id, answers FROM acked ORDER BY id")
        cases = [
            ("{", 400, "bad_json", None),
            ("[]", 400, "bad_json", None),
            ('{"survey": "ouders", "survey": "jongeren"}', 400, "bad_json", None),
            ('{"survey": NaN}', 400, "bad_json", None),
            ("[" * 5000, 400, "bad_json", None),
            ('{"survey": "a\\u0000b"}', 400, "bad_json", None),
            (b'{"survey": "\xff\xfe"}', 400, "bad_json", None),
            (response(survey="nope"), 404, "unknown_survey", "survey"),
            (response(version=7), 422, "unknown_version", "version"),
            (response(version="1"), 422, "invalid", "version"),
            (response(channel="fax"), 422, "invalid", "channel"),
            (response(location="mars"), 422, "unknown_location", "location"),
            (response(lang="de"), 422, "invalid", "lang"),
            (response(submission_id="short"), 422, "invalid", "submission_id"),
            (response(submission_id="x" * 65), 422, "invalid", "submission_id"),
            (response(submission_id="a b c d e f g"), 422, "invalid", "submission_id"),
            (response(channel="sms"), 422, "invalid", "token"),
            (response(channel="sms", token="Abcdefghij12345"), 404, "unknown_token", "token"),
            (response(token="abc"), 422, "invalid", "token"),
            (dict(response(), ip="1.2.3.4"), 422, "unknown_field", None),
            (response(answers={"gehoord": 6, "cijfer": 8}), 422, "invalid_answer", "gehoord"),
            (response(answers={"gehoord": 4.5, "cijfer": 8}), 422, "invalid_answer", "gehoord"),
            (response(answers={"gehoord": "4", "cijfer": 8}), 422, "invalid_answer", "gehoord"),
            (response(answers={"gehoord": 4, "cijfer": 99999999999999999}), 422, "invalid_answer", "cijfer"),
            (response(answers={"gehoord": 4}), 422, "invalid_answer", "cijfer"),
            (response(answers={"cijfer": 8}), 422, "invalid_answer", "gehoord"),
            (response(answers={"gehoord": 4, "cijfer": 8, "hulpverleners": "9"}), 422, "invalid_answer", "hulpverleners"),
            (response(answers={"gehoord": 4, "cijfer": 8, "opnieuw_vertellen": False, "hoe_vaak": "1"}), 422, "invalid_answer", "hoe_vaak"),
            (response(answers={"gehoord": 4, "cijfer": 8, "beter_doen": "x" * 501}), 422, "invalid_answer", "beter_doen"),
            (response(answers={"gehoord": 4, "cijfer": 8, "nope": 1}), 422, "invalid_answer", "answers"),
            (response(answers={}), 422, "invalid_answer", "answers"),
            (response(answers=[4, 8]), 422, "invalid_answer", "answers"),
        ]
        for body, want, code, field in cases:
            st, _, out = s.post("/api/responses", body if isinstance(body, (str, bytes)) else body,
                                headers={"Content-Type": "application/json"})
            _err(st, out, want, code, field)
        after = db_query(s.db, "SELECT id, answers FROM acked ORDER BY id")
        assert before == after


def test_text_length_counts_characters():
    with Server() as s:
        ok = response(answers={"gehoord": 4, "cijfer": 8, "beter_doen": "é" * 500})
        assert s.post("/api/responses", ok)[0] == 201
        bad = response(answers={"gehoord": 4, "cijfer": 8, "beter_doen": "é" * 501})
        assert s.post("/api/responses", bad)[0] == 422


def test_body_limit_413():
    with Server() as s:
        big = '{"survey": "' + "a" * (70 * 1024) + '"}'
        st, _, body = s.post("/api/responses", big)
        _err(st, body, 413, "too_large")
        # Chunked: no length up front.
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        c.putrequest("POST", "/api/responses")
        c.putheader("Transfer-Encoding", "chunked")
        c.putheader("Content-Type", "application/json")
        c.endheaders()
        chunk = b"a" * 8192
        for _ in range(10):
            c.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        c.send(b"0\r\n\r\n")
        r = c.getresponse()
        assert r.status == 413, r.status
        c.close()
        # Exactly 64 KiB is allowed through to validation.
        body = '{"survey": "ouders", "x": "' + "a" * (64 * 1024 - 30) + '"}'
        assert len(body) <= 64 * 1024
        assert s.post("/api/responses", body, headers=JSON)[0] == 422
        assert s.count() == 0


def test_methods_and_unknown_paths():
    with Server() as s:
        st, h, body = s.request("DELETE", "/api/responses")
        _err(st, body, 405, "method_not_allowed")
        st, h, body = s.request("GET", "/api/responses")
        assert st == 405
        st, h, body = s.get("/nope")
        _err(st, body, 404, "not_found")
        st, h, body = s.get("/assets/../surveys/ouders.json")
        assert st == 404
        st, h, body = s.get("/assets/%2e%2e%2fMakefile")
        assert st == 404
        st, h, body = s.request("HEAD", "/healthz")
        assert st == 200
        assert h["x-content-type-options"] == "nosniff"


def test_rate_limit_429():
    with Server(args=["--rate-limit", "3/min"]) as s:
        codes = [s.post("/api/responses", response())[0] for _ in range(3)]
        assert codes == [201, 201, 201], codes
        st, h, body = s.post("/api/responses", response())
        _err(st, body, 429, "too_many_requests")
        assert int(h["retry-after"]) >= 1
        assert s.count() == 3
    with Server(args=["--rate-limit", "off"]) as s:
        codes = {s.post("/api/responses", response())[0] for _ in range(40)}
        assert codes == {201}


def test_pages_and_assets():
    with Server() as s:
        st, h, body = s.get("/s/ouders?loc=overvecht")
        assert st == 200 and h["content-type"].startswith("text/html")
        assert "default-src 'self'" in h["content-security-policy"]
        assert h["referrer-policy"] == "no-referrer" and h["x-frame-options"] == "DENY"
        page = body.decode()
        assert '<script type="application/json" id="kb-config">' in page
        cfg = json.loads(page.split('id="kb-config">', 1)[1].split("</script>", 1)[0])
        assert cfg["mode"] == "phone" and cfg["channel"] == "qr" and cfg["survey"] == "ouders"
        assert cfg["location"] == "overvecht" and cfg["location_name"]["nl"]
        st, h, body = s.get("/s/ouders?loc=mars")
        assert st == 404 and b"0800-2000" in body
        st, h, body = s.get("/s/nope?loc=overvecht")
        assert st == 404
        st, h, body = s.get("/kiosk/vechtzoom?survey=jongeren&lang=en")
        cfg = json.loads(body.decode().split('id="kb-config">', 1)[1].split("</script>", 1)[0])
        assert st == 200 and cfg["mode"] == "kiosk" and cfg["lang"] == "en"
        st, h, body = s.get("/kiosk/mars?survey=jongeren")
        assert st == 404
        # A hostile query value cannot break out of the data block.
        st, h, body = s.get("/s/ouders?loc=overvecht&lang=%3C/script%3E%3Cscript%3Ealert(1)%3C/script%3E")
        assert b"<script>alert" not in body
        for name, ctype in [("app.js", "text/javascript"), ("app.css", "text/css")]:
            st, h, body = s.get("/assets/" + name)
            assert st == 200 and h["content-type"].startswith(ctype) and len(body) > 0
        assert s.get("/assets/app.html")[0] == 404
        assert s.get("/assets/nope.js")[0] == 404


def test_kiosk_bursts_are_throttled():
    with Server() as s:
        codes = [s.post("/api/responses", response(channel="kiosk"))[0] for _ in range(4)]
        assert codes == [201, 201, 201, 429], codes
        st, h, body = s.post("/api/responses", response(channel="kiosk"))
        assert st == 429 and 1 <= int(h["retry-after"]) <= 5
        assert json.loads(body)["error"] == "too_many_requests"
        # Other channels from the same address are not held up by it.
        assert s.post("/api/responses", response(channel="qr"))[0] == 201
        assert s.count("channel = 'kiosk'") == 3
    with Server(args=["--rate-limit", "off"]) as s:
        codes = {s.post("/api/responses", response(channel="kiosk"))[0] for _ in range(6)}
        assert codes == {201}


def test_etag_and_gzip_for_static_parts():
    import gzip
    with Server() as s:
        for path in ["/assets/app.js", "/assets/app.css", "/api/surveys/ouders", "/api/surveys"]:
            st, h, plain = s.get(path)
            assert st == 200 and re.match(r'^"[0-9a-f]{16}"$', h["etag"]), (path, h)
            assert h["vary"] == "Accept-Encoding" and "content-encoding" not in h
            st, h2, body = s.get(path, headers={"Accept-Encoding": "br, gzip;q=0.8"})
            assert st == 200 and h2["content-encoding"] == "gzip" and h2["etag"] == h["etag"]
            assert gzip.decompress(body) == plain and len(body) < len(plain)
            st, h3, body = s.get(path, headers={"If-None-Match": h["etag"]})
            assert st == 304 and body == b"", path
            st, _, _ = s.get(path, headers={"If-None-Match": '"0000000000000000"'})
            assert st == 200
            st, h4, _ = s.get(path, headers={"Accept-Encoding": "identity, gzipx"})
            assert "content-encoding" not in h4


def test_metrics_for_this_machine_or_a_key():
    import os
    import tempfile
    from kb import run_tool
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    db = os.path.join(tmp, "k.db")
    rc, out, err = run_tool("apikey", "add", "prom", "--role", "viewer", "--db", db)
    key = out.strip()
    import shutil
    try:
        _metrics_checks(tmp, db, key)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _metrics_checks(tmp, db, key):
    with Server(tmp=tmp, db=db, args=["--rate-limit", "off", "--trusted-proxy", "127.0.0.1"]) as s:
        for _ in range(3):
            assert s.post("/api/responses", response())[0] == 201
        assert s.post("/api/responses", "{", headers=JSON)[0] == 400
        st, h, body = s.get("/metrics")
        text = body.decode()
        assert st == 200 and h["content-type"].startswith("text/plain; version=0.0.4")
        assert "klankbord_responses_stored_total 3\n" in text
        assert 'klankbord_http_requests_total{method="POST",route="/api/responses",code="2xx"} 3' in text
        assert 'klankbord_http_requests_total{method="POST",route="/api/responses",code="4xx"} 1' in text
        assert re.search(r'klankbord_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+', text)
        assert re.search(r"klankbord_commits_total [1-9]", text)
        assert "127.0.0.1" not in text
        # From elsewhere (through the trusted proxy): only with a key.
        far = {"X-Forwarded-For": "203.0.113.9"}
        assert s.get("/metrics", headers=far)[0] == 403
        assert s.get("/metrics", headers=dict(far, Authorization="Bearer nope"))[0] == 403
        assert s.get("/metrics", headers=dict(far, Authorization="Bearer " + key))[0] == 200
