"""MQTT over WebSocket at /mqtt (subprotocol "mqtt") on the web listeners:
the same broker, sessions, users and ACL as over TCP. Real peers: paho-mqtt's
websockets transport (over HTTP and HTTPS) and MQTT.js (Node, from the e2e
lockfile), each exchanging messages with a TCP client."""
import os
import shutil
import ssl
import subprocess
import threading

import paho.mqtt.client as paho
import pytest

import mqtt_wire as w
from test_41_web import ports

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(HERE, "..", "e2e")


def ws_client(port, client_id, tls=False, **kw):
    c = paho.Client(client_id=client_id, transport="websockets", **kw)
    c.ws_set_options(path="/mqtt")
    if tls:
        c.tls_set(cert_reqs=ssl.CERT_NONE)
        c.tls_insecure_set(True)
    got, connected = [], threading.Event()
    c.on_connect = lambda cl, ud, flags, rc: (ud.append(rc), connected.set())
    c.user_data_set(got)
    c.connect("127.0.0.1", port, keepalive=30)
    c.loop_start()
    assert connected.wait(10), "no CONNACK over WebSocket"
    return c, got


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_paho_over_websocket_talks_to_a_tcp_client(start_hearthd, scheme):
    h = start_hearthd(args=["--%s" % scheme, "127.0.0.1:0"])
    port = ports(h, (scheme,))[scheme]
    c, codes = ws_client(port, "ws-paho-" + scheme, tls=(scheme == "https"))
    assert codes == [0]
    received, done = [], threading.Event()

    def on_message(cl, ud, m):
        received.append((m.topic, m.payload, m.qos))
        if len(received) == 50:
            done.set()

    c.on_message = on_message
    sub_done = threading.Event()
    c.on_subscribe = lambda *a: sub_done.set()
    c.subscribe("ws/in/#", qos=1)
    assert sub_done.wait(10)
    # TCP -> WebSocket, QoS 1, payloads that cross WebSocket message borders.
    with w.client(h.port, "tcp-side") as tcp:
        for i in range(1, 51):
            tcp.send(w.publish("ws/in/%d" % i, b"x" * (i * 100), qos=1, mid=i))
            tcp.expect(w.puback(i))
        tcp.send(w.subscribe(1, ("ws/out", 2)))
        tcp.expect(w.suback(1, 2))
        assert done.wait(10), "the WebSocket client got %d of 50" % len(received)
        assert [t for t, _, _ in received] == ["ws/in/%d" % i for i in range(1, 51)]
        assert all(len(p) == int(t.split("/")[-1]) * 100 and q == 1 for t, p, q in received)
        # WebSocket -> TCP at QoS 2.
        c.publish("ws/out", b"from the browser side", qos=2).wait_for_publish(10)
        topic, body, qos, retain, dup, mid = w.split_publish(tcp.read_packet())
        assert (topic, body, qos) == ("ws/out", b"from the browser side", 2)
    c.loop_stop()
    c.disconnect()


def test_websocket_logins_are_checked_against_the_password_file(start_hearthd, tmp_path):
    pw = tmp_path / "passwd"
    subprocess.run([h_binary(start_hearthd), "passwd", str(pw), "alice"], input=b"s3cret\ns3cret\n",
                   check=True, capture_output=True)
    h = start_hearthd(args=["--http", "127.0.0.1:0", "--password-file", str(pw)])
    port = ports(h, ("http",))["http"]
    # (The fixture always passes --allow-anonymous; anonymous refusal is
    # test_22_auth's subject and goes through the same code.)
    bad = paho.Client(client_id="ws-wrong", transport="websockets")
    bad.ws_set_options(path="/mqtt")
    bad.username_pw_set("alice", "wrong")
    got, ev = [], threading.Event()
    bad.on_connect = lambda cl, ud, flags, rc: (got.append(rc), ev.set())
    bad.connect("127.0.0.1", port)
    bad.loop_start()
    assert ev.wait(15) and got == [4]  # bad user name or password
    bad.loop_stop()
    good = paho.Client(client_id="ws-alice", transport="websockets")
    good.ws_set_options(path="/mqtt")
    good.username_pw_set("alice", "s3cret")
    got2, ev2 = [], threading.Event()
    good.on_connect = lambda cl, ud, flags, rc: (got2.append(rc), ev2.set())
    good.connect("127.0.0.1", port)
    good.loop_start()
    assert ev2.wait(15) and got2 == [0]
    good.loop_stop()
    good.disconnect()


def h_binary(start_hearthd):
    return os.environ["HEARTHD"]


MQTTJS = r"""
const mqtt = require('mqtt');
const c = mqtt.connect(process.env.HEARTH_WS_URL, { clientId: 'mqttjs', protocolVersion: 4, rejectUnauthorized: false });
c.on('error', (e) => { console.error('error', e.message); process.exit(1); });
c.on('connect', () => {
  c.subscribe('js/echo', { qos: 1 }, (err) => {
    if (err) { console.error(err); process.exit(1); }
    c.publish('js/echo', 'hello from MQTT.js', { qos: 1 });
  });
});
c.on('message', (topic, payload) => {
  console.log(topic + ' ' + payload.toString());
  c.end(false, () => process.exit(0));
});
setTimeout(() => { console.error('timeout'); process.exit(1); }, 10000);
"""


@pytest.mark.skipif(not os.path.isdir(os.path.join(E2E, "node_modules", "mqtt")) or not shutil.which("node"),
                    reason="MQTT.js comes from tests/e2e's lockfile (packaging/setup-debian.sh)")
def test_mqttjs_over_websocket(start_hearthd):
    h = start_hearthd(args=["--https", "127.0.0.1:0"])
    port = ports(h, ("https",))["https"]
    env = dict(os.environ, NODE_PATH=os.path.join(E2E, "node_modules"),
               HEARTH_WS_URL="wss://127.0.0.1:%d/mqtt" % port)
    r = subprocess.run(["node", "-e", MQTTJS], cwd=E2E, capture_output=True, timeout=30, env=env)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().strip() == "js/echo hello from MQTT.js"
