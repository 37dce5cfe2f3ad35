"""MQTT over TLS (--mqtts): mosquitto_pub/mosquitto_sub and paho with a
password from a file made by Debian's mosquitto_passwd, TLS 1.2+ only,
client certificates (required; CN as the user name), the handshake
deadline, and a certificate reloaded on SIGHUP."""
import select
import socket
import ssl
import subprocess
import threading
import time

import paho.mqtt.client as paho
import pytest

import mqtt_wire as w
import secure_support as sec


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return sec.Certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def passwords(tmp_path):
    """A password file made by Mosquitto's own tool: alice ($7$) and bob ($6$)."""
    path = str(tmp_path / "passwd")
    subprocess.run(["mosquitto_passwd", "-c", "-b", path, "alice", "alice-secret"], check=True)
    subprocess.run(["mosquitto_passwd", "-H", "sha512", "-b", path, "bob", "bob-secret"], check=True)
    return path


def test_mosquitto_clients_over_tls_with_a_mosquitto_password(secure_hearthd, certs, passwords):
    h = secure_hearthd(tls=certs.tls_config(), args=["--password-file", passwords])
    common = ["-h", "127.0.0.1", "-p", str(h.tls_port), "--cafile", certs.ca]
    sub = ["mosquitto_sub", *common, "-u", "bob", "-P", "bob-secret", "-i", "tls-sub", "-c", "-q", "1",
           "-t", "tls/#"]
    # A persistent session: subscribe and leave (-E), then collect what was
    # queued for it, so nothing depends on timing.
    subprocess.run([*sub, "-E"], check=True, timeout=10)
    for payload in ("one", "two"):
        subprocess.run(["mosquitto_pub", *common, "-u", "alice", "-P", "alice-secret", "-t", "tls/test",
                        "-m", payload, "-q", "1"], check=True, timeout=10)
    done = subprocess.run([*sub, "-C", "2", "-v", "-W", "10"], capture_output=True, text=True, timeout=15)
    out, err = done.stdout, done.stderr
    assert done.returncode == 0, err
    assert out.splitlines() == ["tls/test one", "tls/test two"]
    # The wrong password is refused over TLS as well: CONNACK 4.
    bad = subprocess.run(["mosquitto_pub", *common, "-u", "alice", "-P", "nope", "-t", "tls/test", "-m", "x"],
                         capture_output=True, text=True, timeout=15)
    assert bad.returncode != 0
    assert "bad user name or password" in bad.stderr


def test_paho_over_tls_with_qos1(secure_hearthd, certs, passwords):
    h = secure_hearthd(tls=certs.tls_config(), args=["--password-file", passwords])
    got = []
    received = threading.Event()
    connected = {}

    def make(name, user, password):
        c = paho.Client(client_id=name, protocol=paho.MQTTv311)
        c.tls_set(ca_certs=certs.ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        c.username_pw_set(user, password)
        c.on_connect = lambda cl, ud, flags, rc: connected.__setitem__(name, rc)
        return c

    sub = make("paho-sub", "bob", "bob-secret")
    sub.on_message = lambda cl, ud, m: (got.append((m.topic, m.payload, m.qos)), received.set())
    sub.on_subscribe = lambda *a: subscribed.set()
    subscribed = threading.Event()
    sub.connect("127.0.0.1", h.tls_port, keepalive=30)
    sub.loop_start()
    pub = make("paho-pub", "alice", "alice-secret")
    try:
        w.wait_until(lambda: connected.get("paho-sub") == 0, what="paho subscriber CONNACK 0")
        sub.subscribe("paho/#", qos=1)
        assert subscribed.wait(5)
        pub.connect("127.0.0.1", h.tls_port, keepalive=30)
        pub.loop_start()
        w.wait_until(lambda: connected.get("paho-pub") == 0, what="paho publisher CONNACK 0")
        info = pub.publish("paho/x", b"over tls", qos=1)
        info.wait_for_publish()
        assert received.wait(5)
        assert got == [("paho/x", b"over tls", 1)]
    finally:
        pub.loop_stop()
        sub.loop_stop()
        pub.disconnect()
        sub.disconnect()

    wrong = make("paho-wrong", "alice", "wrong")
    wrong.connect("127.0.0.1", h.tls_port, keepalive=30)
    wrong.loop_start()
    try:
        w.wait_until(lambda: "paho-wrong" in connected, what="CONNACK for the wrong password")
        assert connected["paho-wrong"] == 4
    finally:
        wrong.loop_stop()


def test_tls_1_1_is_refused_1_2_and_1_3_work(secure_hearthd, certs):
    h = secure_hearthd(tls=certs.tls_config())
    old = sec.client_context(certs.ca, minimum=ssl.TLSVersion.MINIMUM_SUPPORTED, maximum=ssl.TLSVersion.TLSv1_1)
    old.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer TLS 1.1 at all
    with pytest.raises(ssl.SSLError) as e:
        sec.TlsConn(h.tls_port, old)
    # The server, not the client, said no.
    assert "PROTOCOL_VERSION" in str(e.value) or "protocol version" in str(e.value), str(e.value)
    h.wait_log(r"TLS handshake failed")
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = sec.client_context(certs.ca, minimum=version, maximum=version)
        with sec.TlsConn(h.tls_port, ctx) as c:
            assert c.sock.version() == {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
            # From loopback without a password file: accepted (local default).
            assert sec.connack_code(c, "v-%s" % version.name) == 0
            c.ping()


def test_plain_mqtt_on_the_tls_port_is_dropped(secure_hearthd, certs):
    h = secure_hearthd(tls=certs.tls_config())
    with w.Conn(h.tls_port) as c:
        c.send(w.connect("plain"))
        c.expect_closed()
    ctx = sec.client_context(certs.ca)
    with sec.TlsConn(h.tls_port, ctx) as c:
        assert sec.connack_code(c, "after") == 0


def test_handshake_deadline(secure_hearthd, certs):
    h = secure_hearthd(tls=certs.tls_config(handshake_timeout=1))
    with w.Conn(h.tls_port) as c:
        start = time.monotonic()
        c.expect_closed(timeout=5)
        assert 0.8 < time.monotonic() - start < 4
    h.wait_log(r"no TLS handshake within 1 s")


def test_client_certificate_required_and_used_as_user_name(secure_hearthd, certs, tmp_path):
    acl = tmp_path / "acl"
    acl.write_text("pattern readwrite home/%u/#\n")
    h = secure_hearthd(tls=certs.tls_config(require_certificate=True, use_identity_as_username=True),
                       args=["--acl-file", str(acl)])
    # No certificate: the handshake fails.
    with pytest.raises((ssl.SSLError, ConnectionResetError, AssertionError)):
        with sec.TlsConn(h.tls_port, sec.client_context(certs.ca)) as c:
            sec.connack_code(c, "nocert")
    # A certificate from another CA: refused as well.
    with pytest.raises((ssl.SSLError, ConnectionResetError, AssertionError)):
        with sec.TlsConn(h.tls_port, sec.client_context(certs.ca, cert=certs.rogue)) as c:
            sec.connack_code(c, "rogue")
    # node1's certificate: logged in as node1 whatever the CONNECT says, so
    # the ACL's %u is node1.
    node1 = sec.TlsConn(h.tls_port, sec.client_context(certs.ca, cert=certs.node1))
    node2 = sec.TlsConn(h.tls_port, sec.client_context(certs.ca, cert=certs.node2))
    with node1, node2:
        assert sec.connack_code(node1, "n1", username="node2", password="irrelevant") == 0
        assert sec.connack_code(node2, "n2") == 0
        node1.send(w.subscribe(1, ("home/node1/#", 1), ("home/node2/#", 1)))
        node1.expect(w.suback(1, 1, 0x80))
        node2.send(w.publish("home/node1/relay/x/set", b"nope", qos=1, mid=1))
        node2.expect(w.puback(1))  # dropped by the ACL
        node1.send(w.publish("home/node1/temperature", b"21.5", qos=1, mid=2))
        node1.expect_any_order(w.puback(2), w.publish("home/node1/temperature", b"21.5", qos=1, mid=1))
        node1.send(w.puback(1))
        node1.ping()


def test_sighup_reloads_the_certificate_for_new_connections(secure_hearthd, certs, tmp_path):
    import shutil
    cert = tmp_path / "server.crt"
    key = tmp_path / "server.key"
    shutil.copy(certs.server_cert, cert)
    shutil.copy(certs.server_key, key)
    h = secure_hearthd(tls=certs.tls_config(cert_file=str(cert), key_file=str(key)))
    ctx = sec.client_context(certs.ca)
    old = sec.TlsConn(h.tls_port, ctx)
    assert sec.connack_code(old, "old") == 0
    first = old.sock.getpeercert(binary_form=True)

    # A broken certificate: the old one stays, and the log says why.
    cert.write_text("not a certificate\n")
    lines = h.reload()
    assert any("keeping the previous TLS certificate" in l and "tls.cert_file" in l for l in lines), lines
    with sec.TlsConn(h.tls_port, ctx) as c:
        assert c.sock.getpeercert(binary_form=True) == first

    # A renewed certificate (same name, new key): new connections get it,
    # the old connection goes on.
    new_cert, new_key = sec.make_cert(certs.dir, "ca", "renewed", "localhost", server=True)
    shutil.copy(new_cert, cert)
    shutil.copy(new_key, key)
    lines = h.reload()
    assert any("reload: TLS certificate" in l for l in lines), lines
    with sec.TlsConn(h.tls_port, ctx) as c:
        assert c.sock.getpeercert(binary_form=True) != first
        assert sec.connack_code(c, "new") == 0
    old.ping()
    old.close()


def write_while_reading(conn, data, count, timeout=20.0):
    """Writes `data` on a TLS connection while reading the `count` packets it
    answers with, in one thread: an SSL socket must not be read in one thread
    and written in another (OpenSSL's state is shared; doing so failed with
    SSLEOFError now and then). Returns the packets, in order."""
    sock = conn.sock
    sock.setblocking(False)
    sent, inbox, packets = 0, bytearray(), []
    deadline = time.monotonic() + timeout
    try:
        while len(packets) < count:
            assert time.monotonic() < deadline, "timed out: %d of %d bytes sent, %d packets read" % (
                sent, len(data), len(packets))
            writing = sent < len(data)
            readable, writable, _ = select.select([sock], [sock] if writing else [], [], 0.2)
            if writable:
                try:
                    sent += sock.send(data[sent:sent + 16384])
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
            while readable or sock.pending():
                try:
                    chunk = sock.recv(65536)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    break
                assert chunk, "connection closed after %d of %d packets" % (len(packets), count)
                inbox += chunk
                readable = False
            while len(inbox) >= 2 and len(inbox) >= 2 + inbox[1]:  # small packets: one length byte
                assert inbox[1] < 0x80, "unexpected large packet %s" % w.describe(bytes(inbox[:8]))
                packets.append(bytes(inbox[:2 + inbox[1]]))
                del inbox[:2 + inbox[1]]
        assert sent == len(data) and not inbox, "left over: %d unsent bytes, %s" % (len(data) - sent, bytes(inbox))
        return packets
    finally:
        sock.settimeout(conn.timeout)


def test_bulk_qos1_over_tls_with_backpressure(secure_hearthd, certs):
    """Pipelined QoS 1 publishes over TLS to a subscriber with a small window:
    the publisher is paused and resumed (reads held while paused, on a TLS
    stream), and every message arrives once, in order."""
    h = secure_hearthd(tls=certs.tls_config(),
                       config={"mqtt": {"max_inflight": 2, "max_queued_messages": 8, "backpressure_timeout": 30}})
    count = 400
    body = b"x" * 2000
    ctx = sec.client_context(certs.ca)
    sub = sec.TlsConn(h.tls_port, ctx, timeout=20)
    pub = sec.TlsConn(h.tls_port, ctx, timeout=20)
    with sub, pub:
        assert sec.connack_code(sub, "bulk-sub") == 0
        sub.send(w.subscribe(1, ("bulk/#", 1)))
        sub.expect(w.suback(1, 1))
        assert sec.connack_code(pub, "bulk-pub") == 0
        received = []
        errors = []

        def read_all():
            try:
                while len(received) < count:
                    topic, payload, qos, retain, dup, mid = w.split_publish(sub.read_packet("PUBLISH"))
                    received.append(payload)
                    sub.send(w.puback(mid))
            except BaseException as e:  # reported below
                errors.append(e)

        reader = threading.Thread(target=read_all, daemon=True)
        reader.start()
        packets = b"".join(w.publish("bulk/t", b"%05d" % i + body, qos=1, mid=i % 65535 + 1) for i in range(count))
        acks = write_while_reading(pub, packets, count)
        reader.join(20)
        assert not errors, errors
        assert acks == [w.puback(i % 65535 + 1) for i in range(count)]
        assert [p[:5] for p in received] == [b"%05d" % i for i in range(count)]
        assert all(p[5:] == body for p in received)
        pub.ping()
        sub.ping()


def test_a_tls_subscriber_past_the_hard_limit_is_disconnected(secure_hearthd, certs):
    """Retained messages sent on SUBSCRIBE may pass the soft limit (they are
    never dropped); past the hard limit the TLS client is disconnected, as a
    TCP one is, and the broker goes on."""
    h = secure_hearthd(tls=certs.tls_config(),
                       config={"mqtt": {"write_queue_soft_bytes": 65536, "write_queue_hard_bytes": 1048576,
                                        "max_packet_size": 65536}})
    body = b"y" * 60000
    with w.client(h.port, "retainer") as pub:
        for i in range(30):  # 1.8 MB of retained messages
            pub.send(w.publish("flood/%d" % i, body, qos=1, retain=True, mid=i + 1))
            pub.expect(w.puback(i + 1))
    ctx = sec.client_context(certs.ca)
    with sec.TlsConn(h.tls_port, ctx) as stuck:
        stuck.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        assert sec.connack_code(stuck, "stuck") == 0
        stuck.send(w.subscribe(1, ("flood/#", 0)))
        h.wait_log(r"write queue over 1048576 bytes \(the client does not read\), disconnecting")
    with sec.TlsConn(h.tls_port, ctx) as c:
        assert sec.connack_code(c, "after") == 0
        c.ping()
