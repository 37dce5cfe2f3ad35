"""Raw MQTT 3.1.1 packets built and checked byte by byte, for exact
packet-sequence tests against a running hearthd.

Builders return `bytes`; `Conn` is a blocking socket with a deadline on every
read (5 s by default), so a test never hangs: a missing packet is a failure
that names what was expected and what arrived.
"""
import socket
import struct
import time

TIMEOUT = 5.0

# --- encoding ----------------------------------------------------------------


def free_port():
    """A loopback port free at the time of asking (for a peer started with a fixed port)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def vbi(n):
    """Variable byte integer. Values >= 2**28 give the 5-byte (invalid) form."""
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def u16(v):
    return struct.pack("!H", v)


def s(text):
    """A length-prefixed string; bytes are taken as they are (for bad UTF-8)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return u16(len(data)) + data


def raw(*parts):
    """Concatenates parts: int = one byte, str = UTF-8 text, bytes as is."""
    out = bytearray()
    for p in parts:
        if isinstance(p, int):
            out.append(p)
        elif isinstance(p, str):
            out += p.encode("utf-8")
        else:
            out += p
    return bytes(out)


def pkt(first, *parts):
    """A packet whose remaining length is computed from its parts."""
    body = raw(*parts)
    return bytes([first]) + vbi(len(body)) + body


def connect(client_id, clean=True, keepalive=60, will=None, username=None,
            password=None, proto=4):
    """will = (topic, payload, qos, retain)."""
    flags = 0x02 if clean else 0
    payload = s(client_id)
    if will is not None:
        topic, message, qos, retain = will
        flags |= 0x04 | (qos << 3) | (0x20 if retain else 0)
        payload += s(topic) + s(message)
    if username is not None:
        flags |= 0x80
        payload += s(username)
    if password is not None:
        flags |= 0x40
        payload += s(password)
    name = "MQIsdp" if proto == 3 else "MQTT"
    return pkt(0x10, s(name), proto, flags, u16(keepalive), payload)


def connack(rc=0, present=False):
    return bytes([0x20, 2, 1 if present else 0, rc])


def publish(topic, payload=b"", qos=0, retain=False, dup=False, mid=None):
    first = 0x30 | (qos << 1) | (0x01 if retain else 0) | (0x08 if dup else 0)
    ident = u16(mid) if qos else b""
    return pkt(first, s(topic), ident, payload)


def puback(mid):
    return bytes([0x40, 2]) + u16(mid)


def pubrec(mid):
    return bytes([0x50, 2]) + u16(mid)


def pubrel(mid):
    return bytes([0x62, 2]) + u16(mid)


def pubcomp(mid):
    return bytes([0x70, 2]) + u16(mid)


def subscribe(mid, *filters):
    """filters: (filter, qos) pairs."""
    return pkt(0x82, u16(mid), *[s(f) + bytes([q]) for f, q in filters])


def suback(mid, *codes):
    return pkt(0x90, u16(mid), bytes(codes))


def unsubscribe(mid, *filters):
    return pkt(0xA2, u16(mid), *[s(f) for f in filters])


def unsuback(mid):
    return bytes([0xB0, 2]) + u16(mid)


PINGREQ = b"\xc0\x00"
PINGRESP = b"\xd0\x00"
DISCONNECT = b"\xe0\x00"

# --- decoding, for messages that say what arrived ------------------------------

NAMES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC",
         6: "PUBREL", 7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK",
         10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP",
         14: "DISCONNECT"}


def describe(data):
    """A readable summary of one or more packets (or of garbage)."""
    out, rest = [], bytes(data)
    while rest:
        first = rest[0]
        length, mult, i = 0, 1, 1
        while i < len(rest) and i < 5:
            length += (rest[i] & 0x7F) * mult
            mult *= 128
            i += 1
            if not rest[i - 1] & 0x80:
                break
        body, rest = rest[i:i + length], rest[i + length:]
        name = NAMES.get(first >> 4, "type%d" % (first >> 4))
        text = "%s(flags=%x" % (name, first & 0x0F)
        if len(body) < length:
            text += ", cut after %d of %d bytes: %s" % (len(body), length, body.hex())
        elif name == "PUBLISH" and len(body) >= 2:
            tlen = struct.unpack("!H", body[:2])[0]
            qos = (first >> 1) & 3
            text += ", topic=%r" % body[2:2 + tlen]
            off = 2 + tlen
            if qos:
                text += ", mid=%d" % struct.unpack("!H", body[off:off + 2])[0]
                off += 2
            text += ", payload=%r" % body[off:][:40]
        else:
            text += ", %s" % body.hex()
        out.append(text + ")")
    return " ".join(out) if out else "nothing"


def split_publish(data):
    """(topic, payload, qos, retain, dup, mid) of one PUBLISH packet."""
    first = data[0]
    i, length, mult = 1, 0, 1
    while True:
        length += (data[i] & 0x7F) * mult
        mult *= 128
        i += 1
        if not data[i - 1] & 0x80:
            break
    body = data[i:]
    tlen = struct.unpack("!H", body[:2])[0]
    topic = body[2:2 + tlen].decode("utf-8")
    qos = (first >> 1) & 3
    off, mid = 2 + tlen, None
    if qos:
        mid = struct.unpack("!H", body[off:off + 2])[0]
        off += 2
    return topic, bytes(body[off:]), qos, bool(first & 1), bool(first & 8), mid


# --- a connection ----------------------------------------------------------------


class Conn:
    def __init__(self, port, timeout=TIMEOUT, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            # Set before connect() so the advertised window stays small.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.timeout = timeout

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def recv_exact(self, n, what="data"):
        got = bytearray()
        deadline = time.monotonic() + self.timeout
        while len(got) < n:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(n - len(got))
            except socket.timeout:
                raise AssertionError("timed out waiting for %s; got %s"
                                     % (what, describe(got))) from None
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise AssertionError("connection closed while waiting for %s; got %s"
                                     % (what, describe(got)))
            got += chunk
        return bytes(got)

    def read_packet(self, what="a packet"):
        head = self.recv_exact(2, what)
        raw_len = head[1:]
        while raw_len[-1] & 0x80:
            if len(raw_len) == 4:
                raise AssertionError("bad remaining length from broker: %s" % raw_len.hex())
            raw_len += self.recv_exact(1, what)
        length, mult = 0, 1
        for b in raw_len:
            length += (b & 0x7F) * mult
            mult *= 128
        return head[:1] + raw_len + self.recv_exact(length, what)

    def expect(self, expected, what=None):
        what = what or describe(expected)
        got = self.recv_exact(len(expected), what)
        assert got == expected, "expected %s, got %s" % (describe(expected), describe(got))

    def expect_any_order(self, *packets):
        """Reads the given packets in whatever order they arrive."""
        pending = list(packets)
        while pending:
            got = self.read_packet("one of " + " ".join(describe(p) for p in pending))
            assert got in pending, "got %s, expected one of %s" % (
                describe(got), " ".join(describe(p) for p in pending))
            pending.remove(got)

    def expect_closed(self, timeout=TIMEOUT):
        """The broker must close the connection without sending anything more."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(64)
        except socket.timeout:
            raise AssertionError("connection still open after %.1f s" % timeout) from None
        except ConnectionResetError:
            return
        assert data == b"", "expected the connection to close, got %s" % describe(data)

    def ping(self):
        """PINGREQ answered by PINGRESP proves the link is alive and that
        nothing else was queued for this client before it."""
        self.send(PINGREQ)
        self.expect(PINGRESP, "PINGRESP")

    def expect_silence(self, duration):
        """Nothing may arrive within `duration` seconds (connection stays open)."""
        self.sock.settimeout(duration)
        try:
            data = self.sock.recv(64)
        except socket.timeout:
            return
        raise AssertionError("expected silence, got %s" % describe(data))


def client(port, client_id, clean=True, keepalive=60, present=False, **kw):
    """Opens a connection and completes CONNECT/CONNACK."""
    c = Conn(port)
    c.send(connect(client_id, clean=clean, keepalive=keepalive, **kw))
    c.expect(connack(0, present), "CONNACK for %s" % client_id)
    return c


def publish_with_helper(port, topic, payload, qos, client_id="helper", retain=False):
    """Publishes one message from a short-lived client, completing its QoS flow."""
    with client(port, client_id) as h:
        h.send(publish(topic, payload, qos, retain=retain, mid=1 if qos else None))
        if qos == 1:
            h.expect(puback(1))
        elif qos == 2:
            h.expect(pubrec(1))
            h.send(pubrel(1))
            h.expect(pubcomp(1))
        else:
            h.ping()  # the publish was processed before the connection ends


def wait_until(predicate, timeout=TIMEOUT, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
