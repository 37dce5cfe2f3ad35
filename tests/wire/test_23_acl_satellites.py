"""The shipped satellite ACL (packaging/acl-satellites.acl) with users: a
satellite cannot publish to another node's topics nor subscribe to `#`
(SUBACK 0x80), reads only its own relay commands, and the ACL is reloaded
on SIGHUP (a broken file keeps the old one)."""
import os
import subprocess

import pytest

import mqtt_wire as w
import secure_support as sec

SHIPPED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "packaging", "acl-satellites.acl")
# A person watching everything, as an admin section of the file would.
OBSERVER = "\nuser observer\ntopic readwrite #\n"


@pytest.fixture
def house(hearthd_binary, secure_hearthd, tmp_path):
    users = str(tmp_path / "users")
    for user in ("node1", "node2", "observer"):
        r = subprocess.run([hearthd_binary, "passwd", users, user], input=user + "-pw\n", capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 0, r.stderr
    acl = tmp_path / "acl"
    acl.write_text(open(SHIPPED).read() + OBSERVER)
    h = secure_hearthd(args=["--password-file", users, "--acl-file", str(acl)])
    h.acl_path = acl
    return h


def as_user(h, user, client_id=None):
    return w.client(h.port, client_id or user, username=user, password=user + "-pw")


def test_a_satellite_cannot_subscribe_to_everything(house):
    with as_user(house, "node1") as n1:
        n1.send(w.subscribe(1, ("#", 1), ("home/#", 1), ("home/node2/#", 1), ("home/+/relay/+/set", 1),
                            ("home/node1/temperature", 1), ("home/node1/relay/+/set", 1),
                            ("home/node1/relay/light/set", 0)))
        n1.expect(w.suback(1, 0x80, 0x80, 0x80, 0x80, 0x80, 1, 0))
        n1.ping()
    house.wait_log(r"subscription to '#' denied by the ACL")


def test_a_satellite_writes_only_under_its_own_node(house):
    with as_user(house, "observer") as obs, as_user(house, "node1") as n1:
        obs.send(w.subscribe(1, ("#", 0)))
        obs.expect(w.suback(1, 0))
        # Acknowledged (a satellite must not stall), but dropped.
        for mid, topic in enumerate(("home/node2/temperature", "home/node2/relay/light", "home/node2/status",
                                     "other/topic", "home"), start=1):
            n1.send(w.publish(topic, b"forged", qos=1, mid=mid))
            n1.expect(w.puback(mid))
        n1.send(w.publish("home/node1/temperature", b'{"28-01": 21.5}', qos=1, mid=9))
        n1.expect(w.puback(9))
        # The first thing the observer sees is node1's own reading.
        obs.expect(w.publish("home/node1/temperature", b'{"28-01": 21.5}'))
        obs.ping()


def test_a_satellite_reads_only_its_own_commands(house):
    with as_user(house, "observer") as obs, as_user(house, "node1") as n1, as_user(house, "node2") as n2:
        n1.send(w.subscribe(1, ("home/node1/relay/+/set", 1)))
        n1.expect(w.suback(1, 1))
        n2.send(w.subscribe(1, ("home/node2/relay/+/set", 1)))
        n2.expect(w.suback(1, 1))
        obs.send(w.publish("home/node2/relay/light/set", b"on", qos=0))
        obs.send(w.publish("home/node1/relay/light/set", b"off", qos=0))
        obs.ping()
        n1.expect(w.publish("home/node1/relay/light/set", b"off"))
        n2.expect(w.publish("home/node2/relay/light/set", b"on"))
        n1.ping()
        n2.ping()


def test_anonymous_clients_are_refused(house):
    with w.Conn(house.port) as c:
        assert sec.connack_code(c, "anon") == 5


def test_sighup_reloads_the_acl(house):
    with as_user(house, "node1") as n1:
        n1.send(w.subscribe(1, ("home/node1/temperature", 0)))
        n1.expect(w.suback(1, 0x80))
        # A broken file: the old ACL stays, and the log says why.
        house.acl_path.write_text(open(SHIPPED).read() + OBSERVER + "frobnicate home/#\n")
        lines = house.reload()
        assert any("keeping the previous ACL" in l for l in lines), lines
        n1.send(w.subscribe(2, ("home/node1/temperature", 0)))
        n1.expect(w.suback(2, 0x80))
        # A fixed file that lets a node read its own readings too: applied
        # without reconnecting.
        house.acl_path.write_text(open(SHIPPED).read() + OBSERVER + "pattern read home/%u/#\n")
        lines = house.reload()
        assert any("reload: acl from" in l for l in lines), lines
        n1.send(w.subscribe(3, ("home/node1/temperature", 0), ("home/node2/temperature", 0)))
        n1.expect(w.suback(3, 0, 0x80))
        n1.ping()
