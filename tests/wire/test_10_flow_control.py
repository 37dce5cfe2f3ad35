"""Flow control: a subscriber that stops reading never slows anyone else. Its
QoS 0 messages are dropped past write_queue_soft_bytes (the connection stays);
its QoS 1/2 messages wait in its session queue (never dropped); and a client
pushed past write_queue_hard_bytes by what may not be dropped is disconnected,
which publishes its will. The stalled client shrinks its socket receive buffer
so that the kernel cannot absorb the backlog on the broker's behalf."""
import struct
import threading
import time

import mqtt_wire as w

LIMITS = {"max_packet_size": 262144, "write_queue_soft_bytes": 65536,
          "write_queue_hard_bytes": 1048576, "max_queued_messages": 5000,
          "max_queued_bytes": 64 * 1048576}
# A reader's in-flight window (20 x 16 KiB) stays under the hard limit...
CONFIG = {"mqtt": dict(LIMITS, max_inflight=20)}
# ...while 400 x 16 KiB in flight to a client that never reads goes past it.
WIDE_WINDOW = {"mqtt": dict(LIMITS, max_inflight=400)}
COUNT = 600
SIZE = 16384  # 600 x 16 KiB is more than the kernel buffers of both ends


def payload(i):
    return struct.pack("!I", i) + b"x" * (SIZE - 4)


class Reader(threading.Thread):
    """Reads PUBLISH packets as fast as they come, acknowledges QoS 1 and
    records their numbers."""

    def __init__(self, conn):
        super().__init__(daemon=True)
        self.conn, self.seen, self.error = conn, [], None

    def run(self):
        try:
            while len(self.seen) < COUNT:
                topic, body, qos, retain, dup, mid = w.split_publish(self.conn.read_packet())
                if qos == 1:
                    self.conn.send(w.puback(mid))
                self.seen.append(struct.unpack("!I", body[:4])[0])
        except Exception as e:  # reported by the test
            self.error = e


def stalled_client(port, cid, qos, will=None):
    c = w.Conn(port, rcvbuf=4096)
    c.send(w.connect(cid, will=will))
    c.expect(w.connack(0))
    c.send(w.subscribe(1, ("fc/t", qos)))
    c.expect(w.suback(1, qos))
    return c


def ping_time(conn):
    t0 = time.monotonic()
    conn.ping()
    return time.monotonic() - t0


def test_stalled_qos0_subscriber_loses_messages_and_slows_nobody(start_hearthd):
    h = start_hearthd(config=CONFIG)
    staller = stalled_client(h.port, "staller", 0)
    # The reading subscriber takes QoS 1, which is never dropped, so it must
    # get every message even though it reads from Python, slower than the
    # publisher writes; the staller's QoS 0 copies of the same messages are
    # the ones that may be dropped.
    good = w.client(h.port, "good")
    good.send(w.subscribe(1, ("fc/t", 1)))
    good.expect(w.suback(1, 1))
    bystander = w.client(h.port, "bystander")
    reader = Reader(good)
    reader.start()

    with w.client(h.port, "firehose") as pub:
        t0 = time.monotonic()
        for i in range(COUNT):
            pub.send(w.publish("fc/t", payload(i), qos=1, mid=i + 1))
        for i in range(COUNT):
            pub.expect(w.puback(i + 1))
    worst_ping = max(ping_time(bystander) for _ in range(5))
    reader.join(30)
    elapsed = time.monotonic() - t0
    assert reader.error is None, reader.error
    assert reader.seen == list(range(COUNT)), "the reading subscriber missed or reordered messages"
    assert worst_ping < 0.5, "a bystander waited %.2f s for PINGRESP" % worst_ping
    assert elapsed < 20, "fan-out with a stalled subscriber took %.1f s" % elapsed

    # Now the staller reads what was kept for it: fewer messages, but in order,
    # and its connection is still there.
    staller.sock.setsockopt(w.socket.SOL_SOCKET, w.socket.SO_RCVBUF, 1 << 20)
    got = []
    staller.timeout = 1.0
    while True:
        try:
            packet = staller.read_packet()
        except AssertionError:
            break
        got.append(struct.unpack("!I", w.split_publish(packet)[1][:4])[0])
    assert 0 < len(got) < COUNT, "stalled QoS 0 subscriber got %d of %d" % (len(got), COUNT)
    assert got == sorted(got)
    staller.timeout = 5
    staller.ping()
    for c in (staller, good, bystander):
        c.close()


def test_stalled_qos1_subscriber_keeps_its_messages_in_the_session(start_hearthd):
    # A window of 400 x 16 KiB would be 6 MiB in the socket's write queue; the
    # broker stops filling it at write_queue_soft_bytes and keeps the rest in
    # the session queue, so the stalled client costs bounded socket memory, is
    # not disconnected, and gets everything once it reads.
    h = start_hearthd(config=WIDE_WINDOW)
    staller = stalled_client(h.port, "staller1", 1)
    n = 400
    with w.client(h.port, "firehose1") as pub:
        for i in range(n):
            pub.send(w.publish("fc/t", payload(i), qos=1, mid=i + 1))
        for i in range(n):  # every publish is still acknowledged promptly
            pub.expect(w.puback(i + 1))
        worst_ping = max(ping_time(pub) for _ in range(5))
    assert worst_ping < 0.5, "the publisher waited %.2f s for PINGRESP" % worst_ping
    staller.sock.setsockopt(w.socket.SOL_SOCKET, w.socket.SO_RCVBUF, 1 << 20)
    staller.timeout = 10
    got = []
    while len(got) < n:
        topic, body, qos, retain, dup, mid = w.split_publish(staller.read_packet())
        staller.send(w.puback(mid))
        got.append(struct.unpack("!I", body[:4])[0])
    assert got == list(range(n))
    staller.ping()
    staller.close()


def test_client_that_never_reads_its_retained_messages_is_disconnected_past_the_hard_limit(
        start_hearthd):
    # Retained messages sent on subscribe are never dropped (MQTT-3.3.1-6), so
    # they are what can push a non-reading client past write_queue_hard_bytes:
    # it is disconnected, which publishes its will, and nobody else waits.
    h = start_hearthd(config=CONFIG)
    watcher = w.client(h.port, "watcher")
    watcher.send(w.subscribe(1, ("fc/will", 0)))
    watcher.expect(w.suback(1, 0))
    with w.client(h.port, "retainer") as pub:
        for i in range(100):  # 1.6 MiB of retained messages
            pub.send(w.publish("fc/r/%d" % i, payload(i), qos=1, mid=i + 1, retain=True))
        for i in range(100):
            pub.expect(w.puback(i + 1))
    staller = w.Conn(h.port, rcvbuf=4096)
    staller.send(w.connect("staller2", will=("fc/will", b"overflow", 0, False)))
    staller.expect(w.connack(0))
    staller.send(w.subscribe(1, ("fc/r/#", 0)))
    watcher.timeout = 10
    watcher.expect(w.publish("fc/will", b"overflow"))  # the staller was cut off
    worst_ping = max(ping_time(watcher) for _ in range(5))
    assert worst_ping < 0.5, "a bystander waited %.2f s for PINGRESP" % worst_ping
    staller.close()
    watcher.close()
