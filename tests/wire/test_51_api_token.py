"""API tokens made on the command line (`hearthd token NAME USER`, issue 7)
against a real hearthd: the token printed once works as `Authorization:
Bearer` on GET /api/me over --http and as Socket.IO auth {"token"} over
WebSocket with Debian's python3-socketio client, where a reading published
with mosquitto_pub arrives as a `reading` event. A token made while hearthd
runs works at once. Bad names, unknown users and taken names exit with 2.
"""
import re
import subprocess
import threading

import pytest
import requests
import socketio

PUB = "/usr/bin/mosquitto_pub"
PW = "token-user-password"


def hearthd_cmd(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)


@pytest.fixture
def users(hearthd_binary, tmp_path):
    pw = tmp_path / "passwd"
    for user in ("admin", "script"):
        r = subprocess.run([hearthd_binary, "passwd", str(pw), user], input=PW + "\n", text=True,
                           capture_output=True, timeout=10)
        assert r.returncode == 0, r.stderr
    data = tmp_path / "data"
    data.mkdir()
    return pw, data


def make_token(binary, pw, data, name, user):
    r = hearthd_cmd(binary, "token", name, user, "--data-dir", str(data), "--password-file", str(pw))
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    assert re.fullmatch(r"hth_[0-9a-f]{64}", token), r.stdout
    return token


def start_site(start_hearthd, pw, data):
    h = start_hearthd(args=["--http", "127.0.0.1:0", "--password-file", str(pw), "--data-dir", str(data)],
                      listeners=["mqtt", "http"])
    h.base = "http://127.0.0.1:%d" % h.ports["http"]
    return h


def test_token_command_refuses_bad_input(hearthd_binary, users, tmp_path):
    pw, data = users
    make_token(hearthd_binary, pw, data, "cron", "script")
    cases = [
        (["token", "cron", "script"], "exists"),              # name taken
        (["token", "two words", "script"], "token name"),     # bad name
        (["token", "other", "nobody"], "no such user: nobody"),
    ]
    for args, needle in cases:
        r = hearthd_cmd(hearthd_binary, *args, "--data-dir", str(data), "--password-file", str(pw))
        assert r.returncode == 2, (args, r.stderr)
        assert needle in r.stderr and r.stdout == "", (args, r.stderr)
    r = hearthd_cmd(hearthd_binary, "token", "x", "script", "--data-dir", str(tmp_path / "nope"))
    assert r.returncode == 2 and "no data directory" in r.stderr
    r = hearthd_cmd(hearthd_binary, "token", "only-a-name")
    assert r.returncode == 2 and "usage: hearthd token NAME USER" in r.stderr
    assert "hearthd token NAME USER" in hearthd_cmd(hearthd_binary, "--help").stdout
    # Only the hash is on disk.
    assert "hth_" not in (data / "api-tokens").read_text()


def test_token_works_on_rest_and_socketio(hearthd_binary, start_hearthd, users):
    pw, data = users
    token = make_token(hearthd_binary, pw, data, "dashboard", "script")
    site = start_site(start_hearthd, pw, data)

    me = requests.get(site.base + "/api/me", headers={"Authorization": "Bearer " + token}, timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["user"] == "script"
    bad = requests.get(site.base + "/api/me", headers={"Authorization": "Bearer hth_" + "0" * 64}, timeout=10)
    assert bad.status_code == 401

    # Made while hearthd runs: accepted at once.
    later = make_token(hearthd_binary, pw, data, "later", "admin")
    me = requests.get(site.base + "/api/me", headers={"Authorization": "Bearer " + later}, timeout=10)
    assert me.status_code == 200 and me.json()["user"] == "admin", me.text

    got = threading.Event()
    events = []
    c = socketio.Client(reconnection=False)

    @c.on("reading")
    def on_reading(data):
        events.append(data)
        if data.get("node") == "tokentest" and data.get("value") == 21.5:
            got.set()

    c.connect(site.base, socketio_path="/socket.io/", transports=["websocket"], auth={"token": token},
              wait_timeout=5)
    try:
        subprocess.run([PUB, "-h", "127.0.0.1", "-p", str(site.port), "-u", "admin", "-P", PW, "-q", "1",
                        "-t", "home/tokentest/temperature", "-m", '{"28-00ab": 21.5}'], check=True, timeout=10)
        assert got.wait(10), events
        ev = [e for e in events if e.get("node") == "tokentest"][0]
        assert ev["sensor"] == "28-00ab" and ev["kind"] == "temperature" and ev["room"] is None
    finally:
        c.disconnect()

    refused = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        refused.connect(site.base, socketio_path="/socket.io/", transports=["websocket"],
                        auth={"token": "hth_" + "1" * 64}, wait_timeout=5)
