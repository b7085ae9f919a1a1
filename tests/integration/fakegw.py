"""A fake SMS gateway for tests: a real HTTP server on 127.0.0.1 that
records every request exactly and answers as told: ok, an HTTP error (with
headers such as Retry-After), a delay past the client's timeout, or a
dropped connection. Like real gateways it can deduplicate by the client's
reference.

With a dialect ("twilio", "cm", "messagebird", "generic") it checks each
request the way that provider would, from docs/sms-providers.md: method,
content type, authentication, field names and number format; what it
finds wrong goes into .violations, and it answers like that provider."""
import base64
import http.server
import json
import re
import secrets
import threading
import time
import urllib.parse


def _fields_twilio(rec, gw):
    v = []
    f = rec.get("form") or {}
    if rec["headers"].get("Content-Type", "") != "application/x-www-form-urlencoded":
        v.append("twilio: content type %r" % rec["headers"].get("Content-Type"))
    auth = rec["headers"].get("Authorization", "")
    if not auth.startswith("Basic ") or ":" not in base64.b64decode(auth[6:]).decode():
        v.append("twilio: no Basic auth with SID:TOKEN")
    if not re.fullmatch(r"\+316\d{8}", f.get("To", "")):
        v.append("twilio: To %r is not +316..." % f.get("To"))
    for k in ("From", "Body", "StatusCallback"):
        if not f.get(k):
            v.append("twilio: no %s" % k)
    if f.get("StatusCallback") and "/sms/status" not in f["StatusCallback"]:
        v.append("twilio: StatusCallback %r" % f["StatusCallback"])
    unknown = set(f) - {"To", "From", "Body", "StatusCallback", "MessagingServiceSid",
                        "ValidityPeriod"}
    if unknown:
        v.append("twilio: unknown fields %r" % sorted(unknown))
    return v


def _fields_cm(rec, gw):
    v = []
    if not rec["headers"].get("Content-Type", "").startswith("application/json"):
        v.append("cm: content type %r" % rec["headers"].get("Content-Type"))
    j = rec.get("json") or {}
    try:
        m = j["messages"]
        msg = m["msg"][0]
        token = rec["headers"].get("X-CM-PRODUCTTOKEN") or m["authentication"]["producttoken"]
        if not token:
            v.append("cm: no product token")
        if not re.fullmatch(r"00316\d{8}", msg["to"][0]["number"]):
            v.append("cm: number %r is not 00316..." % msg["to"][0]["number"])
        if msg["body"]["type"] not in ("auto", "AUTO") or not msg["body"]["content"]:
            v.append("cm: body")
        if not re.fullmatch(r"[0-9A-Za-z]{1,32}", msg.get("reference", "")):
            v.append("cm: reference %r" % msg.get("reference"))
        if not msg.get("from"):
            v.append("cm: no from")
    except (KeyError, IndexError, TypeError) as e:
        v.append("cm: shape: %r" % e)
    return v


def _fields_messagebird(rec, gw):
    v = []
    if not rec["headers"].get("Content-Type", "").startswith("application/json"):
        v.append("messagebird: content type %r" % rec["headers"].get("Content-Type"))
    if not rec["headers"].get("Authorization", "").startswith("AccessKey "):
        v.append("messagebird: no AccessKey")
    j = rec.get("json") or {}
    r = j.get("recipients") or []
    if len(r) != 1 or not re.fullmatch(r"316\d{8}", str(r[0])):
        v.append("messagebird: recipients %r are not [316...]" % r)
    for k in ("originator", "body", "reference", "reportUrl"):
        if not j.get(k):
            v.append("messagebird: no %s" % k)
    if j.get("datacoding") not in (None, "plain", "unicode", "auto"):
        v.append("messagebird: datacoding %r" % j.get("datacoding"))
    return v


def _fields_generic(rec, gw):
    v = []
    j = rec.get("json") or {}
    if not re.fullmatch(r"\+316\d{8}", j.get("to", "")):
        v.append("generic: to %r" % j.get("to"))
    for k in ("from", "message", "reference"):
        if not j.get(k):
            v.append("generic: no %s" % k)
    return v


CHECKS = {"twilio": _fields_twilio, "cm": _fields_cm,
          "messagebird": _fields_messagebird, "generic": _fields_generic}


def message_of(rec):
    """The SMS text of a recorded request, whatever the dialect."""
    if "form" in rec and rec["form"].get("Body"):
        return rec["form"]["Body"]
    j = rec.get("json") or {}
    if "messages" in j:
        return j["messages"]["msg"][0]["body"]["content"]
    return j.get("message") or j.get("body")


def reference_of(rec):
    """The client's reference of a recorded request ("" for Twilio)."""
    j = rec.get("json") or {}
    if "messages" in j:
        return j["messages"]["msg"][0].get("reference", "")
    return j.get("reference", "")


def number_of(rec):
    if "form" in rec and rec["form"].get("To"):
        return rec["form"]["To"]
    j = rec.get("json") or {}
    if "messages" in j:
        return j["messages"]["msg"][0]["to"][0]["number"]
    if "recipients" in j:
        return str(j["recipients"][0])
    return j.get("to")


class Gateway:
    def __init__(self, dialect=None):
        self.dialect = dialect
        self.requests = []          # dicts: path, headers, body, json/form
        self.plan = []              # per request: "ok", 500, (429, {"Retry-After": "2"}), "timeout", "drop"
        self.default = "ok"
        self.delay = 0.0
        self.lock = threading.Lock()
        self.accepted_refs = set()
        self.violations = []
        self.ids = []               # the provider ids it answered with
        self.counter = 0
        gw = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                with gw.lock:
                    gw.violations.append("GET %s: providers take messages by POST" % self.path)
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(n)
                rec = {"path": self.path, "headers": dict(self.headers), "raw": raw.decode("utf-8", "replace"),
                       "at": time.monotonic()}
                ctype = self.headers.get("Content-Type", "")
                if ctype.startswith("application/json"):
                    rec["json"] = json.loads(raw)
                else:
                    rec["form"] = dict(urllib.parse.parse_qsl(raw.decode()))
                with gw.lock:
                    gw.requests.append(rec)
                    action = gw.plan.pop(0) if gw.plan else gw.default
                    gw.counter += 1
                    if gw.dialect:
                        gw.violations += CHECKS[gw.dialect](rec, gw)
                if gw.delay:
                    time.sleep(gw.delay)
                if action == "drop":
                    self.close_connection = True
                    try:
                        self.connection.shutdown(2)
                    except OSError:
                        pass
                    return
                if action == "timeout":
                    time.sleep(4)
                    return
                headers = {}
                if isinstance(action, tuple):
                    action, headers = action
                status = 200 if action == "ok" else int(action)
                ref = reference_of(rec)
                if status == 200 and ref:
                    with gw.lock:
                        gw.accepted_refs.add(ref)
                status, body = gw._answer(status, rec, ref)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (a timeout, or it was killed)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/send" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _answer(self, status, rec, ref):
        """The status and body this provider answers with."""
        ok = status == 200
        with self.lock:
            ident = "gw-%d" % self.counter
        if self.dialect == "twilio":
            if ok:
                ident = "SM" + secrets.token_hex(16)
                body = {"sid": ident, "status": "queued", "to": (rec.get("form") or {}).get("To")}
                status = 201
            else:
                body = {"code": 20429 if status == 429 else 21211, "message": "refused",
                        "more_info": "https://www.twilio.com/docs/errors", "status": status}
        elif self.dialect == "cm":
            if ok:
                ident = ref
                body = {"details": "Created 1 message(s)", "errorCode": 0,
                        "messages": [{"to": number_of(rec), "status": "Accepted", "reference": ref,
                                      "parts": 1, "messageDetails": None, "messageErrorCode": 0}]}
            else:
                body = {"details": "refused", "errorCode": 303, "messages": []}
        elif self.dialect == "messagebird":
            if ok:
                ident = secrets.token_hex(16)
                body = {"id": ident, "href": "https://rest.messagebird.com/messages/" + ident,
                        "direction": "mt", "type": "sms", "reference": ref,
                        "recipients": {"totalCount": 1, "totalSentCount": 1, "items": [
                            {"recipient": int(number_of(rec)), "status": "sent"}]}}
                status = 201
            else:
                body = {"errors": [{"code": 9, "description": "refused", "parameter": None}]}
        else:
            body = {"id": ident, "sid": ident, "messages": [{"messageId": ident}]}
        if ok:
            with self.lock:
                self.ids.append(ident)
        return status, json.dumps(body).encode()

    def wait(self, n, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.requests) >= n:
                    return list(self.requests)
            time.sleep(0.05)
        with self.lock:
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
