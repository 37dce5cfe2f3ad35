"""The Eclipse Paho interoperability scenarios (basic, retained messages,
offline queueing, will, overlapping subscriptions, keep alive, redelivery on
reconnect, subscribe failure, $ topics, unsubscribe, zero-length client id),
run in the order and with the client ids, topics and shared client state of
that suite, against one broker with an ACL that refuses `test/nosubscribe`."""
import time

import pytest

from interop_client import ConnectFailed, InteropClient

TOPICS = ("TopicA", "TopicA/B", "Topic/C", "TopicA/C", "/TopicA")
WILDTOPICS = ("TopicA/+", "+/C", "#", "/#", "/+", "+/+", "TopicA/#")
ACL = "topic readwrite #\ntopic deny test/nosubscribe\n"


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.05)
    return predicate()


@pytest.fixture(scope="module")
def env(hearthd_binary, tmp_path_factory, request):
    from conftest import Hearthd
    import sys
    failed_before = request.session.testsfailed
    h = Hearthd(hearthd_binary, tmp_path_factory.mktemp("interop"), acl=ACL)
    a, b = InteropClient("myclientid"), InteropClient("myclientid2")
    # The suite's clean-up: fresh sessions and no retained messages.
    for c in (a, b):
        c.connect(h.port, clean=True)
        c.disconnect()
    yield h.port, a, b
    for c in (a, b):
        c.stop_reader()
    rc = h.stop()
    if rc != 0 or request.session.testsfailed > failed_before:
        sys.stderr.write("---- hearthd log ----\n%s\n" % h.log())
    assert rc == 0


def no_errors(*clients):
    for c in clients:
        assert not c.errors, "%s: %s" % (c.client_id, c.errors)


def test_basic(env):
    port, a, b = env
    a.clear()
    a.connect(port)
    a.disconnect()
    assert a.connect(port) == 0x00  # no session present
    a.subscribe([TOPICS[0]], [2])
    a.publish(TOPICS[0], b"qos 0")
    a.publish(TOPICS[0], b"qos 1", 1)
    a.publish(TOPICS[0], b"qos 2", 2)
    assert wait_for(lambda: len(a.messages) == 3, 3), a.messages
    a.disconnect()
    assert len(a.messages) == 3
    a.connect(port)
    with pytest.raises(ConnectFailed):
        a.connect(port, new_socket=False)
    with pytest.raises(ConnectFailed):
        a.connect(port, protocol_name="hj")
    no_errors(a)


def test_dollar_topics(env):
    port, a, b = env
    b.connect(port, clean=True)
    b.subscribe([WILDTOPICS[5]], [2])
    time.sleep(0.5)
    b.clear()
    b.publish("$" + TOPICS[1], b"", 1)
    time.sleep(0.3)
    assert b.messages == []
    b.disconnect()  # the $ publish was acknowledged
    no_errors(b)


def test_keepalive(env):
    port, a, b = env
    b.clear()
    a.connect(port, clean=True, keepalive=2, will=(TOPICS[4], b"keepalive expiry", 2, False))
    b.connect(port, clean=True, keepalive=0)
    b.subscribe([TOPICS[4]], [2])
    assert wait_for(lambda: len(b.messages) == 1, 6), "no will after keep-alive expiry"
    time.sleep(0.3)
    b.disconnect()
    assert b.messages == [(TOPICS[4], b"keepalive expiry", 2, False)]
    no_errors(a, b)


def test_offline_message_queueing(env):
    port, a, b = env
    a.clear()
    a.connect(port, clean=False)
    a.subscribe([WILDTOPICS[5]], [2])
    a.disconnect()
    assert b.connect(port, clean=True) == 0x00
    b.publish(TOPICS[1], b"qos 0", 0)
    b.publish(TOPICS[2], b"qos 1", 1)
    b.publish(TOPICS[3], b"qos 2", 2)
    time.sleep(0.3)
    b.disconnect()
    assert a.connect(port, clean=False) == 0x01  # session present
    assert wait_for(lambda: len(a.messages) >= 2, 3)
    time.sleep(0.3)
    a.disconnect()
    assert len(a.messages) in (2, 3), a.messages
    no_errors(a, b)


def test_overlapping_subscriptions(env):
    port, a, b = env
    a.clear()
    a.connect(port)
    a.subscribe([WILDTOPICS[6], WILDTOPICS[0]], [2, 1])
    a.publish(TOPICS[3], b"overlapping topic filters", 2)
    assert wait_for(lambda: a.messages, 2)
    time.sleep(0.5)
    qoss = sorted(m[2] for m in a.messages)
    assert qoss in ([2], [1, 2]), a.messages
    a.disconnect()
    no_errors(a)


def test_redelivery_on_reconnect(env):
    port, a, b = env
    b.clear()
    b.connect(port, clean=False)
    b.subscribe([WILDTOPICS[6]], [2])
    b.pause()  # stops answering the broker's PUBLISHes
    b.publish(TOPICS[1], b"", 1)
    b.publish(TOPICS[3], b"", 2)
    time.sleep(1)
    b.disconnect()
    assert b.messages == []
    b.resume()
    b.connect(port, clean=False)
    assert wait_for(lambda: len(b.messages) == 2, 3), b.messages
    b.disconnect()
    no_errors(b)


def test_retained_messages(env):
    port, a, b = env
    a.clear()
    assert a.connect(port, clean=True) == 0x00
    a.publish(TOPICS[1], b"qos 0", 0, retained=True)
    a.publish(TOPICS[2], b"qos 1", 1, retained=True)
    a.publish(TOPICS[3], b"qos 2", 2, retained=True)
    time.sleep(0.3)
    a.subscribe([WILDTOPICS[5]], [2])
    assert wait_for(lambda: len(a.messages) == 3, 3), a.messages
    a.disconnect()
    a.clear()
    assert a.connect(port, clean=True) == 0x00
    a.publish(TOPICS[1], b"", 0, retained=True)
    a.publish(TOPICS[2], b"", 1, retained=True)
    a.publish(TOPICS[3], b"", 2, retained=True)
    time.sleep(0.3)
    a.subscribe([WILDTOPICS[5]], [2])
    time.sleep(0.5)
    a.disconnect()
    assert a.messages == []
    no_errors(a)


def test_subscribe_failure(env):
    port, a, b = env
    a.clear()
    a.connect(port)
    a.subscribe(["test/nosubscribe"], [2])
    assert wait_for(lambda: a.subacks, 1)
    assert a.subacks[0][1] == [0x80]
    a.disconnect()
    no_errors(a)


def test_unsubscribe(env):
    port, a, b = env
    b.clear()
    b.connect(port, clean=True)
    for t in TOPICS[:3]:
        b.subscribe([t], [2])
    time.sleep(0.3)
    b.unsubscribe([TOPICS[0]])
    a.connect(port, clean=True)
    for t in TOPICS[:3]:
        a.publish(t, b"", 1)
    assert wait_for(lambda: len(b.messages) == 2, 3)
    time.sleep(0.5)
    b.disconnect()
    a.disconnect()
    assert sorted(m[0] for m in b.messages) == sorted(TOPICS[1:3])
    no_errors(a, b)


def test_zero_length_clientid(env):
    port, a, b = env
    zero = InteropClient("")
    with pytest.raises(ConnectFailed):
        zero.connect(port, clean=False)
    zero.connect(port, clean=True)
    zero.disconnect()
    no_errors(zero)


def test_will_message(env):
    port, a, b = env
    b.clear()
    a.connect(port, clean=True, keepalive=2,
              will=(TOPICS[2], b"client not disconnected", 2, False))
    b.connect(port, clean=False)
    b.subscribe([TOPICS[2]], [2])
    time.sleep(0.1)
    a.terminate()
    assert wait_for(lambda: len(b.messages) == 1, 5), "no will message"
    time.sleep(0.3)
    b.disconnect()
    assert len(b.messages) == 1
    no_errors(b)
