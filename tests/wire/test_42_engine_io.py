"""Engine.IO v4 over HTTP long-polling, raw (issue 4): the spec's 400 bodies,
malformed payloads, maxPayload, a cancelled poll, CORS. Runs against
hearth-sio-testserver (HEARTH_SIO_TESTSERVER), whose /engine.io/ echoes."""
import http.client
import json
import os
import re
import socket
import subprocess
import time

import pytest


@pytest.fixture
def server():
    binary = os.environ.get("HEARTH_SIO_TESTSERVER")
    if not binary:
        pytest.fail("set HEARTH_SIO_TESTSERVER=/path/to/hearth-sio-testserver")
    p = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = p.stdout.readline()
    m = re.search(r"listening http 127\.0\.0\.1:(\d+)", line)
    if not m:
        p.kill()
        pytest.fail("no listening line: %r" % line)
    yield int(m.group(1))
    p.terminate()
    assert p.wait(10) == 0


def req(port, method, query, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, "/engine.io/?" + query, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data


def handshake(port):
    r, data = req(port, "GET", "EIO=4&transport=polling")
    assert r.status == 200 and data.startswith(b"0")
    return json.loads(data[1:])["sid"]


def error(r, data):
    return r.status, json.loads(data)


def test_handshake(server):
    r, data = req(server, "GET", "EIO=4&transport=polling&t=NxRm3")
    value = json.loads(data[1:])
    assert value["upgrades"] == ["websocket"]
    assert (value["pingInterval"], value["pingTimeout"], value["maxPayload"]) == (300, 200, 1000000)
    assert re.fullmatch(r"[A-Za-z0-9_-]{20}", value["sid"])
    assert handshake(server) != value["sid"]


def test_spec_errors(server):
    assert error(*req(server, "GET", "EIO=4&transport=abc")) == (400, {"code": 0, "message": "Transport unknown"})
    assert error(*req(server, "GET", "EIO=4")) == (400, {"code": 0, "message": "Transport unknown"})
    assert error(*req(server, "GET", "EIO=4&transport=polling&sid=nope")) == \
        (400, {"code": 1, "message": "Session ID unknown"})
    assert error(*req(server, "POST", "EIO=4&transport=polling", body="4x")) == \
        (400, {"code": 2, "message": "Bad handshake method"})
    # Socket.IO 2.x clients (Engine.IO 3) get a clear refusal.
    assert error(*req(server, "GET", "EIO=3&transport=polling")) == \
        (400, {"code": 5, "message": "Unsupported protocol version"})
    assert error(*req(server, "GET", "transport=polling")) == \
        (400, {"code": 5, "message": "Unsupported protocol version"})
    # A WebSocket request without the upgrade.
    assert error(*req(server, "GET", "EIO=4&transport=websocket")) == (400, {"code": 3, "message": "Bad request"})


@pytest.mark.parametrize("payload", [b"abc", b"", b"4a\x1e\x1e4b", b"4a\x1e", b"bAQ=A", b"b!!!!", b"\x1e", b"9"])
def test_malformed_payload_closes_the_session(server, payload):
    sid = handshake(server)
    r, data = req(server, "POST", "EIO=4&transport=polling&sid=" + sid, body=payload)
    assert r.status == 400
    r, data = req(server, "GET", "EIO=4&transport=polling&sid=" + sid)
    assert error(r, data) == (400, {"code": 1, "message": "Session ID unknown"})


def test_echo_text_and_binary(server):
    sid = handshake(server)
    r, data = req(server, "POST", "EIO=4&transport=polling&sid=" + sid, body="4héllo\x1ebAAEC/w==\x1e4".encode())
    assert (r.status, data) == (200, b"ok")
    r, data = req(server, "GET", "EIO=4&transport=polling&sid=" + sid)
    assert data.decode() == "4héllo\x1ebAAEC/w==\x1e4"


def test_client_ping_is_a_protocol_error(server):
    sid = handshake(server)
    r, _ = req(server, "POST", "EIO=4&transport=polling&sid=" + sid, body="2")
    assert r.status == 200
    r, _ = req(server, "GET", "EIO=4&transport=polling&sid=" + sid)
    assert r.status == 400


def test_max_payload_gets_413(server):
    sid = handshake(server)
    # The server answers 413 from the Content-Length alone and may close
    # before the body is all sent: read the answer whatever the write did.
    body = b"4" + b"x" * 1000001
    s = socket.create_connection(("127.0.0.1", server), timeout=10)
    try:
        s.sendall(("POST /engine.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: x\r\n"
                   "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % (sid, len(body))).encode() + body)
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = b""
    try:
        while not answer.endswith(b"\r\n\r\n") and b"\r\n\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    except ConnectionResetError:
        pass
    s.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    sid = handshake(server)
    r, _ = req(server, "POST", "EIO=4&transport=polling&sid=" + sid, body=b"4" + b"x" * 999999)
    assert r.status == 200


def test_cancelled_poll_closes_the_session(server):
    sid = handshake(server)
    s = socket.create_connection(("127.0.0.1", server))
    s.sendall(("GET /engine.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: x\r\n\r\n" % sid).encode())
    time.sleep(0.05)
    s.close()
    time.sleep(0.05)
    r, _ = req(server, "GET", "EIO=4&transport=polling&sid=" + sid)
    assert r.status == 400


def test_cors(server):
    r, _ = req(server, "GET", "EIO=4&transport=polling", headers={"Origin": "http://example.org"})
    assert r.getheader("Access-Control-Allow-Origin") == "*"
    r, _ = req(server, "OPTIONS", "EIO=4&transport=polling",
               headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"})
    assert r.status == 204
    assert "POST" in r.getheader("Access-Control-Allow-Methods")
