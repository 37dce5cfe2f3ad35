"""SUBSCRIBE/SUBACK, UNSUBSCRIBE/UNSUBACK and topic matching (MQTT 3.1.1
sections 3.8-3.11 and 4.7): malformed subscriptions byte by byte, granted and
refused QoS, wildcards, `$` topics, overlapping subscriptions."""
import pytest

import mqtt_wire as w
from mqtt_wire import pkt, raw, s, u16, vbi
from sequences import Recv, Send, case, check_still_serving, named, run_case
from test_01_connect import BAD_UTF8

M = u16(1234)

SUBSCRIBE = named("SUBSCRIBE", [
    case("before CONNECT", Send(pkt(0x82, M, s("p"), 0)), connect=False),
    case("remaining length 5 bytes", Send(raw(0x82, vbi(268435456)))),
    *[case("fixed header flags %x [MQTT-3.8.1-1]" % f, Send(pkt(0x80 | f, M, s("p"), 0)))
      for f in (0x0, 0x3, 0x4, 0x6, 0xA)],
    *[case("requested qos byte %02x [MQTT-3.8.3-4]" % q, Send(pkt(0x82, M, s("p"), q)))
      for q in (0x03, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80)],
    *[case("filter with " + k, Send(pkt(0x82, M, s(v), 0))) for k, v in BAD_UTF8.items()],
    case("byte after the last qos", Send(pkt(0x82, M, s("p"), 0, 0))),
    case("qos missing [MQTT-3.8.3-3]", Send(pkt(0x82, M, s("p")))),
    case("filter string cut", Send(pkt(0x82, M, u16(0)))),
    case("filter length cut", Send(pkt(0x82, M, 0))),
    case("no payload", Send(pkt(0x82, M))),
    case("packet id cut", Send(pkt(0x82, 0x12))),
    case("empty body", Send(pkt(0x82))),
    case("empty filter", Send(pkt(0x82, M, s(""), 0))),
    case("first of two filters empty", Send(pkt(0x82, M, s(""), 0, s("q"), 0))),
    case("second of two filters empty", Send(pkt(0x82, M, s("q"), 0, s(""), 0))),
    case("both filters empty", Send(pkt(0x82, M, s(""), 0, s(""), 0))),
    case("packet id 0", Send(pkt(0x82, u16(0), s("p"), 0))),
    *[case("ok qos %d [MQTT-3.8.4-1]" % q, Send(pkt(0x82, M, s("p"), q)),
           Recv(w.suback(1234, q)), alive=True) for q in (0, 1, 2)],
    case("two filters [MQTT-3.8.4-4]", Send(pkt(0x82, M, s("p"), 0, s("q"), 0)),
         Recv(w.suback(1234, 0, 0)), alive=True),
])

UNSUBSCRIBE = named("UNSUBSCRIBE", [
    case("before CONNECT", Send(pkt(0xA2, M, s("p"))), connect=False),
    case("remaining length 5 bytes", Send(raw(0xA2, vbi(268435456)))),
    case("not subscribed [MQTT-3.10.4-5]", Send(pkt(0xA2, M, s("p"))), Recv(w.unsuback(1234)),
         alive=True),
    case("subscribed [MQTT-3.10.4-5]", Send(pkt(0x82, M, s("p"), 0)), Recv(w.suback(1234, 0)),
         Send(pkt(0xA2, M, s("p"))), Recv(w.unsuback(1234)), alive=True),
    case("two filters [MQTT-3.10.4-6]", Send(pkt(0xA2, M, s("p"), s("q"))),
         Recv(w.unsuback(1234)), alive=True),
    case("first of two filters empty", Send(pkt(0xA2, M, s(""), s("q")))),
    case("second of two filters empty", Send(pkt(0xA2, M, s("q"), s("")))),
    case("filter string cut", Send(pkt(0xA2, M, u16(1)))),
    case("filter length cut", Send(pkt(0xA2, M, 1))),
    case("no filter [MQTT-3.10.3-2]", Send(pkt(0xA2, M))),
    case("packet id cut", Send(pkt(0xA2, 0x12))),
    case("empty body", Send(pkt(0xA2))),
    *[case("fixed header flags %x [MQTT-3.10.1-1]" % f, Send(pkt(0xA0 | f, M, s("p"))))
      for f in (0x0, 0x3, 0x4, 0x6, 0xA)],
    *[case("filter with " + k, Send(pkt(0xA2, M, s(v)))) for k, v in BAD_UTF8.items()],
    case("packet id 0", Send(pkt(0xA2, u16(0), s("p"), s("q")))),
])

# Sequences that once crashed other brokers; they must simply work.
REGRESSIONS = [
    case("unsubscribe one of three wildcard filters",
         Send(pkt(0x82, M, s("drash/1/#"), 0, s("erash/2/#"), 0, s("crash/3/#"), 0)),
         Recv(w.suback(1234, 0, 0, 0)), Send(pkt(0xA2, M, s("drash/1/#"))),
         Recv(w.unsuback(1234)), alive=True),
    case("then subscribe the remaining one again", Send(pkt(0x82, M, s("crash/3/#"), 0)),
         Recv(w.suback(1234, 0)), alive=True),
    case("$share filter is a plain filter in 3.1.1",
         Send(pkt(0x82, u16(1), s("$share/sharename/test"), 1)), Recv(w.suback(1, 1)),
         Send(pkt(0x82, u16(2), s("test"), 0)), Recv(w.suback(2, 0)),
         Send(pkt(0xA2, u16(7), s("test"))), Recv(w.unsuback(7)), alive=True),
    case("publish after that", Send(w.publish("test", b"payload")), alive=True),
]


@pytest.mark.parametrize("c", SUBSCRIBE + UNSUBSCRIBE + REGRESSIONS, ids=lambda c: c.name)
def test_sequence(shared_broker, c):
    run_case(shared_broker.port, c)
    check_still_serving(shared_broker.port)


def test_subscriber_receives_its_own_qos0(port):
    with w.client(port, "self0") as c:
        c.send(w.subscribe(1, ("p", 1)))
        c.expect(w.suback(1, 1))
        c.send(w.publish("p", b"message"))
        c.expect(w.publish("p", b"message"))


def test_subscriber_receives_its_own_qos1(port):
    with w.client(port, "subpub-qos1-test") as c:
        c.send(w.subscribe(530, ("subpub/qos1", 1)))
        c.expect(w.suback(530, 1))
        c.send(w.publish("subpub/qos1", b"message", qos=1, mid=300))
        c.expect_any_order(w.puback(300), w.publish("subpub/qos1", b"message", qos=1, mid=1))


def test_subscriber_receives_its_own_qos2(port):
    with w.client(port, "subpub-qos2-test") as c:
        c.send(w.subscribe(530, ("subpub/qos2", 2)))
        c.expect(w.suback(530, 2))
        c.send(w.publish("subpub/qos2", b"message", qos=2, mid=301))
        # PUBREC must be the first thing back: the copy for ourselves may only
        # follow it (Mosquitto's 02-subpub-qos2 reads exactly these bytes).
        c.expect(w.pubrec(301))
        c.send(w.pubrel(301))
        c.expect_any_order(w.pubcomp(301), w.publish("subpub/qos2", b"message", qos=2, mid=1))
        c.send(w.pubrec(1))
        c.expect(w.pubrel(1))
        c.send(w.pubcomp(1))
        c.ping()


@pytest.mark.parametrize("sub_qos,pub_qos", [(a, b) for a in range(3) for b in range(3)])
def test_delivery_qos_is_the_lower_of_granted_and_published(port, sub_qos, pub_qos):
    with w.client(port, "sub") as sub:
        sub.send(w.subscribe(1, ("q/t", sub_qos)))
        sub.expect(w.suback(1, sub_qos))
        w.publish_with_helper(port, "q/t", b"m", pub_qos)
        got = sub.read_packet("the PUBLISH")
        topic, payload, qos, retain, dup, mid = w.split_publish(got)
        assert (topic, payload, qos, retain, dup) == ("q/t", b"m", min(sub_qos, pub_qos), False, False)
        if qos == 1:
            sub.send(w.puback(mid))
        elif qos == 2:
            sub.send(w.pubrec(mid))
            sub.expect(w.pubrel(mid))
            sub.send(w.pubcomp(mid))
        sub.ping()


def test_overlapping_subscriptions_deliver_once_at_the_highest_qos(port):
    with w.client(port, "overlap") as c:
        c.send(w.subscribe(1, ("TopicA/#", 2), ("TopicA/+", 1)))
        c.expect(w.suback(1, 2, 1))
        w.publish_with_helper(port, "TopicA/C", b"overlapping", 2)
        c.expect(w.publish("TopicA/C", b"overlapping", qos=2, mid=1))
        c.send(w.pubrec(1))
        c.expect(w.pubrel(1))
        c.send(w.pubcomp(1))
        c.ping()


def test_invalid_filters_get_0x80_and_the_connection_stays(port):
    with w.client(port, "bad-filters") as c:
        c.send(w.subscribe(9, ("a/#/b", 1), ("ok/+", 1), ("a+", 0), ("#/x", 2), ("x/y#", 0)))
        c.expect(w.suback(9, 0x80, 1, 0x80, 0x80, 0x80))
        w.publish_with_helper(port, "ok/1", b"still subscribed", 0)
        c.expect(w.publish("ok/1", b"still subscribed"))


def test_resubscribe_replaces_the_granted_qos(port):
    with w.client(port, "resub") as c:
        c.send(w.subscribe(1, ("r/t", 0)))
        c.expect(w.suback(1, 0))
        c.send(w.subscribe(2, ("r/t", 1)))
        c.expect(w.suback(2, 1))
        w.publish_with_helper(port, "r/t", b"once", 1)
        c.expect(w.publish("r/t", b"once", qos=1, mid=1))
        c.send(w.puback(1))
        c.ping()


def test_unsubscribe_stops_delivery(port):
    with w.client(port, "unsub") as c:
        c.send(w.subscribe(1, ("TopicA", 2), ("TopicA/B", 2), ("Topic/C", 2)))
        c.expect(w.suback(1, 2, 2, 2))
        c.send(w.unsubscribe(2, "TopicA"))
        c.expect(w.unsuback(2))
        for t in ("TopicA", "TopicA/B", "Topic/C"):
            w.publish_with_helper(port, t, b"", 0)
        c.expect(w.publish("TopicA/B", b""))
        c.expect(w.publish("Topic/C", b""))
        c.ping()


def test_dollar_topics_are_not_matched_by_leading_wildcards(port):
    with w.client(port, "dollar") as c:
        c.send(w.subscribe(1, ("#", 0), ("+/+", 0), ("+/x", 0), ("$test/#", 0)))
        c.expect(w.suback(1, 0, 0, 0, 0))
        with w.client(port, "dollar-pub") as p:
            p.send(w.publish("$test/x", b"d", qos=1, mid=19))
            p.expect(w.puback(19))  # publishing to a $ topic is allowed and acknowledged
        c.expect(w.publish("$test/x", b"d"))  # once, through "$test/#" only
        c.ping()


def test_durable_client_keeps_its_subscriptions(port):
    with w.client(port, "subpub-sub-test", clean=False) as c:
        c.send(w.subscribe(1, ("not-shared/sub", 0)))
        c.expect(w.suback(1, 0))
        w.publish_with_helper(port, "not-shared/sub", b"message1", 0)
        c.expect(w.publish("not-shared/sub", b"message1"))
    with w.client(port, "subpub-sub-test", clean=False, present=True) as c:
        w.publish_with_helper(port, "not-shared/sub", b"message1", 0)
        c.expect(w.publish("not-shared/sub", b"message1"))


def test_durable_then_clean_then_durable_subscription_works(port):
    for clean in (False, True):
        with w.client(port, "flipflop-test", clean=clean) as c:
            c.send(w.subscribe(1, ("flipflop/test", 1)))
            c.expect(w.suback(1, 1))
    # The clean connection discarded the stored session: nothing is present.
    with w.client(port, "flipflop-test", clean=False, present=False) as sub:
        sub.send(w.subscribe(1, ("flipflop/test", 1)))
        sub.expect(w.suback(1, 1))
        with w.client(port, "flipflop-test-pub") as p:
            p.send(w.publish("flipflop/test", b"message", qos=1, mid=1))
            p.expect(w.puback(1))
        sub.expect(w.publish("flipflop/test", b"message", qos=1, mid=1))
        sub.send(w.puback(1))
    with w.client(port, "flipflop-test", clean=True):
        pass


def test_unsubscribing_one_sibling_keeps_the_other(port):
    for _ in range(2):
        with w.client(port, "subhier-crash") as c:
            c.send(w.subscribe(1, ("topic/a", 0)))
            c.expect(w.suback(1, 0))
            c.send(w.subscribe(2, ("topic/b", 0)))
            c.expect(w.suback(2, 0))
            c.send(w.unsubscribe(3, "topic/a"))
            c.expect(w.unsuback(3))
            w.publish_with_helper(port, "topic/b", b"b", 0)
            w.publish_with_helper(port, "topic/a", b"a", 0)
            c.expect(w.publish("topic/b", b"b"))
            c.ping()
            c.send(w.DISCONNECT)


PATTERNS = [
    ("#", "test/topic"), ("#", "/test/topic"), ("foo/#", "foo/bar/baz"),
    ("foo/+/baz", "foo/bar/baz"), ("foo/+/baz/#", "foo/bar/baz"),
    ("foo/+/baz/#", "foo/bar/baz/bar"), ("foo/foo/baz/#", "foo/foo/baz/bar"),
    ("foo/#", "foo"), ("foo/#", "foo/"), ("/#", "/foo"), ("test/topic/", "test/topic/"),
    ("test/topic/+", "test/topic/"),
    ("+/+/+/+/+/+/+/+/+/+/test", "one/two/three/four/five/six/seven/eight/nine/ten/test"),
    ("#", "test////a//topic"), ("#", "/test////a//topic"), ("foo/#", "foo//bar///baz"),
    ("foo/+/baz", "foo//baz"), ("foo/+/baz//", "foo//baz//"), ("foo/+/baz/#", "foo//baz"),
    ("foo/+/baz/#", "foo//baz/bar"), ("foo//baz/#", "foo//baz/bar"), ("/#", "////foo///bar"),
]


@pytest.mark.parametrize("sub,topic", PATTERNS, ids=lambda x: x)
def test_pattern_matching(port, sub, topic):
    with w.client(port, "pattern-sub-test") as c:
        c.send(w.subscribe(312, (sub, 0)))
        c.expect(w.suback(312, 0))
        w.publish_with_helper(port, topic, b"message", 0, retain=True)
        c.expect(w.publish(topic, b"message"))  # live: retain flag cleared
        c.send(w.unsubscribe(234, sub))
        c.expect(w.unsuback(234))
        c.send(w.subscribe(312, (sub, 0)))
        c.expect(w.suback(312, 0))
        c.expect(w.publish(topic, b"message", retain=True))  # stored: retain flag set


# Mosquitto refuses topics and filters with more than 200 levels separators
# (its 02-subpub-qos0-long-topic, 02-subscribe-long-topic and
# 03-publish-long-topic cases): the connection is closed without an answer.
@pytest.mark.parametrize("topic", ["/" * 200, "abc/" * 199 + "d"], ids=["200 empty", "200 named"])
def test_200_levels_are_accepted(port, topic):
    with w.client(port, "long-topic") as c:
        c.send(w.subscribe(53, (topic, 0)))
        c.expect(w.suback(53, 0))
        c.send(w.publish(topic, b"message"))
        c.expect(w.publish(topic, b"message"))


@pytest.mark.parametrize("packet", [
    w.subscribe(53, ("/" * 201, 0)), w.subscribe(53, ("abc/" * 201 + "d", 0)),
    w.subscribe(1, ("/" * 65535, 0)), w.publish("/" * 65535, b"message", qos=1, mid=19),
], ids=["sub 201 empty", "sub 201 named", "sub 65535", "pub 65535"])
def test_more_than_200_levels_close_the_connection(port, packet):
    with w.client(port, "long-topic") as c:
        c.send(packet)
        c.expect_closed()
    check_still_serving(port)


def test_busy_poll_loop_delivers_and_shuts_down(start_hearthd):
    # busy_poll_us makes the event loop poll for a while after work before it
    # sleeps; it must deliver exactly as the plain loop does and still stop on
    # SIGTERM (the fixture checks exit code 0).
    h = start_hearthd(config={"busy_poll_us": 200})
    with w.client(h.port, "bp-sub") as sub, w.client(h.port, "bp-pub") as pub:
        sub.send(w.subscribe(1, ("bp/#", 1)))
        sub.expect(w.suback(1, 1))
        for i in range(1, 51):
            pub.send(w.publish("bp/t", b"%d" % i, qos=1, mid=i))
            pub.expect(w.puback(i))
            sub.expect(w.publish("bp/t", b"%d" % i, qos=1, mid=i))
            sub.send(w.puback(i))
