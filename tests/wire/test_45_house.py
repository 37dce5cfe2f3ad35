"""The house inside hearthd against real peers: readings published by
paho-mqtt and mosquitto_pub land in readings.db (read back with Python's own
sqlite3 after a clean shutdown), devices appear, bad payloads are counted and
survived; a corrupt readings.db stops hearthd with a clear message."""
import sqlite3
import subprocess
import time

import paho.mqtt.client as mqtt

PUB = "/usr/bin/mosquitto_pub"


def paho_client(port, client_id):
    c = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv311)
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c


def test_readings_land_in_readings_db(start_hearthd):
    h = start_hearthd()
    c = paho_client(h.port, "kitchen-agent")
    infos = [c.publish("home/kitchen/status", "online", qos=1, retain=True),
             c.publish("home/kitchen/relay/light", "off", qos=1, retain=True)]
    for i in range(20):
        infos.append(c.publish("home/kitchen/temperature", '{"28-0000071a2b3c": %.1f}' % (20 + i / 10), qos=1))
    infos.append(c.publish("home/kitchen/humidity", '{"dht22": 41, "ts": %d}' % (time.time() * 1000 - 60000), qos=1))
    infos.append(c.publish("home/kitchen/temperature", "garbage", qos=1))
    infos.append(c.publish("home/kitchen/temperature", '{"28-x": "warm"}', qos=1))
    for info in infos:
        info.wait_for_publish(5)
    subprocess.run([PUB, "-h", "127.0.0.1", "-p", str(h.port), "-q", "1", "-t", "home/cellar/moisture",
                    "-m", '{"soil": 33.5}'], check=True, timeout=10)
    c.loop_stop()
    c.disconnect()
    time.sleep(0.3)
    assert h.alive()
    assert h.stop() == 0  # SIGTERM flushes what is still batched

    db = sqlite3.connect(str(h.workdir / "data" / "readings.db"))
    rows = db.execute("SELECT s.node, s.kind, s.sensor, count(*), min(r.value), max(r.value) FROM reading r "
                      "JOIN series s ON s.id = r.series GROUP BY s.id ORDER BY s.node, s.kind").fetchall()
    assert rows == [("cellar", "moisture", "soil", 1, 33.5, 33.5),
                    ("kitchen", "humidity", "dht22", 1, 41.0, 41.0),
                    ("kitchen", "temperature", "28-0000071a2b3c", 20, 20.0, 21.9)]
    # The buffered reading kept its own time.
    ts = db.execute("SELECT r.ts FROM reading r JOIN series s ON s.id = r.series WHERE s.kind = 'humidity'").fetchone()[0]
    assert ts < time.time() * 1000 - 50000
    devices = db.execute("SELECT node, kind, sensor, confirmed FROM device ORDER BY node, kind").fetchall()
    assert ("kitchen", "relay", "light", 0) in devices
    assert ("cellar", "moisture", "soil", 0) in devices
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_corrupt_readings_db_stops_hearthd_with_a_clear_message(hearthd_binary, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "readings.db").write_bytes(b"this is not a database" * 300)
    p = subprocess.run([hearthd_binary, "--mqtt", "127.0.0.1:0", "--data-dir", str(data)],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 1, p.stderr
    assert "readings.db is corrupt or not a database" in p.stderr
    assert "restore a backup" in p.stderr


def test_backup_command_copies_the_live_database(start_hearthd, hearthd_binary, tmp_path):
    h = start_hearthd()
    c = paho_client(h.port, "backup-agent")
    for i in range(10):
        c.publish("home/attic/temperature", '{"28-00000000beef": %d}' % i, qos=1).wait_for_publish(5)
    c.loop_stop()
    c.disconnect()
    data = h.workdir / "data"
    copy = tmp_path / "copy.db"
    # While hearthd runs: the batch reaches the database within its flush
    # interval, and the backup reads a consistent snapshot through SQLite.
    deadline = time.time() + 10
    while True:
        r = subprocess.run([hearthd_binary, "backup", str(copy), "--data-dir", str(data)],
                           capture_output=True, timeout=30)
        assert r.returncode == 0, r.stderr.decode()
        db = sqlite3.connect(str(copy))
        n = db.execute("SELECT count(*) FROM reading r JOIN series s ON s.id = r.series "
                       "WHERE s.node = 'attic'").fetchone()[0]
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
        if n == 10 or time.time() > deadline:
            break
        time.sleep(0.5)
    assert n == 10
    assert h.alive()
    r = subprocess.run([hearthd_binary, "backup", str(tmp_path / "nowhere" / "x.db"), "--data-dir",
                        str(tmp_path / "no-such-dir")], capture_output=True, timeout=30)
    assert r.returncode != 0 and r.stderr, "a backup that cannot be made must say so"
