"""Packet-sequence cases: bytes a client sends, bytes the broker must answer,
and whether the connection must then be closed or still answer a PINGREQ.

These are the rules Mosquitto's packet-sequence compliance run checks for MQTT
3.1 and 3.1.1, written here in our own notation so that we know before that
run whether hearthd passes it:

* a case starts, unless `connect=False`, with a CONNECT whose client id is the
  case name and the matching CONNACK (0x20 0x02 0x00 0x00);
* `Send(bytes)` writes, `Recv(bytes)` reads exactly those bytes, `Pub(...)`
  has a second client publish a message;
* at the end the broker must have closed the connection without sending
  anything else (default), or with `alive=True` must answer PINGREQ with
  exactly PINGRESP (so no stray packet may be queued before it).
"""
import re
from dataclasses import dataclass, field

import mqtt_wire as w


@dataclass
class Send:
    data: bytes


@dataclass
class Recv:
    data: bytes


@dataclass
class Pub:
    topic: str
    qos: int
    payload: bytes


@dataclass
class Case:
    name: str
    steps: list = field(default_factory=list)
    connect: bool = True
    alive: bool = False
    proto: int = 4

    @property
    def client_id(self):
        return re.sub(r"[^A-Za-z0-9._-]+", "-", self.name)[:60]


def case(name, *steps, connect=True, alive=False, proto=4):
    return Case(name, list(steps), connect, alive, proto)


def named(prefix, cases):
    """Prefixes the names of `cases` (so that tables of several packet types
    keep distinct test ids)."""
    for c in cases:
        c.name = prefix + " " + c.name
    return cases


def run_case(port, c):
    conn = w.Conn(port)
    try:
        if c.connect:
            conn.send(w.connect(c.client_id, proto=c.proto))
            conn.expect(w.connack(0), "CONNACK")
        for step in c.steps:
            if isinstance(step, Send):
                try:
                    conn.send(step.data)
                except (BrokenPipeError, ConnectionResetError):
                    if c.alive:
                        raise AssertionError("connection closed while sending %s"
                                             % w.describe(step.data)) from None
                    return  # already closed: that is what a malformed packet deserves
            elif isinstance(step, Recv):
                conn.expect(step.data)
            else:
                w.publish_with_helper(port, step.topic, step.payload, step.qos,
                                      client_id=c.client_id + "-helper")
        if c.alive:
            conn.ping()
        else:
            # Mosquitto's runner gives up after 2 s (and then stops the whole run).
            conn.expect_closed(timeout=2)
    finally:
        conn.close()


def check_still_serving(port):
    """After a hostile connection, a fresh client must still be served."""
    with w.client(port, "survivor") as c:
        c.send(w.subscribe(1, ("survivor/t", 0)))
        c.expect(w.suback(1, 0))
        c.ping()
