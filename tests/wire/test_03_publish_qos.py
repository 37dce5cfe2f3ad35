"""PUBLISH and its acknowledgements in both directions (MQTT 3.1.1 sections
3.3-3.7 and 4.3): malformed publishes byte by byte, acknowledgements that do
not match the flow, QoS 2 exactly once, resending with DUP after a reconnect,
packet ids and the in-flight window."""
import pytest

import mqtt_wire as w
from mqtt_wire import pkt, raw, s, u16, vbi
from sequences import Pub, Recv, Send, case, check_still_serving, named, run_case
from test_01_connect import BAD_UTF8

M = u16(1234)
PAYLOAD = b"payload"

PUBLISH = named("PUBLISH", [
    case("before CONNECT [MQTT-3.1.0-1]", Send(pkt(0x30, s("topic"), PAYLOAD)), connect=False),
    case("remaining length 5 bytes", Send(raw(0x30, vbi(268435456)))),
    case("qos 0", Send(pkt(0x30, s("topic"), PAYLOAD)), alive=True),
    case("qos 0 retained", Send(pkt(0x31, s("topic"), PAYLOAD)), alive=True),
    case("qos 0 retained empty payload", Send(pkt(0x31, s("topic"))), alive=True),
    case("empty topic", Send(pkt(0x30, s(""), PAYLOAD))),
    case("qos 0 with DUP [MQTT-3.3.1-2]", Send(pkt(0x38, s("topic"), PAYLOAD))),
    case("qos 3 [MQTT-3.3.1-4]", Send(pkt(0x36, s("topic"), PAYLOAD))),
    case("qos 3 with a packet id [MQTT-3.3.1-4]", Send(pkt(0x36, s("topic"), M, PAYLOAD))),
    case("qos 1 packet id 0", Send(pkt(0x32, s("topic"), u16(0), PAYLOAD))),
    case("qos 2 packet id 0", Send(pkt(0x34, s("topic"), u16(0), PAYLOAD))),
    case("qos 1", Send(pkt(0x32, s("topic"), M, PAYLOAD)), Recv(w.puback(1234)), alive=True),
    case("qos 1 with DUP", Send(pkt(0x3A, s("topic"), M, PAYLOAD)), Recv(w.puback(1234)),
         alive=True),
    case("qos 2", Send(pkt(0x34, s("topic"), M, PAYLOAD)), Recv(w.pubrec(1234)),
         Send(w.pubrel(1234)), Recv(w.pubcomp(1234)), alive=True),
    case("qos 2 with DUP", Send(pkt(0x3C, s("topic"), M, PAYLOAD)), Recv(w.pubrec(1234)),
         Send(w.pubrel(1234)), Recv(w.pubcomp(1234)), alive=True),
    *[case("topic with " + k, Send(pkt(0x30, s(v), PAYLOAD))) for k, v in BAD_UTF8.items()],
    case("topic with U+2A6D4 (four UTF-8 bytes)",
         Send(pkt(0x30, s(bytes.fromhex("41f0aa9b94")), PAYLOAD)), alive=True),
    case("topic with + [MQTT-3.3.2-2]", Send(pkt(0x30, s("+opic"), PAYLOAD))),
    case("topic with # [MQTT-3.3.2-2]", Send(pkt(0x30, s("#opic"), PAYLOAD))),
    case("qos 2 id re-sent with and without payload before PUBREL",
         Send(pkt(0x34, s("topic"), M)), Recv(w.pubrec(1234)),
         Send(pkt(0x34, s("topic"), M, "p")), Recv(w.pubrec(1234)),
         Send(pkt(0x34, s("topic"), M)), Recv(w.pubrec(1234)), alive=True),
])


def acks(name, first, answer=None):
    """Malformed and unmatched acknowledgements of one type (PUBACK, PUBREC,
    PUBREL or PUBCOMP). An ack for an id that is not in flight is ignored
    (PUBREC is answered with PUBREL, PUBREL with PUBCOMP) as Mosquitto does."""
    valid = first | (0x02 if first == 0x60 else 0)
    alive_steps = [Send(pkt(valid, u16(1)))] + ([Recv(answer)] if answer else [])
    return [
        case(name + " before CONNECT", Send(pkt(valid, u16(1))), connect=False),
        case(name + " remaining length 5 bytes", Send(raw(valid, vbi(268435456)))),
        case(name + " unknown id", *alive_steps, alive=True),
        case(name + " byte after the id", Send(pkt(valid, u16(1), 0))),
        case(name + " id 0", Send(pkt(valid, u16(0)))),
        case(name + " empty", Send(pkt(valid))),
        case(name + " id cut", Send(pkt(valid, 1))),
        *[case(name + " fixed header flags %x" % f, Send(pkt(first | f, u16(1))))
          for f in ((0, 3, 4, 6, 0xA) if first == 0x60 else (1, 2, 4, 8))],
    ]


ACKS = (acks("PUBACK", 0x40) + acks("PUBREC", 0x50, w.pubrel(1))
        + acks("PUBREL", 0x60, w.pubcomp(1)) + acks("PUBCOMP", 0x70))

SUB_P1 = [Send(w.subscribe(1234, ("p", 1))), Recv(w.suback(1234, 1))]
SUB_P2 = [Send(w.subscribe(1234, ("p", 2))), Recv(w.suback(1234, 2))]
GOT_Q1 = Recv(w.publish("p", b"message", qos=1, mid=1))
GOT_Q2 = Recv(w.publish("p", b"message", qos=2, mid=1))

FLOW = named("flow", [
    case("qos 0 to ourselves", *SUB_P1, Send(w.publish("p", b"message")),
         Recv(w.publish("p", b"message")), alive=True),
    case("qos 1 received", *SUB_P1, Pub("p", 1, b"message"), GOT_Q1, Send(w.puback(1)),
         alive=True),
    case("qos 1 answered with PUBREC", *SUB_P1, Pub("p", 1, b"message"), GOT_Q1,
         Send(w.pubrec(1))),
    case("qos 1 answered with PUBCOMP", *SUB_P1, Pub("p", 1, b"message"), GOT_Q1,
         Send(w.pubcomp(1))),
    case("qos 2 received", *SUB_P2, Pub("p", 2, b"message"), GOT_Q2, Send(w.pubrec(1)),
         Recv(w.pubrel(1)), Send(w.pubcomp(1)), alive=True),
    case("qos 2 answered with PUBACK", *SUB_P2, Pub("p", 2, b"message"), GOT_Q2,
         Send(w.puback(1))),
    case("qos 2 answered with PUBCOMP before PUBREC", *SUB_P2, Pub("p", 2, b"message"), GOT_Q2,
         Send(w.pubcomp(1))),
    case("qos 2 PUBREL answered with PUBACK", *SUB_P2, Pub("p", 2, b"message"), GOT_Q2,
         Send(w.pubrec(1)), Recv(w.pubrel(1)), Send(w.puback(1))),
    case("qos 2 PUBREC repeated gets PUBREL again", *SUB_P2, Pub("p", 2, b"message"), GOT_Q2,
         Send(w.pubrec(1)), Recv(w.pubrel(1)), Send(w.pubrec(1)), Recv(w.pubrel(1)), alive=True),
])


@pytest.mark.parametrize("c", PUBLISH + ACKS + FLOW, ids=lambda c: c.name)
def test_sequence(shared_broker, c):
    run_case(shared_broker.port, c)
    check_still_serving(shared_broker.port)


def subscriber(port, client_id, topic, qos, clean=True, present=False):
    c = w.client(port, client_id, clean=clean, present=present)
    c.send(w.subscribe(1, (topic, qos)))
    c.expect(w.suback(1, qos))
    return c


def test_qos2_resent_before_pubrel_is_delivered_once(port):
    with subscriber(port, "eo-sub", "eo/t", 2) as sub, w.client(port, "eo-pub") as pub:
        pub.send(w.publish("eo/t", b"once", qos=2, mid=7))
        pub.expect(w.pubrec(7))
        pub.send(w.publish("eo/t", b"once", qos=2, mid=7, dup=True))
        pub.expect(w.pubrec(7))
        pub.send(w.pubrel(7))
        pub.expect(w.pubcomp(7))
        sub.expect(w.publish("eo/t", b"once", qos=2, mid=1))
        sub.send(w.pubrec(1))
        sub.expect(w.pubrel(1))
        sub.send(w.pubcomp(1))
        sub.ping()  # and no second copy


def test_qos2_id_reused_for_another_message_before_pubrel(port):
    # Mosquitto's 03-publish-qos2-reuse-mid: the message that is current when
    # PUBREL arrives is the one delivered (the first one was replaced).
    with subscriber(port, "sub-qos2-test", "#", 2) as sub, w.client(port, "pub-qos2-test") as pub:
        pub.send(w.publish("pub/qos2/test", b"message", qos=2, mid=312))
        pub.expect(w.pubrec(312))
        pub.send(w.publish("pub/qos2/reuse", b"message", qos=2, mid=312))
        pub.expect(w.pubrec(312))
        pub.send(w.pubrel(312))
        pub.expect(w.pubcomp(312))
        sub.expect(w.publish("pub/qos2/reuse", b"message", qos=2, mid=1))


def test_outbound_packet_ids_count_up_from_1(port):
    with subscriber(port, "ids", "ids/t", 1) as sub:
        for i in range(1, 4):
            w.publish_with_helper(port, "ids/t", b"%d" % i, 1)
        for i in range(1, 4):
            sub.expect(w.publish("ids/t", b"%d" % i, qos=1, mid=i))
            sub.send(w.puback(i))
        sub.ping()


def test_qos1_interrupted_flow_is_resent_with_dup(port):
    cid, topic = "03-b2c-disco-qos1", "03/b2c/qos1/disconnect/test"
    sub = subscriber(port, cid, topic, 1, clean=False)
    w.publish_with_helper(port, topic, b"disconnect-message", 1)
    sub.expect(w.publish(topic, b"disconnect-message", qos=1, mid=1))
    sub.send(w.publish("03/b2c/qos1/outgoing", b"outgoing-message", qos=1, mid=3266))
    sub.close()  # without PUBACK
    with w.client(port, cid, clean=False, present=True) as again:
        again.expect(w.publish(topic, b"disconnect-message", qos=1, mid=1, dup=True))
        again.send(w.puback(1))
        again.ping()
    w.client(port, cid).close()


def test_qos2_interrupted_outbound_flow_resumes(port):
    cid, topic = "03-b2c-disco-qos2-test", "03/b2c/qos2/disconnect/test"
    sub = subscriber(port, cid, topic, 2, clean=False)
    w.publish_with_helper(port, topic, b"disconnect-message", 2)
    sub.expect(w.publish(topic, b"disconnect-message", qos=2, mid=1))
    sub.close()  # without PUBREC: the PUBLISH is resent with DUP
    again = w.client(port, cid, clean=False, present=True)
    again.expect(w.publish(topic, b"disconnect-message", qos=2, mid=1, dup=True))
    again.send(w.pubrec(1))
    again.expect(w.pubrel(1))
    again.close()  # without PUBCOMP: PUBREL is resent, not the PUBLISH
    with w.client(port, cid, clean=False, present=True) as last:
        last.expect(w.pubrel(1))
        last.send(w.pubcomp(1))
        last.ping()
    w.client(port, cid).close()


@pytest.mark.parametrize("proto", [3, 4], ids=["MQIsdp", "MQTT"])
def test_qos2_interrupted_inbound_flow_completes_once(port, proto):
    cid, topic = "03-c2b-qos2-disco-test", "03/c2b/qos2/disconnect/test"
    # MQTT 3.1 has no session-present flag, and its clients set DUP on a
    # re-sent PUBREL (0x6A), which 3.1.1 would call malformed.
    present = proto == 4
    rel_again = w.pubrel(1) if proto == 4 else bytes([0x6A, 2, 0, 1])
    with subscriber(port, "c2b-helper", topic, 2) as helper:
        pub = w.client(port, cid, clean=False, proto=proto)
        pub.send(w.publish(topic, b"disconnect-message", qos=2, mid=1))
        pub.expect(w.pubrec(1))
        pub.close()  # as if the PUBREC was lost
        pub = w.client(port, cid, clean=False, present=present, proto=proto)
        pub.send(w.publish(topic, b"disconnect-message", qos=2, mid=1, dup=True))
        pub.expect(w.pubrec(1))
        pub.send(w.pubrel(1))
        pub.expect(w.pubcomp(1))
        pub.close()  # as if the PUBCOMP was lost
        with w.client(port, cid, clean=False, present=present, proto=proto) as last:
            last.send(rel_again)
            last.expect(w.pubcomp(1))
        helper.expect(w.publish(topic, b"disconnect-message", qos=2, mid=1))
        helper.send(w.pubrec(1))
        helper.expect(w.pubrel(1))
        helper.send(w.pubcomp(1))
        helper.ping()  # exactly once
    w.client(port, cid, proto=proto).close()


def test_inflight_window_holds_back_the_rest(start_hearthd):
    h = start_hearthd(config={"mqtt": {"max_inflight": 2}})
    with subscriber(h.port, "window", "win/t", 1) as sub:
        for i in range(1, 5):
            w.publish_with_helper(h.port, "win/t", b"%d" % i, 1)
        sub.expect(w.publish("win/t", b"1", qos=1, mid=1))
        sub.expect(w.publish("win/t", b"2", qos=1, mid=2))
        sub.expect_silence(0.3)
        sub.send(w.puback(1))
        sub.expect(w.publish("win/t", b"3", qos=1, mid=3))
        sub.expect_silence(0.3)
        sub.send(w.puback(2))
        sub.send(w.puback(3))
        sub.expect(w.publish("win/t", b"4", qos=1, mid=4))
        sub.send(w.puback(4))
        sub.ping()


def test_clients_may_not_publish_into_sys(port):
    with subscriber(port, "sys-watch", "$SYS/broker/forged", 0) as sub:
        with w.client(port, "forger") as c:
            c.send(w.publish("$SYS/broker/forged", b"x", qos=1, mid=5))
            c.expect(w.puback(5))  # acknowledged, so the client does not retry forever
        sub.ping()  # but not delivered
    check_still_serving(port)


def test_unreleased_inbound_qos2_is_bounded(start_hearthd):
    # Mosquitto's 03-publish-qos2-max-inflight-exceeded, with Mosquitto's
    # default of 20: the 21st QoS 2 message without PUBREL closes the link.
    h = start_hearthd(config={"mqtt": {"max_incoming_qos2": 20}})
    with w.client(h.port, "pub-qos2-inflight-exceeded") as c:
        for i in range(1, 21):
            c.send(w.publish("pub/qos2/max/inflight/exceeded", b"message", qos=2, mid=i))
            c.expect(w.pubrec(i))
        c.send(w.publish("pub/qos2/max/inflight/exceeded", b"message", qos=2, mid=21))
        c.expect_closed()
    check_still_serving(h.port)
