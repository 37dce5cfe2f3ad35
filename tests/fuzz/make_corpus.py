#!/usr/bin/python3
"""Writes the committed seed corpus of fuzz_codec: one file per packet type,
a few variants, and a few malformed packets. Re-run after changing it:
    /usr/bin/python3 tests/fuzz/make_corpus.py
"""
import os


def s(text):
    b = text.encode() if isinstance(text, str) else bytes(text)
    return len(b).to_bytes(2, "big") + b


def rl(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def frame(first, body):
    return bytes([first]) + rl(len(body)) + body


def connect(flags, payload, name="MQTT", level=4, keepalive=60):
    return frame(0x10, s(name) + bytes([level, flags]) + keepalive.to_bytes(2, "big") + payload)


seeds = {
    # one per packet type
    "01-connect": connect(0x02, s("client-1")),
    "01-connect-will-user-pass": connect(0xEE, s("cid") + s("w/t") + s(b"\x00bye") + s("user") + s(b"\x00\xffpw")),
    "01-connect-mqisdp": connect(0x00, s("old"), name="MQIsdp", level=3),
    "01-connect-level5": connect(0x02, b"\x00" + s("v5"), level=5),
    "02-connack": frame(0x20, b"\x01\x00"),
    "03-publish-qos0": frame(0x30, s("home/kitchen/temp") + b"21.5"),
    "03-publish-qos1-dup-retain": frame(0x3B, s("a/b") + b"\x12\x34" + b"payload"),
    "03-publish-qos2": frame(0x34, s("caf\u00e9/\U0001F600") + b"\xff\xfe" + b"\x00\x01"),
    "03-publish-large": frame(0x30, s("big") + b"x" * 300),
    "04-puback": frame(0x40, b"\x00\x01"),
    "05-pubrec": frame(0x50, b"\x00\x02"),
    "06-pubrel": frame(0x62, b"\x00\x03"),
    "07-pubcomp": frame(0x70, b"\xff\xff"),
    "08-subscribe": frame(0x82, b"\x00\x0a" + s("a/#") + b"\x01" + s("+/b") + b"\x02" + s("$SYS/#") + b"\x00"),
    "09-suback": frame(0x90, b"\x00\x0a\x01\x80\x00"),
    "10-unsubscribe": frame(0xA2, b"\x00\x0b" + s("a/#") + s("xy")),
    "11-unsuback": frame(0xB0, b"\x00\x0b"),
    "12-pingreq": b"\xc0\x00",
    "13-pingresp": b"\xd0\x00",
    "14-disconnect": b"\xe0\x00",
    "20-stream": connect(0x02, s("c")) + frame(0x82, b"\x00\x01" + s("t") + b"\x01")
    + frame(0x32, s("t") + b"\x00\x02" + b"hi") + b"\xc0\x00" + b"\xe0\x00",
    # MQTT 3.1: CONNECT with fixed-header flags and the reserved connect flag
    # (both ignored), then PUBREL, SUBSCRIBE and UNSUBSCRIBE with DUP, decoded
    # at level 3
    "22-mqisdp-flags-and-dup": bytes([0x12]) + connect(0x03, s("old"), name="MQIsdp", level=3)[1:]
    + frame(0x6A, b"\x00\x03") + frame(0x8A, b"\x00\x04" + s("a/+") + b"\x01") + frame(0xAA, b"\x00\x05" + s("a/+")),
    "21-small-limit": b"\x02" + frame(0x30, s("t") + b"x" * 40),  # first byte < 0x10: 16-byte limit
    # malformed
    "90-remaining-length-5-bytes": b"\x30\xff\xff\xff\xff\x01",
    "91-remaining-length-not-minimal": b"\x30\x80\x00",
    "92-publish-qos3": frame(0x36, s("t") + b"\x00\x01"),
    "93-publish-qos0-dup": frame(0x38, s("t")),
    "94-publish-wildcard": frame(0x30, s("a/+")),
    "95-publish-surrogate": frame(0x30, s(b"\xed\xa0\x80")),
    "96-puback-trailing": frame(0x40, b"\x00\x01\x00"),
    "97-subscribe-empty": frame(0x82, b"\x00\x01"),
    "98-connect-password-no-user": connect(0x42, s("id") + s("pw")),
    "9a-connect-header-flags": bytes([0x11]) + connect(0x02, s("id"))[1:],
    "9b-subscribe-empty-filter": frame(0x82, b"\x00\x01" + s("") + b"\x00"),
    "9c-pubrel-dup-level4": frame(0x6A, b"\x00\x03"),
    "99-connect-truncated": connect(0x02, s("client-1"))[:-3],
}

out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "codec")
os.makedirs(out_dir, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} seeds to {out_dir}")
