#!/usr/bin/env python3
"""fake_gateway.py — a stand-in SMS gateway for `make bench`.

Listens on 127.0.0.1, port 0, and prints the port on stdout.  Every POST is
answered 200 {"id": "<counter>"} after 50 ms, as a slow real gateway would;
many requests are served at once, so only a sender that keeps several in
flight gets past 20 messages a second.  GET /count answers the number of
POSTs answered so far and the seconds from the arrival of the first to the
answer of the last, and the most it held at once ({"count": N, "seconds":
S, "peak_in_flight": P}), for the bench to poll.
Stops on SIGTERM or SIGINT and prints the final count on stderr.

    python3 bench/fake_gateway.py [--delay-ms 50]
"""
import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.n = 0
        self.first = None   # arrival of the first POST
        self.last = None    # answer of the last one
        self.inflight = 0
        self.peak = 0       # most POSTs held at once

    def arrived(self):
        with self.lock:
            if self.first is None:
                self.first = time.monotonic()
            self.inflight += 1
            self.peak = max(self.peak, self.inflight)

    def next(self):
        with self.lock:
            self.n += 1
            self.inflight -= 1
            self.last = time.monotonic()
            return self.n

    def value(self):
        with self.lock:
            secs = 0.0
            if self.first is not None and self.last is not None:
                secs = self.last - self.first
            return self.n, secs, self.peak


COUNT = Counter()
DELAY = 0.05


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in one write with TCP_NODELAY: two small
    # writes would meet the client's delayed ACK and add 40 ms to every
    # message, which is the gateway's latency, not the sender's.
    disable_nagle_algorithm = True

    def _send(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()

    def do_POST(self):
        COUNT.arrived()
        n = int(self.headers.get("Content-Length") or 0)
        if n > 0:
            self.rfile.read(n)
        time.sleep(DELAY)
        self._send(200, {"id": str(COUNT.next())})

    def do_GET(self):
        if self.path == "/count":
            n, secs, peak = COUNT.value()
            self._send(200, {"count": n, "seconds": round(secs, 4),
                             "peak_in_flight": peak})
        else:
            self._send(404, {"error": "not_found"})

    def log_message(self, fmt, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # A client that hangs up between requests is not news.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    global DELAY
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay-ms", type=int, default=50)
    a = ap.parse_args()
    DELAY = a.delay_ms / 1000.0
    srv = Server(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    srv.serve_forever()
    srv.server_close()
    print("fake_gateway: %d requests" % COUNT.value()[0], file=sys.stderr)


if __name__ == "__main__":
    main()
