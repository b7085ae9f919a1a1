"""Hostile requests against one real server: malformed and mistyped JSON,
injection strings in every field, invalid UTF-8, huge numbers, deep
nesting, path traversal, unknown methods, missing and duplicate fields,
oversized headers, forged cookies, CSRF tokens and Authorization headers.

Every case names the status it must get (a tuple where more than one is
right; None: the server may close the connection without an answer).
After all of them the database is exactly as before (only the audit rows
of the failed logins among the cases are new), the server still answers
/healthz, the team's sessions still work, and it stops with status 0.
Requests http.client will not send go through a raw socket."""
import base64
import http.client
import json
import os
import re
import shutil
import socket
import tempfile
import time
import urllib.parse
import uuid

from kb import Server, run_tool, db_query, response, OUDERS_VERSION, survey_version

PW = "correct horse battery"
CLOSED = None

SQLI = ["'; DROP TABLE responses; --", "\" OR 1=1 --", "ouders' OR '1'='1",
        "1; UPDATE users SET role='admin'"]
HTML = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
        "</script><script>alert(1)</script>"]


# ---------------------------------------------------------------- helpers

def _raw(port, data, timeout=10):
    """Sends bytes as they are; returns (status or None, headers, body)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    buf = b""
    try:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may answer and close before reading it all
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                d = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not d:
                break
            buf += d
            head, sep, rest = buf.partition(b"\r\n\r\n")
            m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
            if sep and m and len(rest) >= int(m.group(1)):
                break
    finally:
        s.close()
    head, sep, body = buf.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    if not m:
        return None, {}, b""
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    return int(m.group(1)), headers, body


def _req(method, target, headers=(), body=b"", version=b"HTTP/1.1"):
    """A raw request with Host and Connection: close added."""
    if isinstance(target, str):
        target = target.encode()
    if isinstance(method, str):
        method = method.encode()
    if isinstance(body, str):
        body = body.encode()
    lines = [method + b" " + target + b" " + version, b"Host: 127.0.0.1"]
    for k, v in headers:
        lines.append((k.encode() if isinstance(k, str) else k) + b": " +
                     (v.encode() if isinstance(v, str) else v))
    if body and not any(k.lower() in ("content-length", b"content-length",
                                      "transfer-encoding", b"transfer-encoding")
                        for k, v in headers):
        lines.append(b"Content-Length: %d" % len(body))
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _http(port, method, path, headers=None, body=None, timeout=20):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
    except (http.client.RemoteDisconnected, ConnectionResetError,
            BrokenPipeError):
        return None, {}, b""
    finally:
        c.close()


def _login(s, user, pw=PW):
    body = urllib.parse.urlencode({"user": user, "password": pw})
    st, h, data = s.post("/admin/login", body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert st == 303 and "set-cookie" in h, (st, data[:200])
    return h["set-cookie"].split(";")[0]


def _csrf(s, cookie):
    st, h, body = s.get("/admin/", headers={"Cookie": cookie})
    assert st == 200, st
    m = re.search(rb'name="csrf" value="([^"]+)"', body)
    assert m, body[:300]
    return m.group(1).decode()


def _snapshot(db):
    """Every table's rows, sorted; a session's last use is left out."""
    snap = {}
    for (t,) in db_query(db, "SELECT name FROM sqlite_master WHERE type = "
                         "'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        cols = [c[1] for c in db_query(db, 'PRAGMA table_info("%s")' % t)]
        if t == "sessions":
            cols = [c for c in cols if c != "seen"]
        rows = db_query(db, 'SELECT %s FROM "%s"' % (
            ", ".join('"%s"' % c for c in cols), t))
        snap[t] = sorted(rows, key=repr)
    return snap


def _post_json(obj):
    return dict(method="POST", path="/api/responses",
                headers={"Content-Type": "application/json"},
                body=obj if isinstance(obj, (bytes, str)) else json.dumps(obj))


def _resp(**over):
    """A valid ouders response, changed by over (None deletes a field)."""
    r = response()
    for k, v in over.items():
        if v is None:
            r.pop(k, None)
        else:
            r[k] = v
    return r


def _answers(**over):
    a = {"gehoord": 4, "cijfer": 8}
    a.update(over)
    return a


# ------------------------------------------------------------------ cases

def _cases(ctx):
    """(name, request, expected status, error code or None, extra)."""
    C = []

    def add(name, req, want, code=None, **extra):
        C.append((name, req, want, code, extra))

    P = lambda body: _post_json(body)  # noqa: E731

    # Malformed JSON.
    for name, body in [("empty body", ""), ("open brace", "{"),
                       ("null", "null"), ("array", "[]"), ("string", '"x"'),
                       ("number", "123"), ("cut off", '{"survey":'),
                       ("single quotes", "{'survey': 'ouders'}"),
                       ("trailing garbage", "{} x"),
                       ("comment", "/* */ {}"), ("NaN", '{"version": NaN}'),
                       ("Infinity", '{"version": Infinity}'),
                       ("byte order mark", b"\xef\xbb\xbf" + json.dumps(_resp()).encode()),
                       ("trailing comma", '{"survey": "ouders",}'),
                       ("unquoted key", '{survey: "ouders"}')]:
        add("json: " + name, P(body), 400, "bad_json")

    # Wrong types, every top-level field.
    for name, over, want, code, field in [
            ("survey number", dict(survey=1), 422, "invalid", "survey"),
            ("survey list", dict(survey=[]), 422, "invalid", "survey"),
            ("survey object", dict(survey={"id": "ouders"}), 422, "invalid", "survey"),
            ("version string", dict(version="1"), 422, "invalid", "version"),
            ("version real", dict(version=1.0), 422, "invalid", "version"),
            ("version true", dict(version=True), 422, "invalid", "version"),
            ("version 0", dict(version=0), 422, "unknown_version", "version"),
            ("version -1", dict(version=-1), 422, "unknown_version", "version"),
            ("channel number", dict(channel=1), 422, "invalid", "channel"),
            ("location list", dict(location=["overvecht"]), 422, "unknown_location", "location"),
            ("lang number", dict(lang=31), 422, "invalid", "lang"),
            ("submission_id number", dict(submission_id=12345678901), 422, "invalid", "submission_id"),
            ("answers string", dict(answers="gehoord=4"), 422, "invalid_answer", "answers"),
            ("answers list", dict(answers=[["gehoord", 4]]), 422, "invalid_answer", "answers"),
            ("smiley as string", dict(answers=_answers(gehoord="4")), 422, "invalid_answer", "gehoord"),
            ("smiley as bool", dict(answers=_answers(gehoord=True)), 422, "invalid_answer", "gehoord"),
            ("smiley in a list", dict(answers=_answers(gehoord=[4])), 422, "invalid_answer", "gehoord"),
            ("smiley as object", dict(answers=_answers(gehoord={"v": 4})), 422, "invalid_answer", "gehoord"),
            ("grade 0", dict(answers=_answers(cijfer=0)), 422, "invalid_answer", "cijfer"),
            ("grade 11", dict(answers=_answers(cijfer=11)), 422, "invalid_answer", "cijfer"),
            ("grade -1", dict(answers=_answers(cijfer=-1)), 422, "invalid_answer", "cijfer"),
            ("choice as number", dict(answers=_answers(hulpverleners=2)), 422, "invalid_answer", "hulpverleners"),
            ("choice as list", dict(answers=_answers(hulpverleners=["2"])), 422, "invalid_answer", "hulpverleners"),
            ("yesno as string", dict(answers=_answers(opnieuw_vertellen="true")), 422, "invalid_answer", "opnieuw_vertellen"),
            ("yesno as 1", dict(answers=_answers(opnieuw_vertellen=1)), 422, "invalid_answer", "opnieuw_vertellen"),
            ("text as number", dict(answers=_answers(beter_doen=5)), 422, "invalid_answer", "beter_doen"),
            ("text as list", dict(answers=_answers(beter_doen=["x"])), 422, "invalid_answer", "beter_doen"),
            ("scale as real", dict(answers=_answers(aanbevelen=9.5)), 422, "invalid_answer", "aanbevelen")]:
        add("type: " + name, P(_resp(**over)), want, code, field=field)

    # SQL and HTML injection in every field that is not free text.
    for i, evil in enumerate(SQLI + HTML):
        add("inject survey %d" % i, P(_resp(survey=evil)), 404, "unknown_survey", field="survey")
        add("inject channel %d" % i, P(_resp(channel=evil)), 422, "invalid", field="channel")
        add("inject location %d" % i, P(_resp(location=evil)), 422, "unknown_location", field="location")
        add("inject lang %d" % i, P(_resp(lang=evil)), 422, "invalid", field="lang")
        add("inject submission_id %d" % i, P(_resp(submission_id=evil)), 422, "invalid", field="submission_id")
        add("inject choice %d" % i, P(_resp(answers=_answers(hulpverleners=evil))), 422, "invalid_answer", field="hulpverleners")
        add("inject question id %d" % i, P(_resp(answers=_answers(**{evil: 1}))), 422, "invalid_answer", field="answers")
        add("inject field name %d" % i, P(dict(_resp(), **{evil: 1})), 422, "unknown_field")
        # In free text it is ordinary data; with a missing required answer
        # nothing is stored.
        add("inject text, no grade %d" % i, P(_resp(answers={"gehoord": 4, "beter_doen": evil})),
            422, "invalid_answer", field="cijfer")
    add("inject token", P(_resp(token=SQLI[0])), 422, "invalid", field="token")

    # Invalid UTF-8, raw and escaped.
    body = json.dumps(_resp(answers=_answers(beter_doen="XX"))).encode()
    for name, bad in [("0xff", b"\xff"), ("overlong slash", b"\xc0\xaf"),
                      ("encoded surrogate", b"\xed\xa0\x80"), ("cut short", b"\xe2\x82"),
                      ("lone continuation", b"\x80")]:
        add("utf-8 text " + name, P(body.replace(b"XX", bad)), 400, "bad_json")
    add("utf-8 in a key", P(b'{"\xff": 1}'), 400, "bad_json")
    add("utf-8 lone surrogate escape", P(json.dumps(_resp()).replace('"Sneller', '"\\udc00Sneller')), 400, "bad_json")
    add("utf-8 escaped NUL", P(json.dumps(_resp(lang="nl\u0000"))), 400, "bad_json")
    add("utf-8 raw NUL in string", P(json.dumps(_resp()).encode().replace(b"Sneller", b"Sne\x00ller")), 400, "bad_json")
    # A survey id cut inside a character in the message: still an answer.
    add("utf-8 cut in message", P(_resp(survey="x" + "\u00e9" * 40)), 404, "unknown_survey")

    # Huge numbers.
    for name, text in [("version 2^63", '9223372036854775808'), ("version 1e400", "1e400"),
                       ("version -2^63-1", "-9223372036854775809")]:
        add("huge " + name, P(json.dumps(_resp()).replace('"version": %d' % OUDERS_VERSION, '"version": ' + text)), 400, "bad_json")
    add("huge grade int64", P(_resp(answers=_answers(cijfer=2 ** 63 - 1))), 422, "invalid_answer", field="cijfer")
    add("huge grade 1e300", P(_resp(answers=_answers(cijfer=1e300))), 422, "invalid_answer", field="cijfer")
    add("huge version int64", P(_resp(version=2 ** 63 - 1)), 422, "unknown_version", field="version")

    # Deep nesting.
    add("deep 60000 brackets", P("[" * 60000), 400, "bad_json")
    add("deep answer 3000", P('{"survey":"ouders","answers":{"gehoord":' + "[" * 3000 + "]" * 3000 + "}}"), 400, "bad_json")
    add("deep answer 500", P(json.dumps(_resp()).replace('"gehoord": 4', '"gehoord": ' + "[" * 500 + "]" * 500)),
        422, "invalid_answer", field="gehoord")
    add("deep objects", P('{"x":' * 3000 + "1" + "}" * 3000), 400, "bad_json")
    add("deep unknown field", P(dict(_resp(), extra=json.loads("[" * 100 + "]" * 100))), 422, "unknown_field")

    # Missing and duplicate fields.
    for f, code in [("survey", "invalid"), ("version", "invalid"), ("channel", "invalid"),
                    ("location", "unknown_location"), ("submission_id", "invalid"),
                    ("answers", "invalid_answer")]:
        field = "answers" if f == "answers" else f
        add("missing " + f, P(_resp(**{f: None})), 422, code, field=field)
    add("missing everything", P("{}"), 422, "invalid", field="survey")
    add("duplicate survey", P('{"survey": "ouders", "survey": "jongeren"}'), 400, "bad_json")
    add("duplicate version", P(json.dumps(_resp()).replace('"version": %d' % OUDERS_VERSION, '"version": 1, "version": 1')), 400, "bad_json")
    add("duplicate answer", P(json.dumps(_resp()).replace('"gehoord": 4', '"gehoord": 4, "gehoord": 5')), 400, "bad_json")
    add("duplicate multi option", P(_resp(survey="participatie", version=survey_version("participatie"), answers={"meedenken": True, "manieren": ["gesprek", "gesprek"]})),
        422, "invalid_answer", field="manieren")
    add("hidden question answered", P(_resp(answers=_answers(opnieuw_vertellen=False, hoe_vaak="1"))),
        422, "invalid_answer", field="hoe_vaak")
    add("sms without token", P(_resp(channel="sms")), 422, "invalid", field="token")

    # Path traversal.
    for path in ["/assets/../surveys/ouders.json", "/assets/%2e%2e/%2e%2e/etc/passwd",
                 "/assets/%2e%2e%2fMakefile", "/assets/..%2f..%2fsurveys%2flocations.json",
                 "/assets/..\\..\\Makefile", "/assets/..%5c..%5cMakefile",
                 "/assets//app.js", "/assets/", "/assets/app.js/", "//assets/app.js",
                 "/assets/./app.js", "/assets/APP.JS", "/assets/app.html",
                 "/assets/app.js%00.html", "/assets/%00", "/assets/%2fetc%2fpasswd",
                 "/s/../admin/", "/s/%2e%2e%2fadmin%2f?loc=overvecht",
                 "/s/..?loc=overvecht", "/s/ouders%00?loc=overvecht",
                 "/s/ouders%2f..?loc=overvecht", "/s/ouders?loc=..%2f..%2fetc%2fpasswd",
                 "/s/ouders?loc=overvecht%00x", "/s/ouders?loc=overvecht/../vechtzoom",
                 "/s/ouders\\..\\jongeren?loc=overvecht",
                 "/kiosk/..%2f..%2fetc%2fpasswd?survey=jongeren", "/kiosk/overvecht\\..\\..?survey=jongeren",
                 "/kiosk/overvecht?survey=..%2fouders", "/kiosk/overvecht%00?survey=jongeren",
                 "/kiosk/overvecht?survey=jongeren%00", "/kiosk//overvecht?survey=jongeren",
                 "/i/..%2f..%2fetc%2fpasswd", "/api/surveys/..%2flocations",
                 "/api/surveys/locations", "/api/surveys/%2e%2e",
                 "/admin/../healthz", "/admin/%2e%2e/healthz"]:
        add("traversal " + path, dict(raw=_req("GET", path)), 404,
            absent=[b"root:x:0:0", b'"locations"', b"CC ", b"SRC_LIB"])

    # Unknown methods, on routes that exist (405) and on nothing (404).
    for method in ["PUT", "DELETE", "PATCH", "TRACE", "OPTIONS", "PROPFIND",
                   "CONNECT", "get", "FOO"]:
        add("method %s /api/responses" % method,
            dict(raw=_req(method, "/api/responses", body=json.dumps(_resp()))), 405, "method_not_allowed")
    add("method PUT /admin/yousaid", dict(raw=_req("PUT", "/admin/yousaid", body="x")), 405, "method_not_allowed")
    add("method DELETE /assets/app.js", dict(raw=_req("DELETE", "/assets/app.js")), 405, "method_not_allowed")
    add("method HEAD on POST-only", dict(raw=_req("HEAD", "/api/responses")), 405, head=True)
    add("method TRACE /", dict(raw=_req("TRACE", "/")), 405, "method_not_allowed")  # GET / is a page
    add("method TRACE /nothing", dict(raw=_req("TRACE", "/nothing")), 404, "not_found")
    add("method OPTIONS *", dict(raw=_req("OPTIONS", "*")), (400, 404))

    # Malformed HTTP.
    add("http garbage line", dict(raw=b"GARBAGE\r\n\r\n"), (400, CLOSED))
    add("http version 9.9", dict(raw=_req("GET", "/healthz", version=b"HTTP/9.9")), (400, 505))
    add("http header without colon", dict(raw=_req("GET", "/healthz", [("NoColon", "")]).replace(b"NoColon: ", b"NoColon")), (400, CLOSED))
    add("http two content-lengths", dict(raw=_req("POST", "/api/responses",
        [("Content-Length", "2"), ("Content-Length", "5")], body="{}")), (400, CLOSED))
    add("http content-length and chunked", dict(raw=_req("POST", "/api/responses",
        [("Content-Length", "2"), ("Transfer-Encoding", "chunked")], body="0\r\n\r\n")), (400, CLOSED))
    add("http negative content-length", dict(raw=_req("POST", "/api/responses", [("Content-Length", "-1")])), (400, CLOSED))
    add("http content-length overflow", dict(raw=_req("POST", "/api/responses",
        [("Content-Length", "99999999999999999999999")])), (400, 413, CLOSED))
    add("http bad chunk size", dict(raw=_req("POST", "/api/responses",
        [("Transfer-Encoding", "chunked")], body="zz\r\n")), (400, CLOSED))
    add("http absolute URI", dict(raw=_req("GET", "http://evil.example/healthz")), (200, 400, 404))

    # Oversized headers and URLs: refused or closed, never a crash.
    add("header 100 KB", dict(raw=_req("GET", "/healthz", [("X-Big", "a" * 100 * 1024)])), (431, 400, CLOSED))
    add("cookie 100 KB", dict(raw=_req("GET", "/admin/", [("Cookie", "kb_session=" + "a" * 100 * 1024)])), (431, 400, CLOSED))
    add("1000 headers", dict(raw=_req("GET", "/healthz", [("X-H%d" % i, "v" * 90) for i in range(1000)])), (431, 400, CLOSED))
    add("URL 100 KB", dict(raw=_req("GET", "/s/" + "a" * 100 * 1024 + "?loc=overvecht")), (414, 431, 400, CLOSED))
    add("query 100 KB", dict(raw=_req("GET", "/s/ouders?loc=" + "a" * 100 * 1024)), (414, 431, 400, CLOSED))

    # Forged cookies: nobody (a page answers 303 to the login, the API 401).
    real = ctx["cookie"].split("=", 1)[1]
    forged = ["garbage", "A" * 43, "A" * 10240, "\"';--<>", "", "%00", "../../etc/passwd",
              real + "A", real[:-1] + ("A" if real[-1] != "A" else "B"), real.swapcase(),
              "' OR '1'='1' --" + "x" * 28]
    for i, v in enumerate(forged):
        add("cookie page %d" % i, dict(raw=_req("GET", "/admin/", [("Cookie", "kb_session=" + v)])), 303, "login_required")
        add("cookie api %d" % i, dict(raw=_req("GET", "/admin/api/whoami", [("Cookie", "kb_session=" + v)])), 401, "unauthorized")
    add("cookie without value", dict(raw=_req("GET", "/admin/", [("Cookie", "kb_session")])), 303)
    add("cookie other name", dict(raw=_req("GET", "/admin/", [("Cookie", "session=" + real)])), 303)
    add("cookie junk around", dict(raw=_req("GET", "/admin/", [("Cookie", "=;;;=; kb_session=\"';--<>")])), 303)
    add("cookie forged first", dict(raw=_req("GET", "/admin/", [("Cookie", "kb_session=garbage; " + ctx["cookie"])])), (303, 200))
    add("cookie on logout", dict(raw=_req("POST", "/admin/logout", [("Cookie", "kb_session=" + "A" * 43),
        ("Content-Type", "application/x-www-form-urlencoded")], body="csrf=" + ctx["csrf_b"])), 303, "login_required")

    # Forged CSRF tokens with a real session (session B): 403, still logged in.
    b_cookie, b_csrf, a_csrf = ctx["cookie_b"], ctx["csrf_b"], ctx["csrf"]
    form = [("Cookie", b_cookie), ("Content-Type", "application/x-www-form-urlencoded")]
    for name, headers, body in [
            ("none", form, ""),
            ("garbage", form, "csrf=garbage"),
            ("one more char", form, "csrf=" + b_csrf + "x"),
            ("one char less", form, "csrf=" + b_csrf[:-1]),
            ("other case", form, "csrf=" + b_csrf.swapcase()),
            ("other session's", form, "csrf=" + a_csrf),
            ("empty", form, "csrf="),
            ("NUL after", form, "csrf=" + b_csrf + "%00"),
            ("forged first", form, "csrf=garbage&csrf=" + b_csrf),
            ("wrong header, right form", form + [("X-CSRF-Token", "garbage")], "csrf=" + b_csrf),
            ("in the query", form, ""),
            ("as JSON", [("Cookie", b_cookie), ("Content-Type", "application/json")], json.dumps({"csrf": b_csrf})),
            ("10 KB", form, "csrf=" + "A" * 10240),
            ("SQL", form, "csrf=" + urllib.parse.quote(SQLI[1]))]:
        path = "/admin/logout" + ("?csrf=" + b_csrf if name == "in the query" else "")
        add("csrf logout " + name, dict(raw=_req("POST", path, headers, body)), 403, "csrf", keeps_b=True)
    for name, headers, body in [
            ("none", form, "survey=ouders&loc=&nl=" + urllib.parse.quote(HTML[0])),
            ("garbage", form, "csrf=garbage&survey=ouders&loc=&nl=hacked"),
            ("other session's", form, "csrf=" + a_csrf + "&survey=ouders&loc=&nl=hacked"),
            ("wrong header", form + [("X-CSRF-Token", b_csrf + "x")], "csrf=" + b_csrf + "&survey=ouders&loc=&nl=hacked"),
            ("no cookie", [("Content-Type", "application/x-www-form-urlencoded")], "csrf=" + b_csrf + "&survey=ouders&loc=&nl=hacked")]:
        want, code = (303, "login_required") if name == "no cookie" else (403, "csrf")
        add("csrf yousaid " + name, dict(raw=_req("POST", "/admin/yousaid", headers, body)), want, code, keeps_b=True)
    # The right token with hostile fields: refused, nothing saved.
    a_form = [("Cookie", ctx["cookie"]), ("Content-Type", "application/x-www-form-urlencoded")]
    for name, body in [("survey", "survey=" + urllib.parse.quote(SQLI[0]) + "&loc=&nl=x"),
                       ("loc", "survey=ouders&loc=" + urllib.parse.quote(HTML[1]) + "&nl=x"),
                       ("loc traversal", "survey=ouders&loc=..%2f..&nl=x"),
                       ("text too long", "survey=ouders&loc=&nl=" + "x" * 1001)]:
        add("yousaid bad " + name, dict(raw=_req("POST", "/admin/yousaid", a_form, "csrf=" + a_csrf + "&" + body)),
            422, absent=[b"<img src=x", b"<script>alert"])

    # Bogus Authorization headers on an API route (401) and a page (401).
    key = ctx["key"]
    for name, value in [("bearer 10 KB", "Bearer " + "A" * 10240), ("bearer no space", "Bearer"),
                        ("bearer empty", "Bearer "), ("empty", ""),
                        ("basic with the password", "Basic " + base64.b64encode(("ann:" + PW).encode()).decode()),
                        ("digest", 'Digest username="ann", realm="x"'),
                        ("bearer SQL", "Bearer " + SQLI[1]), ("bearer HTML", "Bearer " + HTML[0]),
                        ("bearer session token", "Bearer " + real),
                        ("bearer key plus one", "Bearer " + key + "x"),
                        ("bearer key minus one", "Bearer " + key[:-1]),
                        ("bearer revoked key", "Bearer " + ctx["revoked"]),
                        ("bearer key twice", "Bearer " + key + " " + key),
                        ("bearer lowercase scheme", "bearer " + SQLI[0])]:
        add("authz api " + name, dict(raw=_req("GET", "/admin/api/whoami", [("Authorization", value)])),
            401, "unauthorized")
    add("authz key on a page", dict(raw=_req("GET", "/admin/", [("Authorization", "Bearer " + key)])), 401, "unauthorized")
    add("authz bogus beats cookie", dict(raw=_req("GET", "/admin/api/whoami",
        [("Authorization", "Bearer nonsense"), ("Cookie", ctx["cookie"])])), 401, "unauthorized")
    add("authz invitations bogus", dict(raw=_req("POST", "/admin/api/invitations",
        [("Authorization", "Bearer " + SQLI[0]), ("Content-Type", "application/json")],
        json.dumps({"phone": "+31612345678", "survey": "ouders", "location": "overvecht"}))), 401, "unauthorized")
    add("authz invitations viewer", dict(raw=_req("POST", "/admin/api/invitations",
        [("Authorization", "Bearer " + key), ("Content-Type", "application/json")],
        json.dumps({"phone": "+31612345678", "survey": "ouders", "location": "overvecht"}))), 403, "forbidden")
    add("authz two headers", dict(raw=_req("GET", "/admin/api/whoami",
        [("Authorization", "Bearer nonsense"), ("Authorization", "Bearer " + key)])), 401, "unauthorized")

    # Injection in the query strings of the team's API (API key) and pages
    # (session): refused, and what is echoed stays inside JSON or escaped.
    q = urllib.parse.quote
    bearer = [("Authorization", "Bearer " + key)]
    for name, path, want, code in [
            ("stats survey", "/admin/api/stats?survey=" + q(SQLI[0]), 404, "not_found"),
            ("stats from", "/admin/api/stats?survey=ouders&from=" + q(SQLI[1]), 422, "invalid"),
            ("stats to", "/admin/api/stats?survey=ouders&to=2026-13", 422, "invalid"),
            ("stats from after to", "/admin/api/stats?survey=ouders&from=2026-05&to=2026-01", 422, "invalid"),
            ("stats year 99999", "/admin/api/stats?survey=ouders&from=99999-01", 422, "invalid"),
            ("stats interval", "/admin/api/stats?survey=ouders&interval=" + q(HTML[0]), 422, "invalid"),
            ("stats by", "/admin/api/stats?survey=ouders&by=" + q(SQLI[2]), 422, "invalid"),
            ("stats loc", "/admin/api/stats?survey=ouders&loc=" + q(SQLI[0]), 404, "not_found"),
            ("export survey", "/admin/export.csv?survey=" + q(HTML[0]), 404, "not_found"),
            ("export dialect", "/admin/export.csv?survey=ouders&dialect=" + q(SQLI[0]), 422, "invalid"),
            ("qr loc", "/admin/qr.svg?survey=ouders&loc=" + q(HTML[1]), 404, "not_found"),
            ("qr survey", "/admin/qr.svg?survey=" + q(SQLI[0]) + "&loc=overvecht", 404, "not_found"),
            ("qr lang", "/admin/qr.svg?survey=ouders&loc=overvecht&lang=" + q(HTML[0]), 422, "invalid"),
            ("qr size huge", "/admin/qr.png?survey=ouders&loc=overvecht&size=99999999999999999999", 422, "invalid"),
            ("qr size negative", "/admin/qr.png?survey=ouders&loc=overvecht&size=-1", 422, "invalid"),
            ("survey api", "/api/surveys/" + q(SQLI[0]), 404, "unknown_survey")]:
        add("query " + name, dict(raw=_req("GET", path, bearer)), want, code)
    session = [("Cookie", ctx["cookie"])]
    for name, path, want in [
            ("dashboard survey", "/admin/?survey=" + q(HTML[0]), 404),
            ("dashboard from", "/admin/?survey=ouders&from=" + q(HTML[1]), 422),
            ("dashboard loc", "/admin/?survey=ouders&loc=" + q(HTML[2]), 404),
            ("poster loc", "/admin/poster?survey=ouders&loc=" + q(HTML[0]), 404),
            ("phone page lang", "/s/ouders?loc=overvecht&lang=" + q(HTML[2]), 200),
            ("kiosk page lang", "/kiosk/overvecht?survey=jongeren&lang=" + q(HTML[1]), 200),
            ("phone page survey", "/s/" + q(HTML[0]) + "?loc=overvecht", 404)]:
        add("query " + name, dict(raw=_req("GET", path, session)), want,
            absent=[b"<script>alert", b"<img src=x", b"</script><script>"])

    # Hostile logins: refused; a failed one leaves one audit row naming
    # exactly what was typed as the name.
    for name, user, pw, want in [("sql name", SQLI[0], PW, 401), ("html name", HTML[0], PW, 401),
                                 ("sql password", "ann", "' OR '1'='1", 401),
                                 ("long name", "a" * 64, PW, 400), ("NUL name", "ann\x00", PW, 400),
                                 ("no password", "ann", None, 400)]:
        fields = {"user": user}
        if pw is not None:
            fields["password"] = pw
        body = urllib.parse.urlencode(fields)
        add("login " + name, dict(raw=_req("POST", "/admin/login",
            [("Content-Type", "application/x-www-form-urlencoded")], body)), want,
            audit=(user if want == 401 else None), absent=[b"<script>alert"])
    return C


def _check_error_body(name, status, headers, body, code, extra):
    ctype = headers.get("content-type", "")
    if extra.get("head"):
        assert body == b"", (name, body[:100])
        return
    if status is not None and status >= 400 and ctype.startswith("application/json"):
        e = json.loads(body)
        assert isinstance(e.get("error"), str) and e["error"], (name, body[:300])
        assert isinstance(e.get("message"), str) and e["message"], (name, body[:300])
        if code is not None:
            assert e["error"] == code, (name, e)
        if extra.get("field") is not None:
            assert e.get("field") == extra["field"], (name, e)
    elif code is not None and status not in (None, 303, 401) and status >= 400:
        raise AssertionError("%s: wanted a JSON error %s, got %s %r" % (name, code, ctype, body[:200]))
    elif code is not None and status in (303, 401) and ctype.startswith("application/json"):
        assert json.loads(body).get("error") == code, (name, body[:200])
    # Echoed input is harmless inside JSON (served with nosniff); anywhere
    # else it must not appear as markup.
    if not ctype.startswith("application/json"):
        for bad in extra.get("absent", []):
            assert bad not in body, (name, bad, body[:300])
    else:
        assert headers.get("x-content-type-options") == "nosniff", (name, headers)
    if status == 405:
        assert "allow" in headers, (name, headers)


# ------------------------------------------------------------------- test

def test_hostile_requests_change_nothing():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        db = os.path.join(tmp, "k.db")
        assert run_tool("user", "add", "ann", "--role", "admin", "--db", db, stdin=PW + "\n")[0] == 0
        rc, out, err = run_tool("apikey", "add", "cms", "--role", "viewer", "--db", db)
        assert rc == 0, err
        key = out.strip()
        rc, out, err = run_tool("apikey", "add", "old", "--role", "viewer", "--db", db)
        revoked = out.strip()
        assert run_tool("apikey", "revoke", "old", "--db", db)[0] == 0
        with Server(tmp=tmp, db=db, args=["--rate-limit", "off", "--anonymity-k", "3"]) as s:
            # Ordinary data first, some of it with hostile text in it: text
            # is data, stored as sent and shown escaped.
            evil = [SQLI[0], HTML[0], HTML[1], HTML[2], SQLI[2]]
            for text in evil:
                st, _, body = s.post("/api/responses", _resp(answers=_answers(beter_doen=text)))
                assert st == 201, body
            stored = [json.loads(a)["beter_doen"] for (a,) in
                      db_query(db, "SELECT answers FROM acked")]
            assert sorted(stored) == sorted(evil), stored
            cookie = _login(s, "ann")
            csrf = _csrf(s, cookie)
            cookie_b = _login(s, "ann")
            csrf_b = _csrf(s, cookie_b)
            st, _, body = s.post("/admin/yousaid", "csrf=%s&survey=ouders&loc=&nl=%s&en=%s" % (
                csrf, urllib.parse.quote(HTML[2]), urllib.parse.quote(SQLI[0])),
                headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            assert st == 200, body[:300]
            # The same texts in a closed month, where comments are shown.
            seed = os.path.join(tmp, "evil.jsonl")
            with open(seed, "w") as f:
                for text in evil:
                    r = _resp(answers=_answers(beter_doen=text))
                    r["week"] = "2025-W07"
                    f.write(json.dumps(r) + "\n")
            rc, out, err = run_tool("import", "--db", db, "--surveys", s.surveys, seed)
            assert rc == 0, err
            st, _, page = s.get("/admin/?survey=ouders&from=2025-02&to=2025-02",
                                headers={"Cookie": cookie})
            assert st == 200 and b"<script>alert" not in page and b"<img src=x" not in page
            assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page, "comments not shown escaped"
            st, _, page = s.get("/admin/yousaid", headers={"Cookie": cookie})
            assert st == 200 and b"<script>alert" not in page
            st, _, page = s.get("/s/ouders?loc=overvecht")
            cfg = page.split(b'id="kb-config">', 1)[1].split(b"</script>", 1)[0]
            assert b"<" not in cfg and json.loads(cfg)["you_said"]["nl"] == HTML[2], cfg[:300]

            ctx = dict(cookie=cookie, csrf=csrf, cookie_b=cookie_b, csrf_b=csrf_b,
                       key=key, revoked=revoked)
            cases = _cases(ctx)
            assert len(cases) >= 100, len(cases)
            names = [c[0] for c in cases]
            assert len(set(names)) == len(names), "case names must be unique"

            before = _snapshot(db)
            audit_before = db_query(db, "SELECT id, actor, action, detail FROM audit ORDER BY id")
            want_audit = []
            t0 = time.monotonic()
            failures = []
            for name, req, want, code, extra in cases:
                if "raw" in req:
                    st, h, body = _raw(s.port, req["raw"])
                else:
                    st, h, body = _http(s.port, req["method"], req["path"],
                                        req.get("headers"), req.get("body"))
                assert s.proc.poll() is None, "server died on case %r:\n%s" % (
                    name, "\n".join(s.log[-30:]))
                if extra.get("audit") is not None and st == 401:
                    want_audit.append((extra["audit"], "login failed", ""))
                # Every case is checked; all failures are listed at the end.
                try:
                    wants = want if isinstance(want, tuple) else (want,)
                    assert st in wants, "status %s, wanted %s: %r" % (
                        st, want, body[:200])
                    _check_error_body(name, st, h, body, code, extra)
                    if extra.get("keeps_b"):
                        assert s.get("/admin/", headers={"Cookie": cookie_b})[0] == 200, \
                            "it ended session B"
                except AssertionError as e:
                    failures.append("%s: %s" % (name, e))
                assert s.get("/healthz")[:3:2] == (200, b"ok"), "case %r" % name
            assert not failures, "%d of %d cases failed:\n  %s" % (
                len(failures), len(cases), "\n  ".join(failures))
            assert time.monotonic() - t0 < 90, "the hostile cases took too long"

            # Nothing changed but the failed logins' audit rows.
            after = _snapshot(db)
            audit_after = db_query(db, "SELECT id, actor, action, detail FROM audit ORDER BY id")
            assert audit_after[:len(audit_before)] == audit_before
            # Views of results are audited too (NEN 7513); they change nothing.
            new = [tuple(r[1:]) for r in audit_after[len(audit_before):]
                   if not r[2].startswith("view ")]
            assert new == want_audit, new
            before.pop("audit")
            after.pop("audit")
            for table in sorted(set(before) | set(after)):
                assert before.get(table) == after.get(table), "table %s changed" % table
            assert s.get("/healthz")[:3:2] == (200, b"ok")
            assert s.get("/admin/", headers={"Cookie": cookie})[0] == 200
            assert s.get("/admin/", headers={"Cookie": cookie_b})[0] == 200
            assert s.get("/admin/api/whoami", headers={"Authorization": "Bearer " + key})[0] == 200
            st, _, body = s.post("/api/responses", response())
            assert st == 201, body
            rc = s.stop()
            assert rc == 0, "exit status %s:\n%s" % (rc, "\n".join(s.log[-20:]))
        # The respondents' and team's secrets never reached the log.
        secrets = [cookie.split("=", 1)[1], cookie_b.split("=", 1)[1], csrf, csrf_b, key]
        for line in s.log:
            assert not any(x in line for x in secrets), line
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_free_text_is_redacted_whatever_follows():
    """A phone number, BSN or e-mail address never reaches the database,
    whatever is written right after it (found by tests/fuzz/fuzz_redact)."""
    texts = ["Bel me op 0612345678 2x per week.",
             "Mijn nummer: 06-12345678 2e lijn",
             "bsn 123456782 1x gebeld",
             "Mail jan@example.nl+piet@example.nl",
             "jan@example.nl_piet@example.nl",
             "0612345678 1234jan@example.nl"]
    with Server(args=["--rate-limit", "off"]) as s:
        for t in texts:
            st, _, body = s.post("/api/responses", _resp(answers=_answers(beter_doen=t)))
            assert st == 201, body
        leaks = []
        for (a,) in db_query(s.db, "SELECT answers FROM acked"):
            t = json.loads(a)["beter_doen"]
            if re.search(r"\d{9}|\d{2}-\d{8}|@example\.nl", t):
                leaks.append(t)
        assert not leaks, "stored unredacted: %r" % leaks
