"""hearth-agent against Debian's mosquitto: it is a standard MQTT client."""
import time

import paho.mqtt.client as mqtt

import agent_support as s


def mosquitto_factory(tmp_path):
    started = []

    def start():
        m = s.Mosquitto(tmp_path / ("mosquitto%d" % len(started)))
        started.append(m)
        return m
    return start, started


def test_readings_commands_and_gas_rule_with_mosquitto(tmp_path):
    start, started = mosquitto_factory(tmp_path)
    try:
        s.readings_and_commands(start, tmp_path, "kitchen")
    finally:
        for m in started:
            m.stop()


def test_outage_with_mosquitto(tmp_path):
    start, started = mosquitto_factory(tmp_path)
    try:
        s.outage(start, tmp_path, "cellar")
    finally:
        for m in started:
            m.stop()


def test_kill_nine_with_mosquitto(tmp_path):
    start, started = mosquitto_factory(tmp_path)
    try:
        s.kill_nine(start, tmp_path, "garden")
    finally:
        for m in started:
            m.stop()


def test_tls_with_mosquitto(tmp_path):
    """Over TLS, the server's certificate is verified against ca_file and
    its name; a server signed by another CA is refused."""
    certs = s.make_certificates(tmp_path / "certs")
    # The subscriber talks TLS too, through paho.
    m = s.Mosquitto(tmp_path / "mosquitto", "cafile %s\ncertfile %s\nkeyfile %s" % (
        certs / "ca.pem", certs / "server.pem", certs / "server.key"))
    got = []
    c = mqtt.Client(client_id="", clean_session=True)
    good = bad = None
    try:
        c.tls_set(ca_certs=str(certs / "ca.pem"))
        c.on_message = lambda cl, u, msg: got.append((msg.topic, msg.payload.decode()))
        c.on_connect = lambda cl, u, f, rc: cl.subscribe("home/#", qos=1)
        c.connect("localhost", m.port)
        c.loop_start()
        good = s.Agent(tmp_path / "good", "attic", m.port, host="localhost",
                       central_extra='tls = true\nca_file = "%s"' % (certs / "ca.pem"))
        bad = s.Agent(tmp_path / "bad", "shed", m.port, host="localhost",
                      central_extra='tls = true\nca_file = "%s"' % (certs / "other.pem"))
        deadline = time.time() + 10
        while time.time() < deadline and not any(t == "home/attic/temperature" for t, _ in got):
            time.sleep(0.1)
        assert any(t == "home/attic/temperature" for t, _ in got), good.log()
        c.publish("home/attic/relay/light/set", "on", qos=1).wait_for_publish()
        deadline = time.time() + 5
        while time.time() < deadline and ("home/attic/relay/light", "on") not in got:
            time.sleep(0.1)
        assert ("home/attic/relay/light", "on") in got
        assert good.gpio(s.LIGHT) == 1
        assert not any(t.startswith("home/shed/") for t, _ in got)
        assert "certificate verify failed" in bad.log(), bad.log()
    finally:
        for a in (good, bad):
            if a:
                a.stop()
        c.loop_stop()
        c.disconnect()
        m.stop()
