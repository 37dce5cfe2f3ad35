"""Retained messages (MQTT 3.1.1 3.3.1.3): stored, replaced, cleared by an
empty payload, sent after SUBACK with the retain flag on subscribe (wildcards
too), at the lower of stored and granted QoS; live forwarding clears the flag."""
import mqtt_wire as w


def retain(port, topic, payload, qos=0):
    w.publish_with_helper(port, topic, payload, qos, client_id="retainer", retain=True)


def sub(c, mid, *filters):
    c.send(w.subscribe(mid, *filters))
    c.expect(w.suback(mid, *[q for _, q in filters]))


def test_retained_message_is_sent_on_subscribe(port):
    with w.client(port, "retain-qos0-test") as c:
        c.send(w.publish("retain/qos0/test", b"retained message", retain=True))
        sub(c, 16, ("retain/qos0/test", 0))
        c.expect(w.publish("retain/qos0/test", b"retained message", retain=True))
        c.ping()


def test_live_retained_publish_is_forwarded_without_the_flag(port):
    with w.client(port, "retain-qos0-fresh-test") as c:
        sub(c, 16, ("retain/qos0/fresh", 0))
        retain(port, "retain/qos0/fresh", b"retained message")
        c.expect(w.publish("retain/qos0/fresh", b"retained message", retain=False))


def test_resubscribing_sends_the_retained_message_again(port):
    retain(port, "retain/qos0/repeated", b"retained message")
    with w.client(port, "retain-repeated") as c:
        for mid in (16, 17):  # a repeated SUBSCRIBE replaces the subscription [MQTT-3.8.4-3]
            sub(c, mid, ("retain/qos0/repeated", 0))
            c.expect(w.publish("retain/qos0/repeated", b"retained message", retain=True))
        c.send(w.unsubscribe(13, "retain/qos0/repeated"))
        c.expect(w.unsuback(13))
        sub(c, 18, ("retain/qos0/repeated", 0))
        c.expect(w.publish("retain/qos0/repeated", b"retained message", retain=True))
        c.ping()


def test_retained_qos1_is_sent_at_granted_qos0(port):
    with w.client(port, "retain-qos1-qos0-test") as c:
        c.send(w.publish("retain/qos1/qos0/test", b"retained message", qos=1, mid=6, retain=True))
        c.expect(w.puback(6))
        sub(c, 18, ("retain/qos1/qos0/test", 0))
        c.expect(w.publish("retain/qos1/qos0/test", b"retained message", retain=True))


def test_retained_qos0_is_not_upgraded(port):
    retain(port, "retain/up", b"m", qos=0)
    with w.client(port, "no-upgrade") as c:
        sub(c, 1, ("retain/up", 1))
        c.expect(w.publish("retain/up", b"m", retain=True))
        c.ping()


def test_retained_qos2_to_qos2_subscriber(port):
    retain(port, "retain/q2", b"two", qos=2)
    with w.client(port, "retain-q2") as c:
        sub(c, 1, ("retain/q2", 2))
        c.expect(w.publish("retain/q2", b"two", qos=2, mid=1, retain=True))
        c.send(w.pubrec(1))
        c.expect(w.pubrel(1))
        c.send(w.pubcomp(1))
        c.ping()


def test_empty_retained_payload_clears_and_is_forwarded(port):
    retain(port, "retain/clear", b"retained message")
    with w.client(port, "retain-clear-live") as live:
        sub(live, 1, ("retain/clear", 0))
        live.expect(w.publish("retain/clear", b"retained message", retain=True))
        retain(port, "retain/clear", b"")
        # Current subscribers get the empty message like any other [MQTT-3.3.1-10].
        live.expect(w.publish("retain/clear", b""))
    with w.client(port, "retain-clear-new") as c:
        sub(c, 1, ("retain/clear", 0))
        c.ping()  # nothing stored any more


def test_newer_retained_message_replaces_the_older(port):
    retain(port, "retain/replace", b"old")
    retain(port, "retain/replace", b"new")
    with w.client(port, "retain-replace") as c:
        sub(c, 1, ("retain/replace", 0))
        c.expect(w.publish("retain/replace", b"new", retain=True))
        c.ping()


def test_clearing_one_level_keeps_the_others(port):
    for t in ("1/2/3/4/5/6/7", "1/2/3/4", "1"):
        retain(port, t, b"retained message", qos=1)

    def expect_retained(*topics):
        with w.client(port, "retain-clear-test") as c:
            sub(c, 1, ("#", 0))
            for t in topics:
                c.expect(w.publish(t, b"retained message", retain=True))
            c.ping()

    expect_retained("1", "1/2/3/4", "1/2/3/4/5/6/7")
    retain(port, "1/2/3/4", b"", qos=1)
    expect_retained("1", "1/2/3/4/5/6/7")
    retain(port, "1/2/3/4/5/6/7", b"", qos=1)
    expect_retained("1")
    retain(port, "1", b"", qos=1)
    expect_retained()


def test_suback_comes_before_retained_messages_and_wildcards_match(port):
    retain(port, "TopicA/B", b"qos 0", 0)
    retain(port, "Topic/C", b"qos 1", 1)
    retain(port, "TopicA/C", b"qos 2", 2)
    retain(port, "/TopicA", b"other", 0)
    with w.client(port, "retain-wild") as c:
        c.send(w.subscribe(3, ("+/+", 2)))
        c.expect(w.suback(3, 2))  # first, before any retained message [MQTT-3.8.4-4]
        got = {}
        for _ in range(4):
            topic, payload, qos, retain_flag, dup, mid = w.split_publish(c.read_packet())
            assert retain_flag and not dup, (topic, retain_flag, dup)
            got[topic] = (payload, qos)
            if qos == 1:
                c.send(w.puback(mid))
            elif qos == 2:
                c.send(w.pubrec(mid))
                c.expect(w.pubrel(mid))
                c.send(w.pubcomp(mid))
        assert got == {"TopicA/B": (b"qos 0", 0), "Topic/C": (b"qos 1", 1),
                       "TopicA/C": (b"qos 2", 2), "/TopicA": (b"other", 0)}
        c.ping()


def test_dollar_retained_topics_are_not_sent_to_hash(port):
    with w.client(port, "dollar-retainer") as p:
        p.send(w.publish("$app/state", b"hidden", retain=True))
        p.ping()
    with w.client(port, "retain-hash") as c:
        sub(c, 1, ("#", 0))
        c.ping()
        sub(c, 2, ("$app/#", 0))
        c.expect(w.publish("$app/state", b"hidden", retain=True))
