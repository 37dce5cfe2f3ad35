"""Sessions (MQTT 3.1.1 3.1.2.4 and 4.1): a clean session is discarded, a
persistent one keeps its subscriptions, queues QoS 1/2 (not QoS 0) while the
client is away within its bounds, and resumes unacknowledged messages with DUP,
also when another connection takes the client id over; one left away longer
than [mqtt] session_expiry is discarded."""
import time

import mqtt_wire as w


def sub(c, mid, *filters):
    c.send(w.subscribe(mid, *filters))
    c.expect(w.suback(mid, *[q for _, q in filters]))


def test_queued_qos1_is_delivered_on_reconnect(port):
    cid, topic = "05-clean-session", "qos1/05-clean_session/test"
    with w.client(port, cid, clean=False) as c:
        sub(c, 109, (topic, 1))
        c.send(w.DISCONNECT)
    w.publish_with_helper(port, topic, b"clean-session-message", 1)
    with w.client(port, cid, clean=False, present=True) as c:
        c.expect(w.publish(topic, b"clean-session-message", qos=1, mid=1))
        c.send(w.puback(1))
        c.ping()
    w.client(port, cid).close()


def test_queue_keeps_order_and_skips_qos0(port):
    with w.client(port, "queued", clean=False) as c:
        sub(c, 1, ("q/#", 2))
    for topic, payload, qos in (("q/a", b"zero", 0), ("q/b", b"one", 1), ("q/c", b"two", 2),
                                ("q/d", b"one again", 1)):
        w.publish_with_helper(port, topic, payload, qos)
    with w.client(port, "queued", clean=False, present=True) as c:
        c.expect(w.publish("q/b", b"one", qos=1, mid=1))
        c.expect(w.publish("q/c", b"two", qos=2, mid=2))
        c.expect(w.publish("q/d", b"one again", qos=1, mid=3))
        c.send(w.puback(1))
        c.send(w.pubrec(2))
        c.expect(w.pubrel(2))
        c.send(w.pubcomp(2))
        c.send(w.puback(3))
        c.ping()


def test_clean_session_leaves_nothing_behind(port):
    with w.client(port, "cleanly") as c:
        sub(c, 1, ("clean/t", 1))
    w.publish_with_helper(port, "clean/t", b"lost", 1)
    with w.client(port, "cleanly", clean=False, present=False) as c:
        c.ping()  # no subscription survived, nothing was queued
    w.client(port, "cleanly").close()


def test_queue_is_bounded_by_count(start_hearthd):
    h = start_hearthd(config={"mqtt": {"max_queued_messages": 3}})
    with w.client(h.port, "bounded", clean=False) as c:
        sub(c, 1, ("b/t", 1))
    for i in range(1, 6):
        w.publish_with_helper(h.port, "b/t", b"%d" % i, 1)
    with w.client(h.port, "bounded", clean=False, present=True) as c:
        for i in range(1, 4):  # the oldest are kept, the newest dropped
            c.expect(w.publish("b/t", b"%d" % i, qos=1, mid=i))
            c.send(w.puback(i))
        c.ping()


def test_a_session_away_past_session_expiry_is_discarded(start_hearthd):
    # [mqtt] session_expiry (Mosquitto's persistent_client_expiration): the
    # deadline is checked on the one-second tick, so 2 s expire within ~3 s.
    h = start_hearthd(config={"mqtt": {"session_expiry": 2}})
    with w.client(h.port, "expiring", clean=False) as c:
        sub(c, 1, ("e/t", 1))
    with w.client(h.port, "kept", clean=False) as c:
        sub(c, 1, ("e/t", 1))
    w.publish_with_helper(h.port, "e/t", b"queued", 1)
    with w.client(h.port, "kept", clean=False, present=True) as c:  # back in time: kept, and the clock stops
        c.expect(w.publish("e/t", b"queued", qos=1, mid=1))
        c.send(w.puback(1))
        h.wait_log(r"'expiring': persistent session expired after 2 s without its client \(1 queued", timeout=6)
        c.ping()
    with w.client(h.port, "expiring", clean=False, present=False) as c:  # a new session
        c.ping()
    time.sleep(0.1)
    assert "'kept': persistent session expired" not in h.log()


def test_queue_is_bounded_by_bytes(start_hearthd):
    h = start_hearthd(config={"mqtt": {"max_queued_bytes": 1000}})
    with w.client(h.port, "bytes", clean=False) as c:
        sub(c, 1, ("b/t", 1))
    for i in range(10):
        w.publish_with_helper(h.port, "b/t", bytes([65 + i]) * 400, 1)
    with w.client(h.port, "bytes", clean=False, present=True) as c:
        for i in range(2):
            c.expect(w.publish("b/t", bytes([65 + i]) * 400, qos=1, mid=i + 1))
            c.send(w.puback(i + 1))
        c.ping()


def test_takeover_keeps_the_persistent_session_and_resends_in_flight(port):
    first = w.client(port, "taken", clean=False)
    sub(first, 1, ("t/o", 1))
    w.publish_with_helper(port, "t/o", b"in flight", 1)
    first.expect(w.publish("t/o", b"in flight", qos=1, mid=1))
    second = w.client(port, "taken", clean=False, present=True)
    first.expect_closed()
    second.expect(w.publish("t/o", b"in flight", qos=1, mid=1, dup=True))
    second.send(w.puback(1))
    w.publish_with_helper(port, "t/o", b"after", 1)
    second.expect(w.publish("t/o", b"after", qos=1, mid=2))
    second.send(w.puback(2))
    second.ping()
    first.close()
    second.close()
    w.client(port, "taken").close()


def test_takeover_by_a_clean_session_discards_the_old_one(port):
    first = w.client(port, "taken-clean", clean=False)
    sub(first, 1, ("t/c", 1))
    second = w.client(port, "taken-clean", clean=True, present=False)
    first.expect_closed()
    w.publish_with_helper(port, "t/c", b"not for you", 1)
    second.ping()
    first.close()
    second.close()
