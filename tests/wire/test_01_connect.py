"""CONNECT and CONNACK (MQTT 3.1.1 section 3.1/3.2, and MQTT 3.1 `MQIsdp`):
accepted and refused CONNECTs byte by byte, zero-length client ids, session
present, takeover, the connect deadline, and a second CONNECT."""
import time

import pytest

import mqtt_wire as w
from mqtt_wire import pkt, raw, s, u16, vbi
from sequences import Recv, Send, case, check_still_serving, run_case

CONNACK_OK = w.connack(0)
# For a protocol level it does not support, Mosquitto answers with the MQTT 5
# form of CONNACK (0x84, "unsupported protocol version") and closes. MQTT
# 3.1.1 [MQTT-3.1.2-2] asks for return code 0x01 instead; the external
# compliance run checks these exact bytes, so this is what we expect here.
CONNACK_BAD_LEVEL = bytes.fromhex("2003008400")

# Strings Mosquitto refuses in client ids, will topics, user names, topics and
# filters: U+0000 and surrogates (MQTT-1.5.3-1/2) and the control characters
# U+0001-U+001F and U+007F-U+009F (MQTT-1.5.3 lets a receiver close for them).
BAD_UTF8 = {
    "U+0000": bytes.fromhex("746f700000"),
    "U+D800": bytes.fromhex("746feda080"),
    "U+0001": bytes.fromhex("746f700170"),
    "U+001F": bytes.fromhex("746f701f70"),
    "U+007F": bytes.fromhex("746f707f70"),
    "U+009F": bytes.fromhex("746fc29f70"),
    "U+DFFF": bytes.fromhex("746fedbfbf"),
}


def mqtt(flags, *payload, level=4, keepalive=10, first=0x10):
    return pkt(first, s("MQTT"), level, flags, u16(keepalive), *payload)


def mqisdp(flags, *payload, level=3, first=0x10):
    return pkt(first, s("MQIsdp"), level, flags, u16(10), *payload)


V31 = [
    # MQTT 3.1 does not define the reserved flag or the fixed-header flags.
    case("v31 reserved connect flag ignored", Send(mqisdp(0x01, s("p"))), Recv(CONNACK_OK),
         connect=False, alive=True),
    case("v31 fixed header flags ignored", Send(mqisdp(0x01, s("p"), first=0x14)),
         Recv(CONNACK_OK), connect=False, alive=True),
    case("v31 level 2", Send(mqisdp(0, s("p"), level=2)), Recv(CONNACK_BAD_LEVEL), connect=False),
    case("v31 level 6", Send(mqisdp(0, s("p"), level=6)), Recv(CONNACK_BAD_LEVEL), connect=False),
    # MQTT 3.1 requires a client id of at least one character.
    case("v31 empty client id", Send(mqisdp(0x02, s(""))), Recv(w.connack(2)), connect=False),
    case("v31 ok", Send(mqisdp(0x02, s("p"))), Recv(CONNACK_OK), connect=False, alive=True),
    case("v31 remaining length 5 bytes",
         Send(raw(0x10, vbi(268435456), s("MQIsdp"), 3, 2, u16(10), s("p"))), connect=False),
]

V311 = [
    case("ok", Send(mqtt(0x02, s("p"))), Recv(CONNACK_OK), connect=False, alive=True),
    case("second CONNECT [MQTT-3.1.0-2]", Send(mqtt(0x02, s("p"))), Recv(CONNACK_OK),
         Send(mqtt(0x02, s("p"))), connect=False),
    case("missing client id", Send(mqtt(0x02)), connect=False),
    case("empty client id", Send(mqtt(0x02, s(""))), Recv(CONNACK_OK), connect=False, alive=True),
    case("empty client id without clean session [MQTT-3.1.3-8]", Send(mqtt(0x00, s(""))),
         Recv(w.connack(2)), connect=False),
    case("level 2 [MQTT-3.1.2-2]", Send(mqtt(0x00, s("p"), level=2)), Recv(CONNACK_BAD_LEVEL),
         connect=False),
    case("level 6 [MQTT-3.1.2-2]", Send(mqtt(0x00, s("p"), level=6)), Recv(CONNACK_BAD_LEVEL),
         connect=False),
    case("remaining length 5 bytes",
         Send(raw(0x10, vbi(268435456), s("MQTT"), 5, 2, u16(10), s("p"))), connect=False),
    *[case("fixed header flags %x" % f, Send(mqtt(0x02, s("p"), first=0x10 | f)), connect=False)
      for f in (1, 2, 4, 8)],
    case("protocol name MQT", Send(pkt(0x10, s("MQT"), 4, 2, u16(10), s("p"))), connect=False),
    case("protocol name empty", Send(pkt(0x10, s(""), 4, 2, u16(10), s("p"))), connect=False),
    case("protocol name MQTTT", Send(pkt(0x10, s("MQTTT"), 4, 2, u16(10), s("p"))), connect=False),
    case("protocol name MQTU [MQTT-3.1.2-1]", Send(pkt(0x10, s("MQTU"), 4, 2, u16(10), s("p"))),
         connect=False),
    case("reserved flag [MQTT-3.1.2-3]", Send(mqtt(0x03, s("p"))), connect=False),
    case("will qos without will flag [MQTT-3.1.2-13]", Send(mqtt(0x0A, s("p"))), connect=False),
    case("will retain without will flag [MQTT-3.1.2-15]", Send(mqtt(0x12, s("p"))), connect=False),
    case("will flag without will topic and message", Send(mqtt(0x06, s("p"))), connect=False),
    case("will flag without will message", Send(mqtt(0x06, s("p"), s("p"))), connect=False),
    case("will ok", Send(mqtt(0x06, s("p"), s("p"), s("p"))), Recv(CONNACK_OK), connect=False,
         alive=True),
    case("will qos 3 [MQTT-3.1.2-14]", Send(mqtt(0x1E, s("p"), s("p"), s("p"))), connect=False),
    *[case("will topic with " + k, Send(mqtt(0x06, s("p"), s(v), s("p"))), connect=False)
      for k, v in BAD_UTF8.items()],
    *[case("client id with " + k, Send(mqtt(0x02, s(v))), connect=False)
      for k, v in BAD_UTF8.items()],
    case("bytes after the client id", Send(mqtt(0x02, s("p"), s("p"))), connect=False),
    case("user name flag without user name", Send(mqtt(0x82, s("p"))), connect=False),
    *[case("user name with " + k, Send(mqtt(0x82, s("p"), s(v))), connect=False)
      for k, v in BAD_UTF8.items()],
    case("empty user name", Send(mqtt(0x82, s("p"), s(""))), Recv(CONNACK_OK), connect=False,
         alive=True),
    case("user name and password", Send(mqtt(0xC2, s("p"), s("p"), s("p"))), Recv(CONNACK_OK),
         connect=False, alive=True),
    case("password without password flag", Send(mqtt(0x82, s("p"), s("p"), s("p"))),
         connect=False),
    case("password flag without password", Send(mqtt(0xC2, s("p"), s("p"))), connect=False),
    case("password without user name [MQTT-3.1.2-22]", Send(mqtt(0x42, s("p"), s("p"))),
         connect=False),
    # A password is binary data: U+0000 is fine there.
    case("password with NUL bytes", Send(mqtt(0xC2, s("p"), s("p"), s(BAD_UTF8["U+0000"]))),
         Recv(CONNACK_OK), connect=False, alive=True),
    case("duplicate CONNECT", Send(mqtt(0x02, s("p")))),
    # The remaining length ends inside the CONNECT; what follows is garbage.
    case("remaining length shorter than the fields",
         Send(raw(0x10, vbi(7), s("MQTT"), 4, 0xC2, u16(60), s("test-python"), s("admin"),
                  s("password"))), connect=False),
]


@pytest.mark.parametrize("c", V31, ids=lambda c: c.name)
def test_mqtt31_connect(shared_broker, c):
    run_case(shared_broker.port, c)
    check_still_serving(shared_broker.port)


@pytest.mark.parametrize("c", V311, ids=lambda c: c.name)
def test_mqtt311_connect(shared_broker, c):
    run_case(shared_broker.port, c)
    check_still_serving(shared_broker.port)


def test_mqtt31_client_id_longer_than_23_is_accepted(port):
    # Mosquitto does not enforce MQTT 3.1's 23-character limit; neither do we.
    with w.Conn(port) as c:
        c.send(w.connect("a-client-id-of-thirty-characters"[:30], proto=3))
        c.expect(CONNACK_OK)
        c.ping()


def test_mqtt31_connack_never_reports_a_session(port):
    # The session-present flag does not exist in MQTT 3.1.
    for _ in range(2):
        with w.Conn(port) as c:
            c.send(w.connect("v31-persistent", clean=False, proto=3))
            c.expect(CONNACK_OK)
            c.send(w.DISCONNECT)


def test_zero_length_client_ids_get_distinct_sessions(port):
    a = w.client(port, "")
    b = w.client(port, "")
    # Neither took the other over: both still answer.
    a.ping()
    b.ping()
    a.close()
    b.close()


def test_session_present_flag(port):
    with w.client(port, "present", clean=False, present=False) as c:
        c.send(w.DISCONNECT)
    with w.client(port, "present", clean=False, present=True) as c:
        c.send(w.DISCONNECT)
    # A clean session discards the stored one [MQTT-3.1.2-6] and reports none.
    with w.client(port, "present", clean=True, present=False) as c:
        c.send(w.DISCONNECT)
    with w.client(port, "present", clean=False, present=False) as c:
        c.send(w.DISCONNECT)
    with w.client(port, "present", clean=True, present=False):
        pass


def test_takeover_closes_the_old_connection(port):
    old = w.client(port, "take-over")
    new = w.client(port, "take-over")
    old.expect_closed()
    new.ping()
    old.close()
    new.close()


@pytest.mark.parametrize("first", [
    w.publish("t", b"x"), w.subscribe(1, ("t", 0)), w.PINGREQ, w.DISCONNECT,
    w.puback(1), w.pubrel(1), w.unsubscribe(1, "t"),
], ids=lambda p: w.describe(p).split("(")[0])
def test_first_packet_must_be_connect(shared_broker, first):
    with w.Conn(shared_broker.port) as c:
        c.send(first)
        c.expect_closed()
    check_still_serving(shared_broker.port)


def test_wrong_protocol_name_gets_no_connack(port):
    with w.Conn(port) as c:
        c.send(pkt(0x10, s("hj"), 4, 2, u16(0), s("myclientid")))
        c.expect_closed()


def test_connect_deadline(start_hearthd):
    h = start_hearthd(config={"mqtt": {"connect_timeout": 1}})
    silent = w.Conn(h.port)
    partial = w.Conn(h.port)
    partial.send(w.connect("partial")[:5])
    t0 = time.monotonic()
    silent.expect_closed(timeout=4)
    partial.expect_closed(timeout=4)
    elapsed = time.monotonic() - t0
    assert 0.5 <= elapsed <= 3.5, "connect deadline of 1 s enforced after %.2f s" % elapsed
    # A client that does connect in time is not affected by the deadline.
    with w.client(h.port, "in-time") as c:
        time.sleep(1.5)
        c.ping()
    silent.close()
    partial.close()
