"""Users (--password-file in Mosquitto's format): CONNACK 4 for a bad user
name or password, 5 without credentials; files made by mosquitto_passwd
work here and files made by `hearthd passwd` work in Mosquitto; repeated
failures are answered later and later without stalling anyone else; the
secure defaults; users reloaded on SIGHUP."""
import os
import stat
import subprocess
import time

import pytest

import mqtt_wire as w
import secure_support as sec


def mosquitto_passwords(path):
    subprocess.run(["mosquitto_passwd", "-c", "-b", path, "alice", "alice-secret"], check=True)
    subprocess.run(["mosquitto_passwd", "-H", "sha512", "-b", path, "bob", "bob-secret"], check=True)
    return path


def hearthd_passwd(binary, path, user, password):
    return subprocess.run([binary, "passwd", path, user], input=password + "\n", capture_output=True, text=True,
                          timeout=10)


def login(port, client_id, **kw):
    with w.Conn(port, timeout=12) as c:
        return sec.connack_code(c, client_id, **kw)


def test_mosquitto_made_users_log_in(secure_hearthd, tmp_path):
    h = secure_hearthd(args=["--password-file", mosquitto_passwords(str(tmp_path / "passwd"))])
    assert login(h.port, "a", username="alice", password="alice-secret") == 0  # $7$ (PBKDF2-SHA512)
    assert login(h.port, "b", username="bob", password="bob-secret") == 0      # $6$ (salted SHA512)
    with w.Conn(h.port) as c:
        # Accepted clients stay connected and work.
        assert sec.connack_code(c, "a2", username="alice", password="alice-secret") == 0
        c.ping()


@pytest.mark.parametrize("kw,code", [
    (dict(username="alice", password="wrong"), 4),
    (dict(username="mallory", password="alice-secret"), 4),
    (dict(username="alice"), 4),
    (dict(), 5),
], ids=["wrong-password", "unknown-user", "no-password", "anonymous"])
def test_refused_logins(secure_hearthd, tmp_path, kw, code):
    h = secure_hearthd(args=["--password-file", mosquitto_passwords(str(tmp_path / "passwd"))])
    with w.Conn(h.port) as c:
        assert sec.connack_code(c, "x", **kw) == code
        c.expect_closed()
    h.wait_log(r"connection refused: (bad user name or password|no user name)")


def test_allow_anonymous_with_users(secure_hearthd, tmp_path):
    h = secure_hearthd(args=["--password-file", mosquitto_passwords(str(tmp_path / "passwd")), "--allow-anonymous"])
    assert login(h.port, "anon") == 0
    assert login(h.port, "a", username="alice", password="wrong") == 4  # users still need their password


def test_repeated_failures_are_answered_later_without_blocking_others(secure_hearthd, tmp_path):
    h = secure_hearthd(args=["--password-file", mosquitto_passwords(str(tmp_path / "passwd"))])
    with w.client(h.port, "steady", username="alice", password="alice-secret") as steady:
        took = []
        for i in range(3):
            with w.Conn(h.port, timeout=10) as c:
                start = time.monotonic()
                c.send(w.connect("guess%d" % i, username="alice", password="guess%d" % i))
                # While the answer is held, the broker serves everyone else at once.
                ping_start = time.monotonic()
                steady.ping()
                assert time.monotonic() - ping_start < 0.3
                pkt = c.read_packet("CONNACK")
                took.append(time.monotonic() - start)
                assert pkt == w.connack(4)
        # 0.5 s, 1 s, 2 s.
        for t, expected in zip(took, (0.5, 1.0, 2.0)):
            assert expected * 0.9 <= t < expected + 1.0, took
        # The right password from there is answered as late: a quick answer
        # would tell a guesser it had guessed right.
        start = time.monotonic()
        assert login(h.port, "ok", username="alice", password="alice-secret") == 0
        assert time.monotonic() - start >= 1.8
        steady.ping()
    h.wait_log(r"failure 3 from 127\.0\.0\.1; answered after 2000 ms")


def test_hearthd_passwd_file_works_in_hearthd_and_mosquitto(hearthd_binary, secure_hearthd, tmp_path):
    path = str(tmp_path / "users")
    r = hearthd_passwd(hearthd_binary, path, "alice", "first pass")
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert hearthd_passwd(hearthd_binary, path, "bob", "bob:pass").returncode == 0
    assert hearthd_passwd(hearthd_binary, path, "alice", "second pass").returncode == 0  # changed
    lines = open(path).read().splitlines()
    assert [l.split(":")[0] for l in lines] == ["alice", "bob"]
    assert all(l.split(":", 1)[1].startswith("$7$101$") for l in lines)
    # Never on the command line; nothing on stdin is refused.
    bad = subprocess.run([hearthd_binary, "passwd", path, "carol", "secret"], capture_output=True, text=True)
    assert bad.returncode == 2 and "usage: hearthd passwd FILE USER" in bad.stderr
    assert hearthd_passwd(hearthd_binary, path, "carol", "").returncode == 2

    h = secure_hearthd(args=["--password-file", path])
    assert login(h.port, "a", username="alice", password="second pass") == 0
    assert login(h.port, "b", username="bob", password="bob:pass") == 0

    # Debian's Mosquitto reads the same file.
    port = w.free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text("listener %d 127.0.0.1\npassword_file %s\nallow_anonymous false\n%s"
                    % (port, path, "user root\n" if os.geteuid() == 0 else ""))
    m = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        w.wait_until(lambda: _can_connect(port), what="mosquitto listening")
        ok = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-u", "alice", "-P", "second pass",
                             "-t", "t", "-m", "m"], capture_output=True, text=True, timeout=10)
        assert ok.returncode == 0, ok.stderr
        ok = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-u", "bob", "-P", "bob:pass",
                             "-t", "t", "-m", "m"], capture_output=True, text=True, timeout=10)
        assert ok.returncode == 0, ok.stderr
        bad = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-u", "alice", "-P", "first pass",
                              "-t", "t", "-m", "m"], capture_output=True, text=True, timeout=10)
        assert bad.returncode != 0
    finally:
        m.terminate()
        m.wait(10)


def _can_connect(port):
    import socket
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_secure_defaults_refuse_to_start(hearthd_binary, tmp_path):
    def start(*args):
        return subprocess.run([hearthd_binary, "--data-dir", str(tmp_path / "d"), *args], capture_output=True,
                              text=True, timeout=10)

    r = start("--mqtt", "0.0.0.0:0")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1, r.stderr
    assert "--mqtt 0.0.0.0:0: listening beyond this machine without users" in r.stderr
    # A malformed password file is named, with its line.
    bad = tmp_path / "passwd"
    bad.write_text("alice:plaintext\n")
    r = start("--password-file", str(bad), "--mqtt", "127.0.0.1:0")
    assert r.returncode == 2
    assert "%s: line 1: user 'alice': not a hashed password" % bad in r.stderr


def test_sighup_reloads_users_without_dropping_connections(hearthd_binary, secure_hearthd, tmp_path):
    path = str(tmp_path / "users")
    assert hearthd_passwd(hearthd_binary, path, "alice", "alice-secret").returncode == 0
    h = secure_hearthd(args=["--password-file", path])
    with w.client(h.port, "alice-1", username="alice", password="alice-secret") as alice:
        # carol arrives, alice leaves the file: alice's connection stays.
        assert hearthd_passwd(hearthd_binary, path, "carol", "carol-secret").returncode == 0
        text = open(path).read().splitlines()
        with open(path, "w") as f:
            f.write("\n".join(l for l in text if not l.startswith("alice:")) + "\n")
        lines = h.reload()
        assert any("reload: users: 1 from" in l for l in lines), lines
        assert login(h.port, "carol-1", username="carol", password="carol-secret") == 0
        alice.ping()

        # A broken file keeps the users loaded before, and says why.
        with open(path, "a") as f:
            f.write("broken line\n")
        lines = h.reload()
        assert any("keeping the previous users" in l and "line 2" in l for l in lines), lines
        assert login(h.port, "carol-2", username="carol", password="carol-secret") == 0
        alice.ping()
        # alice is gone for new connections.
        assert login(h.port, "alice-2", username="alice", password="alice-secret") == 4
        alice.ping()
