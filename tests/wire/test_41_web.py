"""The HTTP(S) server of hearthd (issue 4): --http and --https listeners,
the self-signed certificate, security headers, the embedded UI files with
ETag and gzip, limits on requests, the HTTP-to-HTTPS redirect and the
certificate reload on SIGHUP. Real peers: Python's http.client and ssl
(OpenSSL), and raw sockets for malformed requests."""
import gzip
import hashlib
import http.client
import re
import signal
import socket
import ssl
import subprocess
import time
import warnings

import pytest

LISTEN = re.compile(r"listening (https?) 127\.0\.0\.1:(\d+)")


def ports(h, want=("http",), timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = {}
        for line in list(h.lines):
            m = LISTEN.search(line)
            if m:
                found[m.group(1)] = int(m.group(2))
        if all(w in found for w in want):
            return found
        time.sleep(0.02)
    raise AssertionError("no 'listening %s' line:\n%s" % (want, h.log()))


def get(port, path, headers=None, method="GET", body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data


def raw(port, data, timeout=5.0):
    """Sends raw bytes, returns everything the server answers until it closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    s.close()
    return out


def tls_context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def test_static_files_security_headers_etag_gzip(start_hearthd):
    h = start_hearthd(args=["--http", "127.0.0.1:0"])
    port = ports(h)["http"]
    r, body = get(port, "/")
    assert r.status == 200
    assert r.getheader("Content-Type").startswith("text/html")
    assert b"<html" in body.lower()
    assert r.getheader("X-Content-Type-Options") == "nosniff"
    assert r.getheader("Referrer-Policy") == "no-referrer"
    assert "default-src 'self'" in r.getheader("Content-Security-Policy")
    assert "object-src 'none'" in r.getheader("Content-Security-Policy")
    assert r.getheader("Strict-Transport-Security") is None  # only over TLS
    etag = r.getheader("ETag")
    assert etag and etag.startswith('"')

    r2, body2 = get(port, "/index.html", {"If-None-Match": etag})
    assert r2.status == 304 and body2 == b""

    r3, zipped = get(port, "/", {"Accept-Encoding": "gzip, deflate"})
    assert r3.status == 200
    assert r3.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(zipped) == body
    assert len(zipped) < len(body)
    r4, _ = get(port, "/", {"Accept-Encoding": "gzip;q=0"})
    assert r4.getheader("Content-Encoding") is None

    r5, _ = get(port, "/no/such/file.js")
    assert r5.status == 404
    r6, _ = get(port, "/", method="DELETE")
    assert r6.status == 405


def test_https_self_signed_certificate(start_hearthd, tmp_path):
    h = start_hearthd(args=["--https", "127.0.0.1:0"])
    port = ports(h, ("https",))["https"]
    cert = h.workdir / "data" / "web-cert.pem"
    key = h.workdir / "data" / "web-key.pem"
    assert cert.exists() and key.exists()
    assert (key.stat().st_mode & 0o777) == 0o600

    # Verified against the generated certificate, by name and by address.
    for host in ("localhost", "127.0.0.1"):
        c = http.client.HTTPSConnection(host, port, context=tls_context(str(cert)), timeout=10)
        c.request("GET", "/")
        r = c.getresponse()
        r.read()
        assert r.status == 200
        assert r.getheader("Strict-Transport-Security").startswith("max-age=")
        der = c.sock.getpeercert(binary_form=True)
        c.close()
    fingerprint = hashlib.sha256(der).hexdigest().upper()
    fingerprint = ":".join(fingerprint[i:i + 2] for i in range(0, len(fingerprint), 2))
    assert any(fingerprint in line for line in h.lines), h.log()

    # TLS 1.1 and older are refused.
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname = False
    old.verify_mode = ssl.CERT_NONE
    old.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer TLS 1.0/1.1 at all
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION"):  # the server's alert
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            with old.wrap_socket(s, server_hostname="localhost"):
                pass

    # The same pair is reused by the next start.
    before = cert.read_bytes()
    assert h.stop() == 0
    h2 = start_hearthd(args=["--https", "127.0.0.1:0", "--data-dir", str(h.workdir / "data")])
    ports(h2, ("https",))
    assert cert.read_bytes() == before


def test_certificate_reload_on_sighup(start_hearthd, tmp_path):
    cert = tmp_path / "cert.pem"
    key = tmp_path / "key.pem"

    def make(cn):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=" + cn,
                        "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
        return cert.read_bytes()

    make("first")
    h = start_hearthd(config={"web": {"cert_file": str(cert), "key_file": str(key)}},
                      args=["--https", "127.0.0.1:0"])
    port = ports(h, ("https",))["https"]

    def peer_cn():
        ctx = tls_context(str(cert))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                return dict(x[0] for x in t.getpeercert()["subject"])["commonName"]

    assert peer_cn() == "first"
    make("second")
    h.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 5
    while time.time() < deadline and not any("reload: https certificate" in l for l in h.lines):
        time.sleep(0.02)
    assert peer_cn() == "second"


def test_bad_certificate_config_exits_2(hearthd_binary, tmp_path):
    (tmp_path / "c.toml").write_text('[web]\ncert_file = "%s"\nkey_file = "%s"\n'
                                     % (tmp_path / "missing.pem", tmp_path / "missing.key"))
    p = subprocess.run([hearthd_binary, "-c", str(tmp_path / "c.toml"), "--mqtt", "127.0.0.1:0",
                        "--data-dir", str(tmp_path / "d"), "--https", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 2
    assert "missing.pem" in p.stderr
    (tmp_path / "u.toml").write_text('[web]\nunknown_key = 1\n')
    p = subprocess.run([hearthd_binary, "-c", str(tmp_path / "u.toml")], capture_output=True, text=True, timeout=20)
    assert p.returncode == 2 and "web.unknown_key" in p.stderr


def test_redirect_http_to_https(start_hearthd):
    h = start_hearthd(config={"web": {"redirect_http": True}},
                      args=["--https", "127.0.0.1:0", "--http", "127.0.0.1:0"])
    p = ports(h, ("https", "http"))
    r, _ = get(p["http"], "/room.html?x=1", {"Host": "house.local:8080"})
    assert r.status == 301
    assert r.getheader("Location") == "https://house.local:%d/room.html?x=1" % p["https"]
    r, _ = get(p["http"], "/", {"Host": "evil/@x"})
    assert r.status == 400


def test_malformed_and_oversized_requests(start_hearthd):
    h = start_hearthd(config={"web": {"idle_timeout": 1, "max_header_bytes": 4096}},
                      args=["--http", "127.0.0.1:0"])
    port = ports(h)["http"]
    assert raw(port, b"GARBAGE\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert raw(port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n").startswith(b"HTTP/1.1 431")
    assert raw(port, b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n").startswith(b"HTTP/1.1 400")
    # A body over the limit of its route (1 MiB by default).
    big = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" + b"x" * 1000
    assert raw(port, big).startswith(b"HTTP/1.1 413")
    # A request that never ends is cut off by the idle timeout (1 s here).
    t0 = time.time()
    assert raw(port, b"GET / HTTP/1.1\r\nHost: x\r\n", timeout=10) == b""
    assert time.time() - t0 < 5
    # Keep-alive: two requests on one connection.
    out = raw(port, b"GET /favicon.svg HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.count(b"HTTP/1.1 200") == 2
    assert h.alive()
