"""`mqtt:subscribe`, the Socket.IO pass-through to the broker (DESIGN.md's
event contract), against a real hearthd with real peers: Debian's
python3-socketio client logged in with a session cookie, mosquitto_pub as
the publisher.

A filter is acknowledged with {ok: true}, and matching messages then arrive
as `mqtt` events {topic, payload, qos, retain}; a malformed filter or one the
user's ACL does not allow is refused in the ack ({ok: false, error}), and
nothing of it is delivered.
"""
import subprocess
import threading
import time

import requests
import socketio
import pytest

PUB = "/usr/bin/mosquitto_pub"
PASSWORDS = {"admin": "admin-password-1", "member": "member-password-1"}
# Anonymous rules first: the in-process clients (house bridge, pass-through)
# connect as anonymous, as on a real installation with the shipped ACL.
ACL = """topic readwrite #
user admin
topic readwrite #
user member
topic read lab/public/#
"""


@pytest.fixture
def site(start_hearthd, hearthd_binary, tmp_path):
    pw = tmp_path / "passwd"
    for user, password in PASSWORDS.items():
        r = subprocess.run([hearthd_binary, "passwd", str(pw), user], input=password + "\n",
                           text=True, capture_output=True, timeout=10)
        assert r.returncode == 0, r.stderr
    acl = tmp_path / "acl"
    acl.write_text(ACL)
    h = start_hearthd(args=["--http", "127.0.0.1:0", "--password-file", str(pw), "--acl-file", str(acl)],
                      listeners=["mqtt", "http"])
    h.base = "http://127.0.0.1:%d" % h.ports["http"]
    return h


def connect(site, user):
    s = requests.Session()
    r = s.post(site.base + "/api/login", json={"username": user, "password": PASSWORDS[user]}, timeout=10)
    assert r.status_code == 200, r.text
    got = []
    arrived = threading.Condition()
    c = socketio.Client(reconnection=False)

    @c.on("mqtt")
    def on_mqtt(data):
        with arrived:
            got.append(data)
            arrived.notify_all()

    c.connect(site.base, socketio_path="/socket.io/", transports=["websocket"],
              headers={"Cookie": "hearth_session=" + s.cookies["hearth_session"]}, wait_timeout=5)
    c.got, c.arrived = got, arrived
    return c


def publish(site, topic, payload, retain=False):
    cmd = [PUB, "-h", "127.0.0.1", "-p", str(site.port), "-u", "admin", "-P", PASSWORDS["admin"],
           "-q", "1", "-t", topic, "-m", payload]
    subprocess.run(cmd + (["-r"] if retain else []), check=True, timeout=10)


def wait_messages(c, count, timeout=10.0):
    with c.arrived:
        c.arrived.wait_for(lambda: len(c.got) >= count, timeout)
        return list(c.got)


def test_subscribe_then_messages_arrive_as_mqtt_events(site):
    c = connect(site, "admin")
    try:
        assert c.call("mqtt:subscribe", "lab/+/temp", timeout=10) == {"ok": True}
        assert c.call("mqtt:subscribe", "lab/+/temp", timeout=10) == {"ok": True}  # again: no second copy
        publish(site, "lab/bench/temp", "21.5")
        publish(site, "lab/bench/humidity", "40")  # not matched
        publish(site, "lab/desk/temp", "19.0")
        got = wait_messages(c, 2)
        time.sleep(0.3)  # a duplicate or the unmatched message would be here by now
        got = list(c.got)
        assert [(m["topic"], m["payload"]) for m in got] == [("lab/bench/temp", "21.5"), ("lab/desk/temp", "19.0")]
        assert all(m["retain"] is False and m["qos"] in (0, 1) for m in got)
    finally:
        c.disconnect()


def test_bad_filters_are_refused_in_the_ack(site):
    c = connect(site, "admin")
    try:
        for bad in ("lab/#/x", "lab/te+mp", ""):
            ack = c.call("mqtt:subscribe", bad, timeout=10)
            assert ack["ok"] is False and ack["error"], (bad, ack)
        ack = c.call("mqtt:subscribe", {"filter": "lab/#"}, timeout=10)  # not a string
        assert ack["ok"] is False and "filter" in ack["error"]
        publish(site, "lab/x/temp", "1")
        time.sleep(0.5)
        assert c.got == []
    finally:
        c.disconnect()


def test_the_users_acl_decides(site):
    c = connect(site, "member")
    try:
        ack = c.call("mqtt:subscribe", "lab/#", timeout=10)
        assert ack == {"ok": False, "error": "not allowed by the ACL"}
        assert c.call("mqtt:subscribe", "lab/public/#", timeout=10) == {"ok": True}
        publish(site, "lab/secret/door", "open")
        publish(site, "lab/public/weather", "sunny")
        got = wait_messages(c, 1)
        time.sleep(0.3)
        assert [(m["topic"], m["payload"]) for m in c.got] == [("lab/public/weather", "sunny")], got
    finally:
        c.disconnect()
