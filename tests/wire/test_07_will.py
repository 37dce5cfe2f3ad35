"""The will message (MQTT 3.1.1 3.1.2.5): published when a connection ends
without DISCONNECT (socket closed, protocol violation, takeover), with its QoS
and retain flag; never after DISCONNECT; refused when malformed."""
import pytest

import mqtt_wire as w
from mqtt_wire import pkt, s, u16
from sequences import check_still_serving


def watcher(port, topic, qos=0, cid="will-watcher"):
    c = w.client(port, cid)
    c.send(w.subscribe(1, (topic, qos)))
    c.expect(w.suback(1, qos))
    return c


def test_will_is_published_when_the_socket_closes(port):
    with watcher(port, "will/qos0/test") as sub:
        c = w.client(port, "test-helper", will=("will/qos0/test", b"will-message", 0, False))
        c.close()
        sub.expect(w.publish("will/qos0/test", b"will-message"))
        sub.ping()


def test_will_qos_and_retain_are_honoured(port):
    with watcher(port, "will/q1", qos=2) as sub:
        c = w.client(port, "q1-will", will=("will/q1", b"gone", 1, True))
        c.close()
        # Live delivery at the will's QoS, without the retain flag.
        sub.expect(w.publish("will/q1", b"gone", qos=1, mid=1))
        sub.send(w.puback(1))
        sub.ping()
    with watcher(port, "will/q1", qos=2, cid="late") as late:
        late.expect(w.publish("will/q1", b"gone", qos=1, mid=1, retain=True))
        late.send(w.puback(1))


def test_will_with_empty_payload(port):
    with watcher(port, "will/null/test") as sub:
        w.client(port, "07-will-null-helper", will=("will/null/test", b"", 0, False)).close()
        sub.expect(w.publish("will/null/test", b""))


def test_no_will_after_disconnect(port):
    with watcher(port, "will/clean") as sub:
        c = w.client(port, "polite", will=("will/clean", b"should not appear", 0, False))
        c.send(w.DISCONNECT)
        c.expect_closed()
        c.close()
        sub.ping()


def test_will_is_published_after_a_protocol_violation(port):
    with watcher(port, "will/violation") as sub:
        c = w.client(port, "violator", will=("will/violation", b"broke the rules", 0, False))
        c.send(w.connect("violator"))  # a second CONNECT
        c.expect_closed()
        c.close()
        sub.expect(w.publish("will/violation", b"broke the rules"))


@pytest.mark.parametrize("will_topic", [b"", b"will/+/x", b"will/#", b"to\x00p"],
                         ids=["empty", "plus", "hash", "nul"])
def test_malformed_will_topic_is_refused_without_connack(port, will_topic):
    with w.Conn(port) as c:
        c.send(w.connect("bad-will", will=(will_topic, b"will message", 0, False)))
        c.expect_closed()
    check_still_serving(port)


def test_will_flag_without_will_payload_is_refused(port):
    body = s("MQTT") + bytes([4, 0x02 | 0x04 | 0x08 | 0x20]) + u16(60) + s("will-no-payload") \
        + s("will/topic")
    with w.Conn(port) as c:
        c.send(pkt(0x10, body))
        c.expect_closed()


# Mosquitto's 07-will-takeover: taking a client id over publishes the old
# connection's will unless both the old and the new connection keep a
# persistent session (then the session simply continues).
@pytest.mark.parametrize("clean1,clean2", [(True, True), (False, True), (True, False),
                                           (False, False)])
def test_will_on_takeover(port, clean1, clean2):
    ready = w.publish("will/takeover/test", b"Client ready")
    with watcher(port, "will/takeover/test", cid="will-takeover-helper") as sub:
        old = w.client(port, "will-takeover-test", clean=clean1,
                       will=("will/takeover/test", b"LWT", 0, False))
        old.send(ready)
        sub.expect(ready)
        new = w.client(port, "will-takeover-test", clean=clean2,
                       present=not clean1 and not clean2)
        old.expect_closed()
        old.close()
        if clean1 or clean2:
            sub.expect(w.publish("will/takeover/test", b"LWT"))
        new.send(ready)
        sub.expect(ready)
        sub.ping()  # no (further) will
        new.close()
    w.client(port, "will-takeover-test").close()


def test_clean_disconnect_then_reconnect_publishes_no_will(port):
    will = ("will/reconnect/test", b"will msg", 0, False)
    alive = w.publish("will/reconnect/test", b"alive")
    with watcher(port, "will/reconnect/test", cid="will-reconnect-helper") as sub:
        c = w.client(port, "will-1273", clean=False, will=will)
        c.send(alive)
        c.send(w.DISCONNECT)
        sub.expect(alive)
        c.close()
        c = w.client(port, "will-1273", clean=False, present=True, will=will)
        c.send(alive)
        sub.expect(alive)
        sub.ping()
        c.send(w.DISCONNECT)
        c.close()
    w.client(port, "will-1273").close()
