"""Helpers for the TLS, user and ACL wire tests (test_21..23): test
certificates made at test time with the openssl CLI (no private key is
committed), a hearthd started without --allow-anonymous, and TLS clients.
"""
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

import mqtt_wire as w

PORT_RE = re.compile(r"listening (mqtts?) 127\.0\.0\.1:(\d+)")
START_TIMEOUT = 10.0


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


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return '"%s"' % str(v).replace("\\", "\\\\").replace('"', '\\"')


class SecureHearthd:
    """hearthd with exactly the given arguments (no --allow-anonymous), an
    mqtt listener on 127.0.0.1:0 and, with tls, an mqtts one. Records both
    ports; stop() sends SIGTERM and returns the exit code."""

    def __init__(self, binary, workdir, args=(), tls=None, extra_toml=""):
        workdir = str(workdir)
        os.makedirs(workdir, exist_ok=True)
        self.workdir = workdir
        cmd = [binary, "--mqtt", "127.0.0.1:0", "--data-dir", os.path.join(workdir, "data")]
        if tls is not None:
            conf = os.path.join(workdir, "hearthd.toml")
            with open(conf, "w") as f:
                f.write(extra_toml)
                f.write("[tls]\n" + "".join("%s = %s\n" % (k, toml_value(v)) for k, v in tls.items()))
            cmd += ["-c", conf, "--mqtts", "127.0.0.1:0"]
        cmd += list(args)
        self.cmd = cmd
        self.lines = []
        self.ports = {}
        self._ready = threading.Event()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        self._expected = 2 if tls is not None else 1
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(START_TIMEOUT) or len(self.ports) < self._expected:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("hearthd did not start: %s\n%s" % (" ".join(cmd), self.log()))

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            m = PORT_RE.search(line)
            if m:
                self.ports[m.group(1)] = int(m.group(2))
                if len(self.ports) >= self._expected:
                    self._ready.set()
        self._ready.set()

    @property
    def port(self):
        return self.ports["mqtt"]

    @property
    def tls_port(self):
        return self.ports["mqtts"]

    def log(self):
        return "\n".join(self.lines)

    def wait_log(self, pattern, timeout=10.0, start=0):
        """Waits for a log line matching `pattern` after line `start`."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                if rx.search(line):
                    return line
            time.sleep(0.02)
        raise AssertionError("no log line matching %r within %.0f s:\n%s" % (pattern, timeout, self.log()))

    def reload(self):
        """SIGHUP, then waits until the reload has been logged."""
        start = len(self.lines)
        self.proc.send_signal(signal.SIGHUP)
        self.wait_log(r"received SIGHUP", start=start)
        self.wait_log(r"reload: (TLS|acl|users|keeping)", start=start)
        time.sleep(0.2)  # the rest of the reload is logged in the same turn
        return self.lines[start:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(2)
        return self.proc.returncode


def secure_fixture(hearthd_binary, tmp_path, request):
    """Body of the `secure_hearthd` fixture: a factory; every broker started
    must exit with 0 after SIGTERM, and its log is shown when a test fails."""
    started = []

    def start(**kw):
        h = SecureHearthd(hearthd_binary, tmp_path / ("hearthd%d" % len(started)), **kw)
        started.append(h)
        return h

    yield start
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    problems = []
    for h in started:
        rc = h.stop()
        if rc != 0:
            problems.append("hearthd exited with %s after SIGTERM" % rc)
        if failed or rc != 0:
            sys.stderr.write("---- hearthd log (%s) ----\n%s\n" % (" ".join(h.cmd), h.log()))
    assert not problems, "; ".join(problems)


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


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
