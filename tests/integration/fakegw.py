"""A fake SMS gateway for tests: a real HTTP server on 127.0.0.1 that
records every request exactly and answers as told: ok, an HTTP error, a
delay past the client's timeout, or a dropped connection. Like real
gateways it can deduplicate by the client's reference."""
import http.server
import json
import threading
import time
import urllib.parse


class Gateway:
    def __init__(self):
        self.requests = []          # dicts: path, headers, body, json/form
        self.plan = []              # per request: "ok", 500, 400, "timeout", "drop"
        self.default = "ok"
        self.delay = 0.0
        self.lock = threading.Lock()
        self.accepted_refs = set()
        self.counter = 0
        gw = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(n)
                rec = {"path": self.path, "headers": dict(self.headers), "raw": raw.decode("utf-8", "replace")}
                ctype = self.headers.get("Content-Type", "")
                if ctype.startswith("application/json"):
                    rec["json"] = json.loads(raw)
                else:
                    rec["form"] = dict(urllib.parse.parse_qsl(raw.decode()))
                with gw.lock:
                    gw.requests.append(rec)
                    action = gw.plan.pop(0) if gw.plan else gw.default
                    gw.counter += 1
                    ident = "gw-%d" % gw.counter
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
                status = 200 if action == "ok" else int(action)
                if status == 200:
                    ref = (rec.get("json") or {}).get("reference") or gw._cm_ref(rec)
                    with gw.lock:
                        if ref:
                            gw.accepted_refs.add(ref)
                body = json.dumps({"id": ident, "sid": ident,
                                   "messages": [{"messageId": ident}]}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
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

    @staticmethod
    def _cm_ref(rec):
        try:
            return rec["json"]["messages"]["msg"][0]["reference"]
        except (KeyError, TypeError, IndexError):
            return None

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
