"""Helpers for the TLS, user and ACL wire tests (test_21..23): test
certificates made at test time with the openssl CLI (no private key is
committed) and TLS clients. The broker comes from conftest's
`secure_hearthd` fixture (hearthd without --allow-anonymous).
"""
import os
import ssl
import subprocess

import mqtt_wire as w


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".crt", "-days", "2", "-subj", "/CN=hearth test " + name,
            cwd=d)
    return os.path.join(d, name + ".crt")


def make_cert(d, ca, name, cn, server=False):
    """A certificate for `cn` signed by the CA `ca` (made by make_ca in d)."""
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=d)
    ext = os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n" if server else "extendedKeyUsage=clientAuth\n")
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", ext, cwd=d)
    return os.path.join(d, name + ".crt"), os.path.join(d, name + ".key")


class Certs:
    """A CA, a server certificate for 127.0.0.1, client certificates for
    node1 and node2, and a client certificate from a CA hearthd does not know."""

    def __init__(self, d):
        d = str(d)
        os.makedirs(d, exist_ok=True)
        self.dir = d
        self.ca = make_ca(d, "ca")
        self.server_cert, self.server_key = make_cert(d, "ca", "server", "localhost", server=True)
        self.node1 = make_cert(d, "ca", "node1", "node1")
        self.node2 = make_cert(d, "ca", "node2", "node2")
        make_ca(d, "rogue-ca")
        self.rogue = make_cert(d, "rogue-ca", "rogue", "node1")

    def tls_config(self, **extra):
        cfg = {"cert_file": self.server_cert, "key_file": self.server_key, "ca_file": self.ca}
        cfg.update(extra)
        return cfg


def client_context(ca, cert=None, minimum=None, maximum=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    if cert is not None:
        ctx.load_cert_chain(*cert)
    if minimum is not None:
        ctx.minimum_version = minimum
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx


class TlsConn(w.Conn):
    """mqtt_wire.Conn over TLS (hostname 127.0.0.1, verified)."""

    def __init__(self, port, ctx, timeout=w.TIMEOUT):
        super().__init__(port, timeout)
        self.sock = ctx.wrap_socket(self.sock, server_hostname="127.0.0.1")


def connack_code(conn, client_id, **kw):
    """Sends CONNECT, returns the CONNACK's return code."""
    conn.send(w.connect(client_id, **kw))
    pkt = conn.read_packet("CONNACK")
    assert pkt[0] == 0x20 and len(pkt) == 4, "expected CONNACK, got %s" % w.describe(pkt)
    return pkt[3]
