"""SIGHUP re-reads the [mqtt] limits of the config file (issue 3: "config
reload on SIGHUP (users, ACLs, limits) without dropping connections"); a file
that no longer parses keeps the limits in force and says why."""
import signal
import time

import mqtt_wire as w


def wait_line(h, text, start, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for line in list(h.lines)[start:]:
            if text in line:
                return line
        time.sleep(0.02)
    raise AssertionError("no %r in the log:\n%s" % (text, h.log()))


def hup(h, expect):
    start = len(h.lines)
    h.proc.send_signal(signal.SIGHUP)
    return wait_line(h, expect, start)


def publish_survives(port, size):
    """True when a QoS 1 publish of `size` bytes is acknowledged; False when
    the broker closes the connection for it."""
    c = w.client(port, "sized-%d" % size)
    try:
        c.send(w.publish("limits/t", b"x" * size, qos=1, mid=1))
        try:
            c.expect(w.puback(1))
            return True
        except AssertionError:
            return False
    finally:
        c.close()


def test_sighup_reloads_limits_without_dropping_connections(start_hearthd):
    h = start_hearthd(config={"mqtt": {"max_packet_size": 1000}})
    keeper = w.client(h.port, "keeper")  # connected across the reloads
    assert not publish_survives(h.port, 2000)

    (h.workdir / "hearthd.toml").write_text("[mqtt]\nmax_packet_size = 100000\n")
    line = hup(h, "reload: limits")
    assert "max_packet_size 100000" in line
    assert publish_survives(h.port, 2000)
    keeper.ping()

    (h.workdir / "hearthd.toml").write_text("[mqtt]\nmax_packet_size = \"big\"\n")
    line = hup(h, "reload: keeping the previous limits")
    assert "max_packet_size" in line
    assert publish_survives(h.port, 2000)  # still the reloaded limit
    keeper.ping()
    keeper.close()
