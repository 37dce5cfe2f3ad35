"""Packets a client may never send, reserved packet types and flags, bad
remaining lengths, and packets over max_packet_size: each closes that
connection without an answer while the broker goes on serving everyone else."""
import time

import pytest

import mqtt_wire as w
from mqtt_wire import pkt, raw, u16, vbi
from sequences import Recv, Send, case, check_still_serving, run_case

RL5 = vbi(268435456)  # five length bytes: never valid


def server_only(name, first, body):
    """CONNACK, SUBACK, UNSUBACK and PINGRESP from a client, well formed or not."""
    return [
        case(name + " before CONNECT", Send(pkt(first, body)), connect=False),
        case(name + " remaining length 5 bytes", Send(raw(first, RL5))),
        case(name, Send(pkt(first, body))),
        case(name + " long", Send(pkt(first, body, 0))),
        case(name + " empty", Send(pkt(first))),
        case(name + " one byte", Send(pkt(first, 1))),
        *[case(name + " fixed header flags %x" % f, Send(pkt(first | f, body))) for f in (1, 2, 4, 8)],
    ]


SERVER_ONLY = (server_only("CONNACK", 0x20, bytes(2)) + server_only("SUBACK", 0x90, u16(1) + b"\0")
               + server_only("UNSUBACK", 0xB0, u16(1)) + server_only("PINGRESP", 0xD0, b""))

CONNACK_EXTRA = [
    case("CONNACK 0x29 from an MQTT 3.1 client", Send(pkt(0x29, 0, 1)), proto=3),
    case("CONNACK 0x29", Send(pkt(0x29, 0, 1))),
    *[case("CONNACK with ack flags %02x" % f, Send(pkt(0x20, f, 0)))
      for f in (0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80)],
    case("SUBACK packet id 0", Send(pkt(0x90, u16(0), 0))),
]

PING_DISCONNECT = [
    case("PINGREQ before CONNECT", Send(w.PINGREQ), connect=False),
    case("PINGREQ remaining length 5 bytes", Send(raw(0xC0, RL5))),
    case("PINGREQ long", Send(pkt(0xC0, 0))),
    case("PINGREQ", Send(w.PINGREQ), Recv(w.PINGRESP), alive=True),
    *[case("PINGREQ fixed header flags %x" % f, Send(pkt(0xC0 | f))) for f in (1, 2, 4, 8)],
    case("DISCONNECT before CONNECT", Send(w.DISCONNECT), connect=False),
    case("DISCONNECT remaining length 5 bytes", Send(raw(0xE0, RL5))),
    case("DISCONNECT long", Send(pkt(0xE0, 0))),
    case("DISCONNECT", Send(w.DISCONNECT)),
    *[case("DISCONNECT fixed header flags %x" % f, Send(pkt(0xE0 | f))) for f in (1, 2, 4, 8)],
]

RESERVED_TYPES = [
    *[case("type %d before CONNECT" % t, Send(pkt(t << 4)), connect=False) for t in (0, 15)],
    *[case("type 0 flags %x before CONNECT" % f, Send(pkt(f)), connect=False) for f in (1, 2, 4, 8)],
    *[case("type %d remaining length 5 bytes" % t, Send(raw(t << 4, RL5))) for t in (0, 15)],
    *[case("type %d long" % t, Send(pkt(t << 4, 0))) for t in (0, 15)],
    *[case("type 0 flags %x" % f, Send(pkt(f))) for f in (0, 1, 2, 4, 8)],
    *[case("type 15 flags %x" % f, Send(pkt(0xF0 | f))) for f in (0, 1, 2, 4, 8)],
]


@pytest.mark.parametrize("c", SERVER_ONLY + CONNACK_EXTRA + PING_DISCONNECT + RESERVED_TYPES,
                         ids=lambda c: c.name)
def test_sequence(shared_broker, c):
    run_case(shared_broker.port, c)
    check_still_serving(shared_broker.port)


def test_packet_over_max_packet_size_is_refused(start_hearthd):
    h = start_hearthd(config={"mqtt": {"max_packet_size": 1024}})
    with w.client(h.port, "big-ok") as c:
        fits = w.publish("t", b"x" * (1024 - 3))  # remaining length exactly 1024
        assert len(fits) == 1 + 2 + 1024
        c.send(w.subscribe(1, ("t", 0)))
        c.expect(w.suback(1, 0))
        c.send(fits)
        c.expect(fits)
    with w.client(h.port, "big-no") as c:
        c.send(w.publish("t", b"x" * (1025 - 3)))
        c.expect_closed()
    check_still_serving(h.port)


def test_oversize_is_refused_from_the_header_alone(start_hearthd):
    h = start_hearthd(config={"mqtt": {"max_packet_size": 1024}})
    for first in (0x30, 0x10):  # after CONNECT, and as the first packet
        with w.Conn(h.port) as c:
            if first == 0x30:
                c.send(w.connect("huge"))
                c.expect(w.connack(0))
            t0 = time.monotonic()
            c.send(bytes([first]) + vbi(268435455))  # announces 256 MiB, sends none
            c.expect_closed(timeout=3)
            assert time.monotonic() - t0 < 2
    check_still_serving(h.port)


def test_hostile_connections_do_not_disturb_a_connected_client(shared_broker):
    port = shared_broker.port
    with w.client(port, "steady") as steady:
        steady.send(w.subscribe(1, ("steady/t", 1)))
        steady.expect(w.suback(1, 1))
        for c in SERVER_ONLY + RESERVED_TYPES:
            run_case(port, c)
        steady.ping()
        w.publish_with_helper(port, "steady/t", b"still here", 1)
        steady.expect(w.publish("steady/t", b"still here", qos=1, mid=1))
        steady.send(w.puback(1))
