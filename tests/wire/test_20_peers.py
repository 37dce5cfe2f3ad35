"""Real peers, unchanged: Debian's mosquitto_pub/mosquitto_sub and paho-mqtt
1.6 against hearthd. Retained messages, wills, QoS 2 exactly once, queued
delivery to a persistent session, takeover and keep-alive expiry."""
import os
import queue
import signal
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest

import mqtt_wire as w

PUB, SUB = "/usr/bin/mosquitto_pub", "/usr/bin/mosquitto_sub"


def run(cmd, timeout=10):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, "%s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr)
    return p.stdout


def mpub(port, *args):
    run([PUB, "-h", "127.0.0.1", "-p", str(port), *args])


def msub(port, *args):
    """Starts mosquitto_sub and waits until its subscription is in place."""
    p = subprocess.Popen([SUB, "-h", "127.0.0.1", "-p", str(port), *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    return p


def finish(p, timeout=10):
    out, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, "mosquitto_sub exited %d: %s" % (p.returncode, err)
    return out.splitlines()


class Paho:
    """A paho-mqtt 1.6 client with its network loop in a thread and every
    received message in a queue."""

    def __init__(self, port, cid, clean=True, keepalive=60, will=None, loop=True):
        self.messages, self.disconnects = queue.Queue(), queue.Queue()
        self.c = mqtt.Client(client_id=cid, clean_session=clean, protocol=mqtt.MQTTv311)
        self.c.on_message = lambda c, u, m: self.messages.put(m)
        self.c.on_disconnect = self._on_disconnect
        if will:
            self.c.will_set(*will)
        connected = queue.Queue()
        self.c.on_connect = lambda c, u, flags, rc: connected.put((flags, rc))
        self.c.connect("127.0.0.1", port, keepalive=keepalive)
        self.looping = loop
        if loop:
            self.c.loop_start()
        else:
            while connected.empty():
                self.c.loop(0.1)
        self.flags, rc = connected.get(timeout=5)
        assert rc == 0, "CONNACK return code %d" % rc

    def _on_disconnect(self, client, userdata, rc):
        self.disconnects.put(rc)
        if rc != 0:
            client.disconnect()  # no automatic reconnect: the tests decide

    def subscribe(self, topic, qos):
        done = queue.Queue()
        self.c.on_subscribe = lambda c, u, mid, granted: done.put(granted)
        self.c.subscribe(topic, qos)
        return done.get(timeout=5)

    def get(self, timeout=5):
        return self.messages.get(timeout=timeout)

    def close(self):
        self.c.disconnect()
        if self.looping:
            self.c.loop_stop()


@pytest.fixture
def peers():
    made = []
    yield made
    for p in made:
        try:
            p.close()
        except Exception:
            pass


def test_mosquitto_pub_to_mosquitto_sub(port):
    sub = msub(port, "-t", "peers/hello", "-q", "1", "-C", "1", "-W", "10")
    mpub(port, "-t", "peers/hello", "-m", "hello from mosquitto_pub", "-q", "1")
    assert finish(sub) == ["hello from mosquitto_pub"]


def test_retained_message_reaches_a_later_subscriber(port, peers):
    mpub(port, "-t", "peers/retained", "-m", "kept", "-r", "-q", "1")
    assert run([SUB, "-h", "127.0.0.1", "-p", str(port), "-t", "peers/retained", "-C", "1",
                "-F", "%r %p", "-W", "5"]).splitlines() == ["1 kept"]
    p = Paho(port, "paho-retained")
    peers.append(p)
    p.subscribe("peers/#", 1)
    m = p.get()
    assert (m.topic, m.payload, m.retain) == ("peers/retained", b"kept", True)
    mpub(port, "-t", "peers/retained", "-n", "-r")  # cleared
    m = p.get()
    assert (m.topic, m.payload, m.retain) == ("peers/retained", b"", False)


def test_will_of_a_killed_client(port, peers):
    watcher = Paho(port, "paho-will-watcher")
    peers.append(watcher)
    watcher.subscribe("peers/will", 1)
    victim = msub(port, "-t", "peers/nothing", "-i", "victim", "--will-topic", "peers/will",
                  "--will-payload", "gone", "--will-qos", "1")
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    m = watcher.get()
    assert (m.topic, m.payload, m.qos) == ("peers/will", b"gone", 1)


def test_no_will_after_a_clean_exit(port, peers):
    watcher = Paho(port, "paho-nowill-watcher")
    peers.append(watcher)
    watcher.subscribe("peers/nowill", 1)
    run([SUB, "-h", "127.0.0.1", "-p", str(port), "-t", "x", "-E", "--will-topic", "peers/nowill",
         "--will-payload", "gone"])
    with pytest.raises(queue.Empty):
        watcher.get(timeout=1)


def test_qos2_exactly_once_between_paho_clients(port, peers):
    sub = Paho(port, "paho-q2-sub")
    peers.append(sub)
    assert sub.subscribe("peers/q2", 2) == (2,)
    pub = Paho(port, "paho-q2-pub")
    peers.append(pub)
    infos = [pub.c.publish("peers/q2", b"%d" % i, qos=2) for i in range(50)]
    for info in infos:
        info.wait_for_publish()
    got = [sub.get().payload for _ in range(50)]
    assert got == [b"%d" % i for i in range(50)]
    with pytest.raises(queue.Empty):
        sub.get(timeout=0.5)
    mosq = msub(port, "-t", "peers/q2", "-q", "2", "-C", "20", "-W", "10")
    mpub(port, "-t", "peers/q2", "-m", "x", "-q", "2", "--repeat", "20")
    assert finish(mosq) == ["x"] * 20


def test_queued_delivery_to_a_persistent_session(port):
    run([SUB, "-h", "127.0.0.1", "-p", str(port), "-t", "peers/queued", "-q", "1", "-c",
         "-i", "persistent-sub", "-E"])
    for i in range(5):
        mpub(port, "-t", "peers/queued", "-m", "queued %d" % i, "-q", "1")
    mpub(port, "-t", "peers/queued", "-m", "qos0 is not queued", "-q", "0")
    out = run([SUB, "-h", "127.0.0.1", "-p", str(port), "-t", "peers/queued", "-q", "1", "-c",
               "-i", "persistent-sub", "-C", "5", "-W", "10"])
    assert out.splitlines() == ["queued %d" % i for i in range(5)]


def test_takeover_between_paho_clients(port, peers):
    first = Paho(port, "same-id")
    peers.append(first)
    second = Paho(port, "same-id")
    peers.append(second)
    rc = first.disconnects.get(timeout=5)
    assert rc != 0, "the old connection should end without its own DISCONNECT"
    assert second.subscribe("peers/takeover", 0) == (0,)


def test_keepalive_expiry_of_a_paho_client_that_stopped(port, peers):
    watcher = Paho(port, "paho-ka-watcher")
    peers.append(watcher)
    watcher.subscribe("peers/ka", 0)
    stuck = Paho(port, "paho-stuck", keepalive=1, will=("peers/ka", b"expired", 0), loop=False)
    t0 = time.monotonic()
    m = watcher.get(timeout=6)  # its loop never runs again, so no PINGREQ
    assert (m.topic, m.payload) == ("peers/ka", b"expired")
    assert 1.0 < time.monotonic() - t0 < 4.0
    stuck.c.socket().close()


def test_large_payload_round_trip(port, tmp_path):
    data = os.urandom(300 * 1024)
    (tmp_path / "in").write_bytes(data)
    sub = subprocess.Popen([SUB, "-h", "127.0.0.1", "-p", str(port), "-t", "peers/big", "-C", "1",
                            "-N", "-W", "10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.3)
    mpub(port, "-t", "peers/big", "-f", str(tmp_path / "in"), "-q", "1")
    out, err = sub.communicate(timeout=10)
    assert sub.returncode == 0, err
    assert out == data


def test_sys_version_seen_by_mosquitto_sub(start_hearthd):
    h = start_hearthd(config={"mqtt": {"sys_interval": 1}})
    out = run([SUB, "-h", "127.0.0.1", "-p", str(h.port), "-t", "$SYS/broker/version", "-C", "1",
               "-W", "5"])
    assert out.startswith("hearth")


def test_raw_and_paho_clients_interoperate(port, peers):
    p = Paho(port, "paho-raw")
    peers.append(p)
    p.subscribe("peers/raw", 1)
    w.publish_with_helper(port, "peers/raw", b"from a raw socket", 1)
    m = p.get()
    assert (m.payload, m.qos) == (b"from a raw socket", 1)
