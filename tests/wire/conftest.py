"""Starts the hearthd under test for the wire tests.

The binary comes from the HEARTHD environment variable (ctest sets it to the
built target) or from `--hearthd PATH`. Every broker listens on 127.0.0.1:0;
the ports are read from its `listening NAME 127.0.0.1:PORT` log lines. At
teardown the broker gets SIGTERM and must exit with code 0; its log is
printed when a test fails so the failure can be read without re-running it.
`start_hearthd` starts brokers open to anonymous clients; `secure_hearthd`
(the TLS, user and ACL tests) starts them without --allow-anonymous.
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

LISTEN_RE = re.compile(r"listening (\S+) 127\.0\.0\.1:(\d+)")
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


def pytest_addoption(parser):
    parser.addoption("--hearthd", default=None, help="path of the hearthd binary")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return '"%s"' % str(v).replace("\\", "\\\\").replace('"', '\\"')


def write_config(path, config):
    """config: {key: value, "mqtt": {key: value}} written as TOML."""
    lines = ["%s = %s" % (k, toml_value(v)) for k, v in config.items() if not isinstance(v, dict)]
    for section, values in config.items():
        if isinstance(values, dict):
            lines.append("[%s]" % section)
            lines += ["%s = %s" % (k, toml_value(v)) for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n")


class Hearthd:
    """One hearthd process. `tls` is its [tls] section (a dict): it also gets
    an mqtts listener. `anonymous=False` leaves out --allow-anonymous. The
    constructor returns once every listener named in `listeners` (by default
    mqtt, and mqtts with tls) has logged its port; `ports` maps each
    listener's name to its port."""

    def __init__(self, binary, workdir, config=None, acl=None, args=(), tls=None, anonymous=True,
                 listeners=None):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        cmd = [binary, "--mqtt", "127.0.0.1:0", "--data-dir", str(workdir / "data")]
        if anonymous:
            cmd.append("--allow-anonymous")
        if tls is not None:
            config = dict(config or {}, tls=tls)
            cmd += ["--mqtts", "127.0.0.1:0"]
        if config is not None:
            write_config(workdir / "hearthd.toml", config)
            cmd += ["-c", str(workdir / "hearthd.toml")]
        if acl is not None:
            (workdir / "acl").write_text(acl)
            cmd += ["--acl-file", str(workdir / "acl")]
        level = os.environ.get("HEARTH_WIRE_LOG_LEVEL")
        if level:
            cmd += ["--log-level", level]
        cmd += list(args)
        self.cmd = cmd
        self.lines = []
        self.ports = {}
        self._wanted = set(listeners or (["mqtt", "mqtts"] if tls is not None else ["mqtt"]))
        self._seen = threading.Event()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._seen.wait(START_TIMEOUT) or not self._wanted <= self.ports.keys():
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("hearthd did not report its %s port(s) within %.0f s (exit %s)\n%s\n%s"
                               % (", ".join(sorted(self._wanted - self.ports.keys())), START_TIMEOUT,
                                  self.proc.returncode, " ".join(cmd), self.log()))

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            m = LISTEN_RE.search(line)
            if m:
                self.ports.setdefault(m.group(1), int(m.group(2)))
                if self._wanted <= self.ports.keys():
                    self._seen.set()
        self._seen.set()

    @property
    def port(self):
        return self.ports.get("mqtt")

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
        """SIGHUP, then waits until the reload has been logged; returns its lines."""
        start = len(self.lines)
        self.proc.send_signal(signal.SIGHUP)
        self.wait_log(r"received SIGHUP", start=start)
        self.wait_log(r"reload: (TLS|acl|users|keeping)", start=start)
        time.sleep(0.2)  # the rest of the reload is logged in the same turn
        return self.lines[start:]

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM; returns the exit code (killed processes give -9)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(2)
        return self.proc.returncode


@pytest.fixture(scope="session")
def hearthd_binary(pytestconfig):
    path = pytestconfig.getoption("--hearthd") or os.environ.get("HEARTHD")
    if not path:
        pytest.fail("set HEARTHD=/path/to/hearthd or pass --hearthd")
    if not os.access(path, os.X_OK):
        pytest.fail("hearthd binary %r is not executable" % path)
    return path


@pytest.fixture
def start_hearthd(hearthd_binary, tmp_path, request):
    """Factory: start_hearthd(config=None, acl=None, args=(), **Hearthd's
    keywords) -> Hearthd; each must exit with 0 after SIGTERM."""
    started = []

    def start(config=None, acl=None, args=(), **kw):
        h = Hearthd(hearthd_binary, tmp_path / ("hearthd%d" % len(started)), config, acl, args, **kw)
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


@pytest.fixture
def secure_hearthd(start_hearthd):
    """Factory like start_hearthd, for brokers without --allow-anonymous."""
    return lambda **kw: start_hearthd(anonymous=False, **kw)


@pytest.fixture(scope="module")
def shared_broker(hearthd_binary, tmp_path_factory, request):
    """One default hearthd for a whole test module (packet-sequence tables run
    case after case against the same broker, as the external runs do)."""
    failed_before = request.session.testsfailed
    h = Hearthd(hearthd_binary, tmp_path_factory.mktemp("shared"))
    yield h
    rc = h.stop()
    if rc != 0 or request.session.testsfailed > failed_before:
        sys.stderr.write("---- hearthd log (%s) ----\n%s\n" % (" ".join(h.cmd), h.log()))
    assert rc == 0, "hearthd exited with %s after SIGTERM" % rc


@pytest.fixture
def broker(start_hearthd):
    """A hearthd with default settings."""
    return start_hearthd()


@pytest.fixture
def port(broker):
    return broker.port

