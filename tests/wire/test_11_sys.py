"""$SYS/broker/... statistics: published every sys_interval seconds under
Mosquitto's topic names, retained, invisible to wildcard filters that do not
start with $SYS, and off when sys_interval is 0."""
import re
import time

import mqtt_wire as w

TOPICS = ["version", "uptime", "clients/connected", "messages/received", "messages/sent",
          "publish/messages/received", "publish/messages/sent", "publish/messages/dropped",
          "bytes/received", "bytes/sent", "retained messages/count"]


def collect(conn, until, seconds):
    """Reads PUBLISH packets into {topic: payload} until `until(values)` holds."""
    values = {}
    deadline = time.monotonic() + seconds
    while not until(values):
        left = deadline - time.monotonic()
        assert left > 0, "only got %s" % sorted(values)
        conn.timeout = left
        topic, payload, qos, retain, dup, mid = w.split_publish(conn.read_packet("$SYS"))
        values[topic] = payload.decode()
    return values


def test_sys_topics_are_published_and_updated(start_hearthd):
    h = start_hearthd(config={"mqtt": {"sys_interval": 1}})
    with w.client(h.port, "sys-reader") as c:
        c.send(w.subscribe(1, ("$SYS/broker/#", 0)))
        c.expect(w.suback(1, 0))
        want = ["$SYS/broker/" + t for t in TOPICS]
        connected = "$SYS/broker/clients/connected"
        # The retained values may predate this client; wait for an update.
        received = "$SYS/broker/bytes/received"
        first = collect(c, lambda v: all(t in v for t in want) and int(v[connected]) >= 1
                        and int(v[received]) > 0, 4)
        assert first["$SYS/broker/version"].startswith("hearth")
        assert re.fullmatch(r"\d+ seconds", first["$SYS/broker/uptime"])
        for t in TOPICS[2:]:
            assert re.fullmatch(r"\d+", first["$SYS/broker/" + t]), (t, first["$SYS/broker/" + t])

        before = int(first["$SYS/broker/publish/messages/received"])
        for i in range(3):
            w.publish_with_helper(h.port, "sys/traffic", b"%d" % i, 1)
        key = "$SYS/broker/publish/messages/received"
        later = collect(c, lambda v: int(v.get(key, before)) >= before + 3, 4)
        assert int(later[key]) >= before + 3


def test_sys_is_retained_and_not_matched_by_hash(start_hearthd):
    h = start_hearthd(config={"mqtt": {"sys_interval": 1}})
    time.sleep(1.2)
    with w.client(h.port, "sys-late") as c:
        c.send(w.subscribe(1, ("#", 0), ("+/broker/version", 0)))
        c.expect(w.suback(1, 0, 0))
        c.ping()  # no $SYS message through "#" or "+/..."
        c.send(w.subscribe(2, ("$SYS/broker/version", 0)))
        c.expect(w.suback(2, 0))
        topic, payload, qos, retain, dup, mid = w.split_publish(c.read_packet())
        assert (topic, retain) == ("$SYS/broker/version", True)


def test_sys_interval_zero_turns_it_off(start_hearthd):
    h = start_hearthd(config={"mqtt": {"sys_interval": 0}})
    with w.client(h.port, "sys-off") as c:
        c.send(w.subscribe(1, ("$SYS/#", 0)))
        c.expect(w.suback(1, 0))
        c.expect_silence(2.0)
