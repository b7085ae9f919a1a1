"""HTTPS through libmicrohttpd's GnuTLS support, with a self-signed
certificate made by the test."""
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import http.client

from kb import Server, response


def test_https_with_self_signed_certificate():
    tmp = tempfile.mkdtemp(prefix="kb-it-")
    try:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        s = Server(tmp=tmp, args=["--tls-cert", cert, "--tls-key", key])
        s.start()
        try:
            assert any("listening on https://127.0.0.1:" in l for l in s.log), s.log
            ctx = ssl.create_default_context(cafile=cert)
            ctx.check_hostname = False
            c = http.client.HTTPSConnection("127.0.0.1", s.port, context=ctx, timeout=20)
            c.request("GET", "/healthz")
            r = c.getresponse()
            assert (r.status, r.read()) == (200, b"ok")
            assert r.getheader("Strict-Transport-Security").startswith("max-age=")
            c.request("POST", "/api/responses", body=json.dumps(response()),
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            assert r.status == 201, r.read()
            r.read()
            c.close()
            # Plain HTTP to the TLS port gets nothing useful.
            p = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
            try:
                p.request("GET", "/healthz")
                assert p.getresponse().status != 200
            except (http.client.HTTPException, OSError):
                pass
        finally:
            assert s.stop() == 0
        # A missing key file stops the start with a message.
        s = Server(tmp=tmp, args=["--tls-cert", cert, "--tls-key", key + ".missing"])
        assert s.start(expect_fail=True) == 1
        assert any("key.pem.missing" in l for l in s.log), s.log
        s = Server(tmp=tmp, args=["--tls-cert", cert])
        assert s.start(expect_fail=True) == 1
        assert any("go together" in l for l in s.log), s.log
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
