"""Connection limits: the per-address cap closes the connection over it and
keeps serving the others."""
import socket
import time

from kb import Server


def _get(sock):
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        return b""
    data = b""
    sock.settimeout(5)
    try:
        while b"\r\n\r\nok" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def test_connections_per_address():
    with Server(args=["--connections-per-address", "4"]) as s:
        socks = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(4)]
        for c in socks:
            assert _get(c).startswith(b"HTTP/1.1 200"), "keep-alive connection refused"
        extra = socket.create_connection(("127.0.0.1", s.port))
        assert _get(extra) == b"", "a fifth connection from one address was served"
        extra.close()
        # The four still work, and a slot freed is a slot to use.
        assert _get(socks[0]).startswith(b"HTTP/1.1 200")
        socks.pop().close()
        time.sleep(0.3)
        again = socket.create_connection(("127.0.0.1", s.port))
        assert _get(again).startswith(b"HTTP/1.1 200")
        again.close()
        for c in socks:
            c.close()
    with Server() as s:  # the default: no limit (a reverse proxy is one address)
        socks = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(40)]
        for c in socks:
            assert _get(c).startswith(b"HTTP/1.1 200")
            c.close()
