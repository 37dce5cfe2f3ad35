"""Backpressure: a QoS 1/2 subscriber that falls behind holds its publishers
up (their PUBACK/PUBCOMP come late) instead of the broker dropping messages it
has acknowledged; one that makes no progress for backpressure_timeout is let
go, loses its overflow (counted in $SYS), and the others get everything.

Small limits make the marks easy to reach: a window of 2 and a queue of 8, so
publishers wait once 4 messages queue behind a subscriber's window."""
import threading
import time

import mqtt_wire as w

TOPIC = "bp/t"
PUBLISHERS = 3


def config(timeout):
    return {"mqtt": {"max_inflight": 2, "max_queued_messages": 8, "backpressure_timeout": timeout,
                     "sys_interval": 1}}


def payload(p, i):
    return b"%d:%d" % (p, i)


class Client:
    """A raw connection shared by a thread that reads and one that writes."""

    def __init__(self, port, cid, timeout=w.TIMEOUT):
        self.conn = w.Conn(port, timeout=timeout)
        self.lock = threading.Lock()
        self.conn.send(w.connect(cid))
        self.conn.expect(w.connack(0), "CONNACK for %s" % cid)

    def send(self, data):
        with self.lock:
            self.conn.send(data)

    def subscribe(self, topic, qos):
        self.send(w.subscribe(1, (topic, qos)))
        self.conn.expect(w.suback(1, qos))

    def close(self):
        self.conn.close()


class Runner(threading.Thread):
    """Runs `fn` on its own thread and keeps its exception for the test."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.error = fn, None

    def run(self):
        try:
            self.fn()
        except BaseException as e:  # reported by check()
            self.error = e

    def check(self, timeout):
        self.join(timeout)
        assert not self.is_alive(), "thread still running after %.0f s" % timeout
        if self.error:
            raise self.error


def subscribe_reader(client, expected, delay=0.0, received=None):
    """Reads PUBLISH packets until `expected` arrived, acknowledging each
    after `delay` seconds (QoS 1: PUBACK; QoS 2: PUBREC, then PUBCOMP for the
    PUBREL). Returns the list it appends the payloads to."""
    received = [] if received is None else received

    def run():
        released = 0
        while len(received) < expected or released < len(received):
            data = client.conn.read_packet("PUBLISH %d of %d" % (len(received) + 1, expected))
            kind = data[0] >> 4
            if kind == 6:  # PUBREL
                client.send(w.pubcomp(int.from_bytes(data[2:4], "big")))
                released += 1
                continue
            assert kind == 3, "expected PUBLISH, got %s" % w.describe(data)
            _, body, qos, _, dup, mid = w.split_publish(data)
            assert not dup, "a message was sent twice: %s" % w.describe(data)
            received.append(body)
            if delay:
                time.sleep(delay)
            if qos == 1:
                client.send(w.puback(mid))
                released += 1
            elif qos == 2:
                client.send(w.pubrec(mid))
            else:
                released += 1

    return received, Runner(run)


def publisher(client, p, count, qos, done_at, window=10):
    """Publishes `count` messages on TOPIC at `qos`, keeping `window` of them
    unacknowledged (QoS 2 is bounded by max_incoming_qos2), and checks that the
    acknowledgements come in order. Records when the last one came."""

    def run():
        sent = acked = 0
        while acked < count:
            while sent < count and sent - acked < window:
                sent += 1
                client.send(w.publish(TOPIC, payload(p, sent - 1), qos=qos, mid=sent))
            data = client.conn.read_packet("ack %d of %d for publisher %d" % (acked + 1, count, p))
            kind, mid = data[0] >> 4, int.from_bytes(data[2:4], "big")
            if qos == 2 and kind == 5:  # PUBREC
                client.send(w.pubrel(mid))
                continue
            assert kind == (4 if qos == 1 else 7), "publisher %d got %s" % (p, w.describe(data))
            assert mid == acked + 1, "publisher %d: ack for %d, expected %d" % (p, mid, acked + 1)
            acked += 1
        done_at[p] = time.monotonic()

    return Runner(run)


def check_order(received, count, publishers=PUBLISHERS):
    """Every message of every publisher exactly once, in its publisher's order."""
    per = {p: [] for p in range(publishers)}
    for body in received:
        p, i = body.split(b":")
        per[int(p)].append(int(i))
    for p in range(publishers):
        assert per[p] == list(range(count)), "publisher %d: got %d messages, first wrong at %s" % (
            p, len(per[p]), next((k for k, v in enumerate(per[p]) if v != k), len(per[p])))


def sys_value(port, topic):
    """The retained $SYS value of `topic`, as an int."""
    with w.client(port, "sys-reader") as c:
        c.send(w.subscribe(1, (topic, 0)))
        c.expect(w.suback(1, 0))
        _, body, _, _, _, _ = w.split_publish(c.read_packet(topic))
        return int(body)


def wait_sys(port, topic, predicate, what):
    """Waits for $SYS (published each second) to show a value that satisfies `predicate`."""
    last = []

    def ok():
        last[:] = [sys_value(port, topic)]
        return predicate(last[0])

    try:
        w.wait_until(ok, timeout=5, interval=0.25, what=what)
    except AssertionError:
        raise AssertionError("%s: %s is %s" % (what, topic, last)) from None
    return last[0]


def run_publishers(port, count, qos, window):
    clients = [Client(port, "pub%d" % p, timeout=10) for p in range(PUBLISHERS)]
    done_at = {}
    runners = [publisher(c, p, count, qos, done_at, window) for p, c in enumerate(clients)]
    return clients, runners, done_at


def slow_subscriber_case(start_hearthd, qos):
    h = start_hearthd(config=config(timeout=10))
    count = 100
    sub = Client(h.port, "slow", timeout=10)
    sub.subscribe(TOPIC, qos)
    received, reader = subscribe_reader(sub, PUBLISHERS * count, delay=0.003)
    reader.start()
    clients, runners, _ = run_publishers(h.port, count, qos, window=count if qos == 1 else 10)
    t0 = time.monotonic()
    for r in runners:
        r.start()
    for r in runners:
        r.check(15)
    reader.check(15)
    elapsed = time.monotonic() - t0
    check_order(received, count)
    # Held up, not dropped: publishers were paused, nothing stalled or lost.
    assert wait_sys(h.port, "$SYS/broker/publish/publishers/paused", lambda v: v >= 1,
                    "publishers paused (run took %.2f s)" % elapsed) >= 1
    assert sys_value(h.port, "$SYS/broker/publish/subscribers/stalled") == 0
    assert sys_value(h.port, "$SYS/broker/publish/messages/dropped") == 0
    for c in clients + [sub]:
        c.close()


def test_slow_qos1_subscriber_holds_publishers_up_and_loses_nothing(start_hearthd):
    slow_subscriber_case(start_hearthd, 1)


def test_slow_qos2_subscriber_holds_publishers_up_and_loses_nothing(start_hearthd):
    slow_subscriber_case(start_hearthd, 2)


def stalled_subscriber_case(start_hearthd, qos):
    timeout = 2
    h = start_hearthd(config=config(timeout=timeout))
    count = 50
    staller = Client(h.port, "staller")
    staller.subscribe(TOPIC, qos)  # and never reads from here on
    good = Client(h.port, "good", timeout=10)
    good.subscribe(TOPIC, qos)
    received, reader = subscribe_reader(good, PUBLISHERS * count)
    reader.start()
    clients, runners, done_at = run_publishers(h.port, count, qos, window=count if qos == 1 else 10)
    t0 = time.monotonic()
    for r in runners:
        r.start()
    for r in runners:
        r.check(timeout + 8)
    reader.check(5)
    # The publishers waited for the staller (the broker checks the timeout
    # once a second, so up to a second less than it), then went on.
    last = max(done_at.values()) - t0
    assert last >= timeout - 1.1, "publishers done after %.2f s: they did not wait" % last
    assert last < timeout + 4, "publishers done after %.2f s" % last
    check_order(received, count)

    wait_sys(h.port, "$SYS/broker/publish/subscribers/stalled", lambda v: v == 1, "one stalled subscriber")
    # The staller keeps its window (2) and its queue (8); the rest is dropped.
    wait_sys(h.port, "$SYS/broker/publish/messages/dropped", lambda v: v == PUBLISHERS * count - 10,
             "the staller's overflow dropped")
    assert sys_value(h.port, "$SYS/broker/publish/publishers/paused") >= 1

    # When it reads at last, it gets those 10, each once, and nothing more.
    got, late = subscribe_reader(staller, 10)
    late.start()
    late.check(10)
    assert len(set(got)) == 10
    staller.conn.ping()
    for c in clients + [good, staller]:
        c.close()


def test_stalled_qos1_subscriber_is_let_go_after_the_timeout(start_hearthd):
    stalled_subscriber_case(start_hearthd, 1)


def test_stalled_qos2_subscriber_is_let_go_after_the_timeout(start_hearthd):
    stalled_subscriber_case(start_hearthd, 2)


def test_two_clients_publishing_to_each_other_do_not_wait_for_the_timeout(start_hearthd):
    """A and B each subscribe to what the other publishes and acknowledge
    promptly. A paused link reads no PUBACKs either, so if A waits for B's
    queue while B waits for A's, neither queue can drain: that must not hold
    them up until backpressure_timeout, nor lose messages."""
    timeout = 5
    h = start_hearthd(config=config(timeout=timeout))
    count = 300
    a, b = Client(h.port, "a", timeout=10), Client(h.port, "b", timeout=10)
    a.subscribe("bp/to-a", 1)
    b.subscribe("bp/to-b", 1)
    results = {}

    def peer(me, name, to):
        def run():
            for i in range(count):
                me.send(w.publish(to, payload(0, i), qos=1, mid=i + 1))
            got, acks = [], 0
            while len(got) < count or acks < count:
                data = me.conn.read_packet("%s: %d messages, %d PUBACKs" % (name, len(got), acks))
                if data[0] >> 4 == 4:
                    acks += 1
                    continue
                _, body, _, _, _, mid = w.split_publish(data)
                got.append(body)
                me.send(w.puback(mid))
            results[name] = got
        return Runner(run)

    runners = [peer(a, "a", "bp/to-b"), peer(b, "b", "bp/to-a")]
    t0 = time.monotonic()
    for r in runners:
        r.start()
    for r in runners:
        r.check(timeout + 8)
    elapsed = time.monotonic() - t0
    for name in ("a", "b"):
        check_order(results[name], count, publishers=1)
    assert sys_value(h.port, "$SYS/broker/publish/subscribers/stalled") == 0, \
        "a and b held each other up until the timeout (%.2f s)" % elapsed
    assert elapsed < timeout - 1, "took %.2f s" % elapsed
    a.close()
    b.close()


def test_paused_publisher_that_disconnects_is_noticed_and_forgotten(start_hearthd):
    """Past the high-water mark (4 queued behind a window of 2) a publisher's
    PUBLISH packets wait unacknowledged. If it goes away meanwhile, the broker
    notices at once (its will goes out long before backpressure_timeout), what
    it had not acknowledged is not delivered, and the subscriber it waited for
    drains normally afterwards."""
    h = start_hearthd(config=config(timeout=10))
    staller = Client(h.port, "staller")
    staller.subscribe(TOPIC, 1)
    watcher = w.client(h.port, "watcher")
    watcher.send(w.subscribe(1, ("bp/will", 0)))
    watcher.expect(w.suback(1, 0))

    pub = w.client(h.port, "pub", will=("bp/will", b"gone", 0, False))
    for i in range(20):
        pub.send(w.publish(TOPIC, payload(0, i), qos=1, mid=i + 1))
    for i in range(6):  # 2 in flight + 4 queued: acknowledged, then paused
        pub.expect(w.puback(i + 1))
    pub.expect_silence(0.5)
    t0 = time.monotonic()
    pub.close()
    watcher.expect(w.publish("bp/will", b"gone"), "the will of the paused publisher")
    assert time.monotonic() - t0 < 3

    got, reader = subscribe_reader(staller, 6)
    reader.start()
    reader.check(10)
    assert got == [payload(0, i) for i in range(6)]
    staller.conn.expect_silence(0.5)  # nothing it did not acknowledge
    assert sys_value(h.port, "$SYS/broker/publish/messages/dropped") == 0
    staller.close()
    watcher.close()
