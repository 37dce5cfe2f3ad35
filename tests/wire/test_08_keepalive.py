"""Keep alive (MQTT 3.1.1 3.1.2.10): a client that sends nothing for one and a
half times its keep alive is disconnected and its will published; any packet
counts as activity; a keep alive of 0 turns the check off."""
import time

import mqtt_wire as w


def test_silent_client_is_disconnected_after_one_and_a_half_keepalives(port):
    with w.client(port, "ka-watch") as sub:
        sub.send(w.subscribe(1, ("ka/will", 0)))
        sub.expect(w.suback(1, 0))
        c = w.client(port, "ka-silent", keepalive=1, will=("ka/will", b"keepalive expiry", 0, False))
        t0 = time.monotonic()
        c.expect_closed(timeout=5)
        elapsed = time.monotonic() - t0
        assert 1.2 <= elapsed <= 3.0, "closed after %.2f s, expected about 1.5 s" % elapsed
        sub.expect(w.publish("ka/will", b"keepalive expiry"))
        c.close()


def test_pings_keep_the_connection_open(port):
    with w.client(port, "ka-pinger", keepalive=1) as c:
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            time.sleep(0.5)
            c.ping()


def test_any_packet_counts_as_activity(port):
    with w.client(port, "ka-publisher", keepalive=1) as c:
        for _ in range(6):
            time.sleep(0.5)
            c.send(w.publish("ka/activity", b"x"))
        c.ping()


def test_keepalive_zero_means_no_timeout(port):
    with w.client(port, "ka-zero", keepalive=0) as c:
        time.sleep(2.5)
        c.ping()


def test_expiry_of_one_client_does_not_affect_others(port):
    with w.client(port, "ka-bystander", keepalive=0) as other:
        c = w.client(port, "ka-victim", keepalive=1)
        c.expect_closed(timeout=5)
        c.close()
        other.ping()
