"""The web API and Socket.IO of issue 6 against a real hearthd (--http on
127.0.0.1:0, users from a password file made by `hearthd passwd`), with real
peers: python-requests, Debian's python3-socketio client, mosquitto_pub.

Login (ok, bad, throttled with 429), CSRF, member vs admin, history as JSON
and CSV, a backup that is a valid SQLite database, the Socket.IO connection
refused without a session, and a reading published over MQTT arriving as a
`reading` event with its room resolved.
"""
import re
import sqlite3
import subprocess
import threading
import time

import pytest
import requests
import socketio

PUB = "/usr/bin/mosquitto_pub"
ADMIN_PW = "admin-password-1"


@pytest.fixture
def site(start_hearthd, hearthd_binary, tmp_path):
    pw = tmp_path / "passwd"
    r = subprocess.run([hearthd_binary, "passwd", str(pw), "admin"], input=ADMIN_PW + "\n",
                       text=True, capture_output=True, timeout=10)
    assert r.returncode == 0, r.stderr
    h = start_hearthd(args=["--http", "127.0.0.1:0", "--password-file", str(pw)], listeners=["mqtt", "http"])
    h.base = "http://127.0.0.1:%d" % h.ports["http"]
    return h


def login(site, user="admin", password=ADMIN_PW):
    s = requests.Session()
    r = s.post(site.base + "/api/login", json={"username": user, "password": password}, timeout=10)
    assert r.status_code == 200, r.text
    s.headers["X-CSRF-Token"] = r.json()["csrf"]
    return s


def publish(site, topic, payload):
    subprocess.run([PUB, "-h", "127.0.0.1", "-p", str(site.port), "-u", "admin", "-P", ADMIN_PW,
                    "-q", "1", "-t", topic, "-m", payload], check=True, timeout=10)


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return pred()


def test_login_ok_bad_and_throttled(site):
    r = requests.post(site.base + "/api/login", json={"username": "admin", "password": ADMIN_PW}, timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["user"] == "admin" and body["role"] == "admin" and len(body["csrf"]) == 64
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("hearth_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    me = requests.get(site.base + "/api/me", cookies=r.cookies, timeout=10)
    assert me.json()["user"] == "admin"

    codes = []
    for _ in range(5):
        r = requests.post(site.base + "/api/login", json={"username": "admin", "password": "wrong"}, timeout=10)
        codes.append(r.status_code)
    # A few typos are free; then the address waits, and even the right
    # password is answered 429 until the wait is over.
    assert codes[:4] == [401, 401, 401, 401], codes
    assert codes[4] == 429, codes
    assert r.json() == {"error": "too many failed logins; try again later"}
    assert int(r.headers["Retry-After"]) >= 1
    r = requests.post(site.base + "/api/login", json={"username": "admin", "password": ADMIN_PW}, timeout=10)
    assert r.status_code == 429
    time.sleep(int(r.headers["Retry-After"]) + 0.2)
    r = requests.post(site.base + "/api/login", json={"username": "admin", "password": ADMIN_PW}, timeout=10)
    assert r.status_code == 200
    assert requests.post(site.base + "/api/login", data="not json", timeout=10).status_code == 400


def test_login_required_and_csrf(site):
    assert requests.get(site.base + "/api/house", timeout=10).json() == {"error": "login required"}
    s = login(site)
    csrf = s.headers.pop("X-CSRF-Token")
    r = s.post(site.base + "/api/rooms", json={"name": "Hall"}, timeout=10)
    assert (r.status_code, r.json()) == (403, {"error": "csrf"})
    r = s.post(site.base + "/api/rooms", json={"name": "Hall"}, headers={"X-CSRF-Token": "0" * 64}, timeout=10)
    assert r.status_code == 403
    r = s.post(site.base + "/api/rooms", json={"name": "Hall"}, headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 200 and r.json()["name"] == "Hall"
    # Logged out, the cookie is worth nothing.
    assert s.post(site.base + "/api/logout", headers={"X-CSRF-Token": csrf}, timeout=10).status_code == 200
    assert s.get(site.base + "/api/me", timeout=10).status_code == 401


def test_member_versus_admin(site):
    admin = login(site)
    r = admin.post(site.base + "/api/users", json={"username": "kid", "password": "kid-password", "role": "member"},
                   timeout=10)
    assert r.status_code == 200, r.text
    users = admin.get(site.base + "/api/users", timeout=10).json()
    assert {"user": "kid", "role": "member"} in users and {"user": "admin", "role": "admin"} in users
    kid = login(site, "kid", "kid-password")
    assert kid.get(site.base + "/api/house", timeout=10).status_code == 200
    for method, path in [("GET", "/api/users"), ("GET", "/api/audit"), ("POST", "/api/backup"),
                         ("POST", "/api/rooms"), ("DELETE", "/api/users/admin")]:
        r = kid.request(method, site.base + path, json={}, timeout=10)
        assert (r.status_code, r.json()) == (403, {"error": "admin only"}), (method, path)
    # The new user is an MQTT user too: one set of users.
    subprocess.run([PUB, "-h", "127.0.0.1", "-p", str(site.port), "-u", "kid", "-P", "kid-password",
                    "-t", "home/x/status", "-m", "online"], check=True, timeout=10)
    bad = subprocess.run([PUB, "-h", "127.0.0.1", "-p", str(site.port), "-u", "kid", "-P", "nope",
                          "-t", "home/x/status", "-m", "online"], capture_output=True, timeout=10)
    assert bad.returncode != 0


def test_history_json_and_csv(site):
    s = login(site)
    t0 = int(time.time() * 1000) - 60000
    for i in range(5):
        publish(site, "home/kitchen/temperature", '{"28-01": %s, "ts": %d}' % (20 + i, t0 + i * 1000))
    q = {"node": "kitchen", "kind": "temperature", "sensor": "28-01", "from": t0 - 1, "to": t0 + 100000}
    h = wait_for(lambda: (lambda j: j if len(j["rows"]) == 5 else None)(
        s.get(site.base + "/api/history", params=q, timeout=10).json()))
    assert h, s.get(site.base + "/api/history", params=q, timeout=10).text
    assert h["resolution"] == "raw" and h["unit"] == "°C"
    assert h["rows"][0] == [t0, 20.0] and h["rows"][4] == [t0 + 4000, 24.0]
    r = s.get(site.base + "/api/history.csv", params=q, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    lines = r.text.strip().split("\n")
    assert lines[0] == "time,ts,value" and len(lines) == 6
    assert lines[1].endswith(",%d,20" % t0), lines[1]
    bad = s.get(site.base + "/api/history", params=dict(q, **{"from": "x"}), timeout=10)
    assert bad.status_code == 400 and "error" in bad.json()


def test_backup_is_a_sqlite_database(site, tmp_path):
    s = login(site)
    publish(site, "home/garden/moisture", '{"soil-1": 42}')
    r = s.post(site.base + "/api/backup", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/octet-stream"
    assert r.content[:16] == b"SQLite format 3\x00"
    f = tmp_path / "backup.db"
    f.write_bytes(r.content)
    db = sqlite3.connect(str(f))
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"device", "node"} <= tables, tables
    db.close()


def test_socketio_refused_without_session(site):
    refusals = []
    c = socketio.Client(reconnection=False)
    c.on("connect_error", lambda data=None: refusals.append(data))
    with pytest.raises(socketio.exceptions.ConnectionError):
        c.connect(site.base, socketio_path="/socket.io/", transports=["polling"], wait_timeout=5)
    # CONNECT_ERROR {"message": "login required"}, as the UI expects it.
    assert wait_for(lambda: refusals, 5) and "login required" in str(refusals[0]), refusals
    c = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        c.connect(site.base, socketio_path="/socket.io/", transports=["polling"],
                  headers={"Cookie": "hearth_session=" + "0" * 64}, wait_timeout=5)


def test_reading_event_with_its_room(site):
    s = login(site)
    publish(site, "home/kitchen/temperature", '{"28-0a": 19.5}')
    assert wait_for(lambda: any(d["sensor"] == "28-0a"
                                for d in s.get(site.base + "/api/house", timeout=10).json()["new_devices"]))
    room = s.post(site.base + "/api/rooms", json={"name": "Kitchen"}, timeout=10).json()
    r = s.put(site.base + "/api/sensors/kitchen/temperature/28-0a", json={"name": "Oven", "room": room["id"]},
              timeout=10)
    assert r.status_code == 200, r.text

    got = []
    seen = threading.Event()
    c = socketio.Client(reconnection=False)

    @c.on("reading")
    def on_reading(data):
        got.append(data)
        if data.get("sensor") == "28-0a" and data.get("value") == 23.25:
            seen.set()

    c.connect(site.base, socketio_path="/socket.io/", transports=["polling", "websocket"],
              headers={"Cookie": "hearth_session=" + s.cookies["hearth_session"]}, wait_timeout=5)
    try:
        publish(site, "home/kitchen/temperature", '{"28-0a": 23.25}')
        assert seen.wait(10), got
        ev = [g for g in got if g.get("value") == 23.25][0]
        assert ev["node"] == "kitchen" and ev["kind"] == "temperature" and ev["room"] == "Kitchen"
        assert ev["unit"] == "°C" and isinstance(ev["ts"], int)
        # A command for a relay nobody answers: acknowledged with a failure
        # (the house's timeout), and audited.
        ack = c.call("command", {"node": "kitchen", "relay": "light", "state": "sideways"}, timeout=10)
        assert ack["ok"] is False and ack["error"]
    finally:
        c.disconnect()


def live_socket(site, session):
    c = socketio.Client(reconnection=False)
    ended = threading.Event()
    c.on("disconnect", lambda *args: ended.set())
    c.connect(site.base, socketio_path="/socket.io/", transports=["websocket"],
              headers={"Cookie": "hearth_session=" + session.cookies["hearth_session"]}, wait_timeout=5)
    return c, ended


def test_logout_and_user_deletion_end_live_sockets(site):
    # The session's Socket.IO connection would otherwise go on receiving the
    # house's events after the user logged out, or after an admin deleted them.
    admin = login(site)
    other = login(site)  # a second session of the same user stays connected
    c, ended = live_socket(site, admin)
    c2, ended2 = live_socket(site, other)
    try:
        r = admin.post(site.base + "/api/logout", timeout=10)
        assert r.status_code == 200, r.text
        assert ended.wait(5), "the logged-out session's socket is still connected"
        assert not ended2.wait(0.5) and c2.connected
        assert other.get(site.base + "/api/me", timeout=10).status_code == 200

        assert other.post(site.base + "/api/users", json={"username": "guest", "password": "guest-password",
                                                          "role": "member"}, timeout=10).status_code == 200
        guest = login(site, "guest", "guest-password")
        g, guest_ended = live_socket(site, guest)
        assert other.delete(site.base + "/api/users/guest", timeout=10).status_code == 200
        assert guest_ended.wait(5), "a deleted user's socket is still connected"
        assert not ended2.is_set()
    finally:
        c.disconnect()
        c2.disconnect()


def test_first_start_prints_a_one_time_password(start_hearthd):
    h = start_hearthd(args=["--http", "127.0.0.1:0"])
    first = re.compile(r"first start: open (http://127\.0\.0\.1:\d+/) and log in as admin with password (\w+)")
    assert wait_for(lambda: first.search(h.log())), h.log()
    url, password = first.search(h.log()).groups()
    r = requests.post(url + "api/login", json={"username": "admin", "password": password}, timeout=10)
    assert r.status_code == 200 and r.json()["role"] == "admin"
    assert h.stop() == 0
    # Only its hash was kept, and the next start has a user: no new password.
    data = h.workdir / "data"
    assert password not in (data / "web-passwd").read_text()
    again = start_hearthd(args=["--http", "127.0.0.1:0", "--data-dir", str(data)], listeners=["mqtt", "http"])
    time.sleep(0.3)
    assert "first start" not in again.log()
