"""Access control with `--acl-file` (Mosquitto's acl_file format): a denied
SUBSCRIBE gets 0x80, a denied PUBLISH is acknowledged and dropped, reads are
filtered per subscriber, user and pattern rules apply to their clients."""
import mqtt_wire as w

DENY_ONE = """# everything except one topic, as in the Paho interoperability run
topic readwrite #
topic deny test/nosubscribe
"""

MIXED = """topic read ro/#
topic write wo/#
topic readwrite rw/#
pattern readwrite client/%c/#

user alice
topic readwrite alice/#
"""


def test_denied_filter_gets_0x80(start_hearthd):
    h = start_hearthd(acl=DENY_ONE)
    with w.client(h.port, "acl-sub") as c:
        c.send(w.subscribe(1, ("test/nosubscribe", 2), ("test/allowed", 2)))
        c.expect(w.suback(1, 0x80, 2))
        c.ping()


def test_deny_rule_filters_reads_and_writes(start_hearthd):
    h = start_hearthd(acl=DENY_ONE)
    with w.client(h.port, "acl-wide") as c:
        c.send(w.subscribe(1, ("test/#", 0)))
        c.expect(w.suback(1, 0))  # the filter is wider than the denied topic
        with w.client(h.port, "acl-pub") as p:
            p.send(w.publish("test/nosubscribe", b"no", qos=1, mid=1))
            p.expect(w.puback(1))  # denied, yet acknowledged
            p.send(w.publish("test/other", b"yes", qos=1, mid=2))
            p.expect(w.puback(2))
        c.expect(w.publish("test/other", b"yes"))
        c.ping()


def test_read_and_write_rules(start_hearthd):
    h = start_hearthd(acl=MIXED)
    with w.client(h.port, "anon") as c:
        c.send(w.subscribe(1, ("ro/t", 1), ("wo/t", 1), ("rw/t", 1), ("#", 1), ("ro/#", 1)))
        c.expect(w.suback(1, 1, 0x80, 1, 0x80, 1))
        c.send(w.publish("ro/t", b"cannot write", qos=1, mid=10))
        c.expect(w.puback(10))
        c.send(w.publish("rw/t", b"can write", qos=1, mid=11))
        c.expect_any_order(w.puback(11), w.publish("rw/t", b"can write", qos=1, mid=1))
        c.send(w.puback(1))
        c.ping()  # the ro/t message went nowhere


def test_pattern_rules_use_the_client_id(start_hearthd):
    h = start_hearthd(acl=MIXED)
    with w.client(h.port, "dev1") as c:
        c.send(w.subscribe(1, ("client/dev1/#", 0), ("client/dev2/#", 0)))
        c.expect(w.suback(1, 0, 0x80))
        c.send(w.publish("client/dev1/x", b"mine"))
        c.expect(w.publish("client/dev1/x", b"mine"))


def test_user_rules_replace_the_anonymous_ones(start_hearthd):
    h = start_hearthd(acl=MIXED)
    with w.client(h.port, "alice-client", username="alice") as c:
        c.send(w.subscribe(1, ("alice/#", 0), ("ro/t", 0)))
        c.expect(w.suback(1, 0, 0x80))


def test_will_to_a_denied_topic_is_dropped(start_hearthd):
    h = start_hearthd(acl=MIXED)
    with w.client(h.port, "reader") as r:
        r.send(w.subscribe(1, ("ro/#", 0), ("rw/#", 0)))
        r.expect(w.suback(1, 0, 0))
        w.client(h.port, "no-write", will=("ro/will", b"denied", 0, False)).close()
        w.client(h.port, "may-write", will=("rw/will", b"allowed", 0, False)).close()
        r.expect(w.publish("rw/will", b"allowed"))
        r.ping()
