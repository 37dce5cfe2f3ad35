"""The durability promise, tested with SIGKILL (issue 3).

Once hearthd has sent PUBACK (QoS 1) or PUBREC (QoS 2) for a message, a
kill -9 at any moment after that loses it for no persistent-session
subscriber, and a QoS 2 message is never delivered twice, across a crash.

Publishers (QoS 1 and QoS 2, persistent sessions, raw sockets) and
subscribers (persistent sessions: two online, one away until the end) run in
threads and reconnect to whatever port the broker listens on now. hearthd is
killed with SIGKILL at random points, HEARTH_CRASH_ROUNDS times (20 by
default), and restarted on the same data directory. The subscribers never
subscribe again after the first run: what they receive afterwards comes from
restored subscriptions. At the end every acknowledged message must have
reached every subscriber that matches it, no QoS 2 message may have reached
a subscriber twice, and the retained messages must be back.
"""
import os
import random
import socket
import subprocess
import threading
import time
from collections import Counter

import pytest

from conftest import Hearthd
from mqtt_wire import (DISCONNECT, client, connect, puback, pubcomp, publish, pubrec, pubrel, split_publish,
                       subscribe, suback)

ROUNDS = int(os.environ.get("HEARTH_CRASH_ROUNDS", "20"))
CONFIG = {"mqtt": {"max_queued_messages": 1000000, "max_queued_bytes": 0, "sys_interval": 0},
          # HEARTH_CRASH_ACK=immediate shows the test catching what that mode may lose.
          "persistence": {"ack": os.environ.get("HEARTH_CRASH_ACK", "after_commit")}}


class World:
    """What the client threads share with the test: the broker's current port
    (None while it is down) and the flag that ends them."""

    def __init__(self):
        self.port = None
        self.done = False
        self.errors = []


class Peer(threading.Thread):
    """A persistent-session client that reconnects until the world ends."""

    def __init__(self, world, client_id):
        super().__init__(daemon=True)
        self.world = world
        self.client_id = client_id
        self.connections = 0
        self.active = True  # False: stays away

    def run(self):
        while not self.world.done:
            port = self.world.port
            if port is None or not self.active:
                time.sleep(0.01)
                continue
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=1.0)
            except OSError:
                time.sleep(0.01)
                continue
            try:
                self.session(sock)
            except (OSError, ConnectionError):
                pass
            finally:
                sock.close()

    def session(self, sock):
        sock.settimeout(1.0)
        sock.sendall(connect(self.client_id, clean=False, keepalive=0))
        buf = bytearray()
        packet = self.read(sock, buf)
        if packet is None:
            return
        if packet[0] != 0x20 or packet[3] != 0:
            self.world.errors.append("%s: CONNACK %s" % (self.client_id, packet.hex()))
            return
        if packet[2] != 1 and (self.connections > 0 or isinstance(self, Subscriber)):
            self.world.errors.append("%s: session not present after a restart" % self.client_id)
        self.connections += 1
        self.resume(sock)
        sock.settimeout(0.02)
        while not self.world.done and self.active:
            self.work(sock)
            try:
                packet = self.read(sock, buf)
            except socket.timeout:
                continue
            if packet is None:
                return
            self.handle(sock, packet)
        if not self.active:
            sock.sendall(DISCONNECT)

    @staticmethod
    def read(sock, buf):
        """One whole packet, or None when the connection is gone."""
        while True:
            if len(buf) >= 2:
                length, mult, i = 0, 1, 1
                while i < len(buf) and buf[i] & 0x80:
                    length += (buf[i] & 0x7F) * mult
                    mult *= 128
                    i += 1
                if i < len(buf):
                    length += (buf[i] & 0x7F) * mult
                    end = i + 1 + length
                    if len(buf) >= end:
                        packet = bytes(buf[:end])
                        del buf[:end]
                        return packet
            chunk = sock.recv(65536)
            if not chunk:
                return None
            buf += chunk

    def resume(self, sock):
        pass

    def work(self, sock):
        pass

    def handle(self, sock, packet):
        pass


class Publisher(Peer):
    """Publishes numbered messages at `qos`, a few in flight, and completes
    the flows it had started after every reconnect, as MQTT asks (4.4)."""

    def __init__(self, world, client_id, qos, topic, retained_every=0):
        super().__init__(world, client_id)
        self.qos = qos
        self.topic = topic
        self.retained_every = retained_every
        self.next = 0
        self.inflight = {}  # mid -> [payload, retain, "pub" | "rel"]
        self.acked = set()  # payloads PUBACK'd or PUBREC'd (not the retained ones)
        self.last_retained_acked = -1
        self.stop_new = False
        self.last_send = 0.0

    def resume(self, sock):
        for mid, (payload, retain, state) in list(self.inflight.items()):
            if state == "pub":
                sock.sendall(publish(self.topic_of(retain), payload, self.qos, retain=retain, dup=True, mid=mid))
            else:
                sock.sendall(pubrel(mid))

    def topic_of(self, retain):
        return "crash/retained/last" if retain else self.topic

    def work(self, sock):
        now = time.monotonic()
        if self.stop_new or len(self.inflight) >= 4 or now - self.last_send < 0.003:
            return
        self.last_send = now
        n = self.next
        self.next += 1
        retain = bool(self.retained_every) and n % self.retained_every == 0
        payload = ("%s-%d" % (self.client_id, n)).encode()
        mid = n % 65000 + 1
        self.inflight[mid] = [payload, retain, "pub"]
        sock.sendall(publish(self.topic_of(retain), payload, self.qos, retain=retain, mid=mid))

    def handle(self, sock, packet):
        kind, mid = packet[0] >> 4, int.from_bytes(packet[2:4], "big")
        entry = self.inflight.get(mid)
        if entry is None:
            return
        if kind in (4, 5):  # PUBACK, PUBREC: the broker has the message now
            if entry[1]:
                self.last_retained_acked = max(self.last_retained_acked, int(entry[0].split(b"-")[1]))
            else:
                self.acked.add(entry[0])
        if kind == 4:
            del self.inflight[mid]
        elif kind == 5:
            entry[2] = "rel"
            sock.sendall(pubrel(mid))
        elif kind == 7:
            del self.inflight[mid]


class Subscriber(Peer):
    """Receives as MQTT's receiver "method B" asks: a QoS 2 message is
    delivered on its first PUBLISH and its id remembered until PUBREL, across
    reconnects; a repeat of the id before that is not delivered again."""

    def __init__(self, world, client_id):
        super().__init__(world, client_id)
        self.received = Counter()      # payload -> deliveries at QoS 1
        self.received_qos2 = Counter()  # payload -> deliveries at QoS 2
        self.awaiting_pubrel = set()

    def handle(self, sock, packet):
        kind = packet[0] >> 4
        if kind == 3:
            topic, payload, qos, _retain, _dup, mid = split_publish(packet)
            if qos == 1:
                self.received[payload] += 1
                sock.sendall(puback(mid))
            elif qos == 2:
                if mid not in self.awaiting_pubrel:
                    self.received_qos2[payload] += 1
                    self.awaiting_pubrel.add(mid)
                sock.sendall(pubrec(mid))
        elif kind == 6:
            mid = int.from_bytes(packet[2:4], "big")
            self.awaiting_pubrel.discard(mid)
            sock.sendall(pubcomp(mid))


def subscribe_once(port, client_id, filters):
    """Creates a persistent session with its subscriptions, then leaves."""
    c = client(port, client_id, clean=False)
    c.send(subscribe(1, *filters))
    c.expect(suback(1, *[q for _, q in filters]))
    c.send(DISCONNECT)
    c.close()


def kill(h):
    h.proc.kill()
    h.proc.wait()
    h._reader.join(2)


def test_sigkill_loses_no_acknowledged_message(hearthd_binary, tmp_path):
    rng = random.Random(os.environ.get("HEARTH_CRASH_SEED") or time.time())
    workdir = tmp_path / "broker"
    world = World()

    h = Hearthd(hearthd_binary, workdir, CONFIG)
    subscribe_once(h.port, "s-q1", [("crash/q1/#", 1)])
    subscribe_once(h.port, "s-q2", [("crash/q2/#", 2)])
    subscribe_once(h.port, "s-away", [("crash/q1/#", 1), ("crash/q2/#", 2)])
    for topic in ("crash/retained/a", "crash/retained/b"):
        with client(h.port, "setup") as c:
            c.send(publish(topic, topic.encode(), 1, retain=True, mid=1))
            c.expect(puback(1))

    p1 = Publisher(world, "p1", 1, "crash/q1/m", retained_every=25)
    p2 = Publisher(world, "p2", 2, "crash/q2/m")
    s1 = Subscriber(world, "s-q1")
    s2 = Subscriber(world, "s-q2")
    away = Subscriber(world, "s-away")
    away.active = False
    peers = [p1, p2, s1, s2, away]
    for p in peers:
        p.start()
    logs = []
    try:
        world.port = h.port
        for _ in range(ROUNDS):
            # Some kills come right after the restart, while sessions resume
            # and flights are re-sent; most come in the middle of traffic.
            time.sleep(rng.choice([0.02, 0.1]) if rng.random() < 0.3 else rng.uniform(0.2, 0.8))
            world.port = None
            kill(h)
            logs.append(h.log())
            h = Hearthd(hearthd_binary, workdir, CONFIG)
            world.port = h.port

        # The end: no new messages; finish the flows, bring the absent
        # subscriber back, and wait until everything acknowledged arrived.
        p1.stop_new = p2.stop_new = True
        away.active = True
        deadline = time.monotonic() + 40
        def complete():
            return (not p1.inflight and not p2.inflight
                    and p1.acked <= set(s1.received) and p1.acked <= set(away.received)
                    and p2.acked <= set(s2.received_qos2) and p2.acked <= set(away.received_qos2))
        while time.monotonic() < deadline and not complete():
            time.sleep(0.05)
    finally:
        world.done = True
        for p in peers:
            p.join(5)

    info = "p1 acked %d, p2 acked %d over %d rounds; log of the last run:\n%s" % (
        len(p1.acked), len(p2.acked), ROUNDS, h.log())
    print("crash test: p1 acked %d, p2 acked %d, subscriber connections %d/%d, rounds %d"
          % (len(p1.acked), len(p2.acked), s1.connections, s2.connections, ROUNDS))
    assert not world.errors, "; ".join(world.errors[:5]) + "\n" + info
    assert len(p1.acked) > 0 and len(p2.acked) > 0, info
    assert min(s1.connections, s2.connections) >= ROUNDS // 2, info
    lost = {
        "s-q1": p1.acked - set(s1.received),
        "s-q2": p2.acked - set(s2.received_qos2),
        "s-away (QoS 1)": p1.acked - set(away.received),
        "s-away (QoS 2)": p2.acked - set(away.received_qos2),
    }
    for who, missing in lost.items():
        assert not missing, "%s lost %d acknowledged messages, e.g. %s\n%s" % (
            who, len(missing), sorted(missing)[:5], info)
    for who, sub in (("s-q2", s2), ("s-away", away)):
        twice = [p for p, n in sub.received_qos2.items() if n > 1]
        assert not twice, "%s got QoS 2 messages twice: %s\n%s" % (who, twice[:5], info)

    # Retained messages are back, the last acknowledged update included.
    with client(h.port, "check", clean=True) as c:
        c.send(subscribe(1, ("crash/retained/#", 0)))
        c.expect(suback(1, 0))
        got = {}
        for _ in range(3):
            topic, payload, *_ = split_publish(c.read_packet("a retained message"))
            got[topic] = payload
    assert got["crash/retained/a"] == b"crash/retained/a"
    assert got["crash/retained/b"] == b"crash/retained/b"
    assert int(got["crash/retained/last"].split(b"-")[1]) >= p1.last_retained_acked
    assert h.stop() == 0, h.log()


def mosquitto_sub(port, *args, timeout=10):
    return subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), *args],
                          capture_output=True, text=True, timeout=timeout)


def mosquitto_pub(port, *args):
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), *args], check=True, timeout=10)


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_mosquitto_sub_persistent_session_across_a_restart(hearthd_binary, tmp_path, how):
    workdir = tmp_path / "broker"
    h = Hearthd(hearthd_binary, workdir)
    # mosquitto_sub -c: a persistent session; -E: subscribe and leave.
    r = mosquitto_sub(h.port, "-c", "-i", "msub", "-q", "2", "-t", "mc/#", "-E")
    assert r.returncode == 0, r.stderr
    for i in range(3):
        mosquitto_pub(h.port, "-q", "1", "-t", "mc/%d" % i, "-m", "queued-%d" % i)
    mosquitto_pub(h.port, "-q", "2", "-t", "mc/two", "-m", "exactly-once")
    mosquitto_pub(h.port, "-q", "1", "-r", "-t", "state/light", "-m", "on")
    if how == "sigkill":
        kill(h)
    else:
        assert h.stop() == 0, h.log()
    h = Hearthd(hearthd_binary, workdir)
    try:
        r = mosquitto_sub(h.port, "-c", "-i", "msub", "-q", "2", "-t", "mc/#", "-C", "4", "-W", "8", "-v")
        assert r.returncode == 0, r.stderr + h.log()
        assert sorted(r.stdout.split("\n")[:4]) == [
            "mc/0 queued-0", "mc/1 queued-1", "mc/2 queued-2", "mc/two exactly-once"], r.stdout
        r = mosquitto_sub(h.port, "-t", "state/#", "-C", "1", "-W", "5", "-v")
        assert r.stdout.strip() == "state/light on", r.stdout + r.stderr
    finally:
        assert h.stop() == 0, h.log()


def test_a_damaged_database_stops_hearthd_and_is_left_alone(hearthd_binary, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    garbage = bytes(random.Random(3).getrandbits(8) for _ in range(8192))
    (data / "broker.db").write_bytes(garbage)
    r = subprocess.run([hearthd_binary, "--mqtt", "127.0.0.1:0", "--data-dir", str(data)],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1, r.stderr
    assert "broker.db" in r.stderr and "not a database" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert (data / "broker.db").read_bytes() == garbage
