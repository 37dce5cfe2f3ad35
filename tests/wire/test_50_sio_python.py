"""Debian's python3-socketio client (python-socketio 5, Socket.IO v5 over
Engine.IO v4) against hearth-sio-testserver and its conformance handlers.

The binary comes from HEARTH_SIO_TESTSERVER (ctest sets it); the server runs
on 127.0.0.1:0 and its port is read from the "listening http" line.
"""
import os
import re
import subprocess
import threading

import pytest

socketio = pytest.importorskip("socketio")

LISTEN_RE = re.compile(rb"listening http 127\.0\.0\.1:(\d+)")


@pytest.fixture(scope="module")
def server_url():
    binary = os.environ.get("HEARTH_SIO_TESTSERVER")
    if not binary:
        pytest.fail("set HEARTH_SIO_TESTSERVER to the hearth-sio-testserver binary")
    proc = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    line = proc.stdout.readline()
    m = LISTEN_RE.search(line)
    assert m, "no listening line: %r" % line
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep the pipe drained
    yield "http://127.0.0.1:%s" % m.group(1).decode()
    proc.terminate()
    assert proc.wait(timeout=10) == 0


class Recorder:
    """Collects the events of one client; wait() blocks until one arrives."""

    def __init__(self, client, *events, namespace="/"):
        self.cond = threading.Condition()
        self.got = []
        for name in events:
            client.on(name, self._handler(name), namespace=namespace)

    def _handler(self, name):
        def handler(*args):
            with self.cond:
                self.got.append((name, args))
                self.cond.notify_all()
        return handler

    def wait(self, name, timeout=5.0):
        with self.cond:
            ok = self.cond.wait_for(lambda: any(n == name for n, _ in self.got), timeout)
            assert ok, "no %s event; got %r" % (name, self.got)
            for i, (n, args) in enumerate(self.got):
                if n == name:
                    del self.got[i]
                    return args


def make_client():
    return socketio.Client(reconnection=False)


@pytest.mark.parametrize("transports", [["polling", "websocket"], ["websocket"], ["polling"]])
def test_events_acks_and_binary(server_url, transports):
    c = make_client()
    rec = Recorder(c, "auth", "message-back")
    c.connect(server_url, auth={"token": "py"}, transports=transports, wait_timeout=5)
    try:
        assert rec.wait("auth") == ({"token": "py"},)
        c.emit("message", ("hello", 1, {"a": [True, None]}))
        assert rec.wait("message-back") == ("hello", 1, {"a": [True, None]})
        assert c.call("message-with-ack", ("x", 2.5), timeout=5) == ("x", 2.5)
        blob = bytes(range(256)) * 40
        c.emit("message", ("bin", blob))
        assert rec.wait("message-back") == ("bin", blob)
        assert c.call("message-with-ack", blob, timeout=5) == blob
        if transports != ["polling"]:
            assert c.transport() == "websocket"
    finally:
        c.disconnect()


def test_server_event_with_ack(server_url):
    c = make_client()
    rec = Recorder(c, "auth")
    replies = []
    done = threading.Event()

    @c.on("emit-with-ack")
    def on_emit_with_ack(*args):
        if not replies:
            replies.append(args)
            return "answer", 7  # becomes the ACK's arguments
        replies.append(args)
        done.set()

    c.connect(server_url, transports=["websocket"], wait_timeout=5)
    try:
        rec.wait("auth")
        c.emit("emit-with-ack", ("question",))
        assert done.wait(5), replies
        assert replies == [("question",), ("answer", 7)]
    finally:
        c.disconnect()


def test_custom_namespace_and_refusal(server_url):
    c = make_client()
    rec = Recorder(c, "auth", namespace="/custom")
    c.connect(server_url, namespaces=["/custom"], auth={"n": 1}, transports=["websocket"], wait_timeout=5)
    try:
        assert rec.wait("auth") == ({"n": 1},)
        assert c.call("message-with-ack", "c", namespace="/custom", timeout=5) == "c"
    finally:
        c.disconnect()

    refused = make_client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        refused.connect(server_url, namespaces=["/random"], transports=["websocket"], wait_timeout=3)
    refused.disconnect()
