"""Helpers for the hearth-agent wire tests (test_40_agent*.py).

An agent runs with `--simulate --sysfs-root DIR -c CONFIG`: the simulated
room is written to DIR, so a test reads the GPIO value files the agent
drives and drives the inputs (the gas detector) itself. A `Forwarder`
stands for the network between the agent and the central: the central can
be stopped and a new one started on another port, and the forwarder lets
the agent through only once the test's subscriber is ready.
"""
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time

import paho.mqtt.client as mqtt

from mqtt_wire import free_port

CHIP = "pinctrl-bcm2711"
BASE = 512  # the simulated chip's first line number (make_simulation)
LIGHT, VALVE, FAN, GAS = 17, 27, 23, 22


def agent_binary():
    path = os.environ.get("HEARTH_AGENT")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("set HEARTH_AGENT=/path/to/hearth-agent")
    return path




def agent_config(node, port, state_dir, interval=1.0, valve_max_on=600, central_extra="", host="127.0.0.1"):
    return f"""node = "{node}"
publish_interval = {interval}
state_dir = "{state_dir}"
log_level = "debug"
[central]
address = "{host}:{port}"
{central_extra}
keepalive = 10
reconnect_min_ms = 100
reconnect_max_ms = 400
[[sensor]]
type = "ds18b20"
id = "28-00000000aa01"
[[sensor]]
type = "ds18b20"
id = "28-00000000aa02"
[[sensor]]
type = "adc"
id = "soil"
kind = "moisture"
device = "ads1115"
channel = 0
dry_mv = 2800
wet_mv = 1200
[[sensor]]
type = "gpio"
id = "gas"
kind = "gas"
chip = "{CHIP}"
line = {GAS}
active_low = true
debounce_ms = 50
[[actuator]]
name = "light"
chip = "{CHIP}"
line = {LIGHT}
[[actuator]]
name = "valve"
chip = "{CHIP}"
line = {VALVE}
active_low = true
max_on = {valve_max_on}
[[actuator]]
name = "fan"
chip = "{CHIP}"
line = {FAN}
on_gas = true
"""


class Agent:
    def __init__(self, workdir, node, port, **kw):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.root = workdir / "sysfs"
        self.config = workdir / "agent.toml"
        self.config.write_text(agent_config(node, port, workdir / "state", **kw))
        self.node = node
        self.lines = []
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            [agent_binary(), "-c", str(self.config), "--simulate", "--sysfs-root", str(self.root)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            errors="replace")
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()

    def _read(self, proc):
        for line in proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def log(self):
        return "\n".join(self.lines)

    def gpio(self, line):
        """The physical level of a line in the simulated tree."""
        return int((self.root / "sys/class/gpio" / ("gpio%d" % (BASE + line)) / "value").read_text().strip())

    def set_input(self, line, level):
        path = self.root / "sys/class/gpio" / ("gpio%d" % (BASE + line)) / "value"
        tmp = path.with_suffix(".tmp")
        tmp.write_text("%d\n" % level)
        os.replace(tmp, path)

    def child_pid(self):
        """The agent proper (the supervisor's child)."""
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                kids = open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)).read().split()
                if kids:
                    return int(kids[0])
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("the supervisor has no child\n" + self.log())

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class Forwarder:
    """127.0.0.1:port -> the current central, only while open."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.upstream = None
        self.pairs = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def open(self, upstream_port):
        self.upstream = upstream_port

    def close(self):
        """Refuse new connections and cut the current ones."""
        self.upstream = None
        with self.lock:
            for a, b in self.pairs:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()
            self.pairs = []

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            port = self.upstream
            if port is None:
                client.close()
                continue
            try:
                up = socket.create_connection(("127.0.0.1", port), timeout=2)
                up.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, up))
            for a, b in ((client, up), (up, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Listener:
    """A paho subscriber to home/# that records every message."""

    def __init__(self, port, topic="home/#"):
        self.messages = []
        self.cond = threading.Condition()
        self.client = mqtt.Client(client_id="", clean_session=True)
        self.client.on_message = self._on_message
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *a: subscribed.set()
        self.client.on_connect = lambda c, u, f, rc: c.subscribe(topic, qos=1)
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        assert subscribed.wait(5), "subscriber did not get SUBACK"

    def _on_message(self, client, userdata, msg):
        with self.cond:
            self.messages.append((msg.topic, msg.payload.decode("utf-8", "replace"), msg.retain))
            self.cond.notify_all()

    def wait_for(self, pred, timeout=10.0, what="message", after=0):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for m in self.messages[after:]:
                    if pred(m):
                        return m
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no %s within %.0f s; got %r" % (what, timeout, self.messages[-20:]))
                self.cond.wait(left)

    def topic(self, t, payload=None, timeout=10.0, after=0):
        """Waits for a message on topic t (with payload) among those from index `after`."""
        def pred(m):
            return m[0] == t and (payload is None or m[1] == payload)
        return self.wait_for(pred, timeout, "%s %s" % (t, payload), after)

    def readings(self, t):
        with self.cond:
            return [json.loads(p) for (tt, p, _) in self.messages if tt == t]

    def publish(self, topic, payload, qos=1):
        self.client.publish(topic, payload, qos=qos).wait_for_publish()

    def stop(self):
        self.client.loop_stop()
        self.client.disconnect()


class Mosquitto:
    """Debian's mosquitto on a free port with a temporary config; `extra`
    lines go under the listener (TLS settings)."""

    def __init__(self, workdir, extra=""):
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        conf = workdir / "mosquitto.conf"
        # Run as ourselves: as root, mosquitto would switch to its own user,
        # which cannot read certificates in a private temporary directory.
        user = pwd.getpwuid(os.getuid()).pw_name
        conf.write_text("user %s\nlistener %d 127.0.0.1\n%s\nallow_anonymous true\npersistence false\n"
                        % (user, self.port, extra))
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"  # sbin may not be on PATH
        self.proc = subprocess.Popen([binary, "-c", str(conf)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                time.sleep(0.1)
                return
            except OSError:
                time.sleep(0.05)
        self.proc.kill()
        raise RuntimeError("mosquitto did not start on port %d" % self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# ---- scenarios, run against hearthd and against mosquitto ------------------

def temperatures(listener, node):
    return [r for r in listener.readings("home/%s/temperature" % node)
            if "28-00000000aa01" in r and "28-00000000aa02" in r]


def readings_and_commands(start_broker, workdir, node):
    b = start_broker()
    sub = Listener(b.port)
    a = Agent(workdir / "agent", node, b.port, interval=0.5)
    try:
        sub.topic("home/%s/status" % node, "online")
        sub.wait_for(lambda m: m[0] == "home/%s/temperature" % node, what="a temperature reading")
        r = temperatures(sub, node)[0]
        assert 10 < r["28-00000000aa01"] < 35, r
        assert abs(r["ts"] / 1000.0 - time.time()) < 60, r
        soil = sub.wait_for(lambda m: m[0] == "home/%s/moisture" % node, what="moisture")
        assert 0 <= json.loads(soil[1])["soil"] <= 100
        sub.topic("home/%s/relay/valve" % node, "off")
        assert a.gpio(VALVE) == 1  # active-low valve, closed

        n = len(sub.messages)
        sub.publish("home/%s/relay/valve/set" % node, "on")
        sub.topic("home/%s/relay/valve" % node, "on", after=n)
        assert a.gpio(VALVE) == 0
        n = len(sub.messages)
        sub.publish("home/%s/relay/light/set" % node, "toggle")
        sub.topic("home/%s/relay/light" % node, "on", after=n)
        assert a.gpio(LIGHT) == 1
        n = len(sub.messages)
        sub.publish("home/%s/relay/light/set" % node, "blink")  # refused: the state is re-stated
        sub.topic("home/%s/relay/light" % node, "on", after=n)
        assert a.gpio(LIGHT) == 1

        # The local gas rule: detector active -> alarm, fan on, and it stays on.
        n = len(sub.messages)
        a.set_input(GAS, 0)
        alarm = sub.wait_for(lambda m: m[0] == "home/%s/alarm" % node and '"active":true' in m[1], what="alarm",
                             after=n)
        assert json.loads(alarm[1])["kind"] == "gas"
        sub.topic("home/%s/relay/fan" % node, "on", after=n)
        assert a.gpio(FAN) == 1
        n = len(sub.messages)
        sub.publish("home/%s/relay/fan/set" % node, "off")
        sub.topic("home/%s/relay/fan" % node, "on", after=n)
        assert a.gpio(FAN) == 1
        n = len(sub.messages)
        a.set_input(GAS, 1)
        sub.topic("home/%s/relay/fan" % node, "off", after=n)

        # SIGTERM: outputs to their safe state, "offline" retained, exit 0.
        n = len(sub.messages)
        assert a.stop() == 0, a.log()
        assert a.gpio(VALVE) == 1 and a.gpio(LIGHT) == 0 and a.gpio(FAN) == 0
        sub.topic("home/%s/status" % node, "offline", after=n)
    except BaseException:
        print(a.log())
        raise
    finally:
        a.stop()
        sub.stop()


def outage(start_broker, workdir, node, seconds=3.0):
    fwd = Forwarder()
    b1 = start_broker()
    fwd.open(b1.port)
    sub1 = Listener(b1.port)
    a = Agent(workdir / "agent", node, fwd.port, interval=1.0)
    try:
        sub1.wait_for(lambda m: len(temperatures(sub1, node)) >= 2, timeout=10, what="two readings")
        b1.stop()
        fwd.close()
        sub1.stop()
        down = time.time()
        time.sleep(seconds)
        b2 = start_broker()
        sub2 = Listener(b2.port)  # subscribed before the agent can reach b2
        up = time.time()
        fwd.open(b2.port)
        sub2.wait_for(lambda m: any(r["ts"] / 1000.0 > up + 1.5 for r in temperatures(sub2, node)),
                      timeout=15, what="a reading taken after the outage")
        buffered = [r for r in temperatures(sub2, node) if down * 1000 <= r["ts"] <= up * 1000]
        assert len(buffered) >= seconds - 1, buffered  # taken while the central was away
        ts = [r["ts"] for r in temperatures(sub1, node) + temperatures(sub2, node)]
        assert len(ts) == len(set(ts)), "a reading arrived twice: %r" % sorted(ts)
        ts.sort()
        gaps = [b - a_ for a_, b in zip(ts, ts[1:])]
        assert max(gaps) < 2600, "a reading was lost: gaps %r" % gaps
        a.stop()
        sub2.stop()
        return len(buffered)
    except BaseException:
        print(a.log())
        raise
    finally:
        a.stop()


def kill_nine(start_broker, workdir, node):
    b = start_broker()
    sub = Listener(b.port)
    a = Agent(workdir / "agent", node, b.port, interval=1.0)
    try:
        # The agent dies by SIGKILL with the valve open: its supervisor closes it.
        sub.topic("home/%s/status" % node, "online")
        n = len(sub.messages)
        sub.publish("home/%s/relay/valve/set" % node, "on")
        sub.topic("home/%s/relay/valve" % node, "on", after=n)
        assert a.gpio(VALVE) == 0
        n = len(sub.messages)
        os.kill(a.child_pid(), signal.SIGKILL)
        assert a.proc.wait(10) == 1
        assert a.gpio(VALVE) == 1, "the valve is still open after kill -9\n" + a.log()
        sub.topic("home/%s/status" % node, "offline", after=n)  # the will

        # The supervisor dies by SIGKILL: the agent is told (PDEATHSIG) and closes it.
        a.lines.clear()
        a.start()
        sub.topic("home/%s/status" % node, "online", after=n)
        n = len(sub.messages)
        sub.publish("home/%s/relay/valve/set" % node, "on")
        sub.topic("home/%s/relay/valve" % node, "on", after=n)
        assert a.gpio(VALVE) == 0
        child = a.child_pid()
        os.kill(a.proc.pid, signal.SIGKILL)
        a.proc.wait(5)
        deadline = time.time() + 5
        while os.path.exists("/proc/%d" % child) and time.time() < deadline:
            try:
                if open("/proc/%d/stat" % child).read().split()[2] == "Z":
                    break
            except OSError:
                break
            time.sleep(0.05)
        assert a.gpio(VALVE) == 1, "the valve is still open after the supervisor died\n" + a.log()
    except BaseException:
        print(a.log())
        raise
    finally:
        a.stop(signal.SIGKILL)
        sub.stop()


def make_certificates(d):
    """A CA and a server certificate for localhost / 127.0.0.1 (openssl CLI)."""
    d.mkdir(parents=True, exist_ok=True)

    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, capture_output=True, timeout=60)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=hearth test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    (d / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    # A second CA that signed nothing here: the agent must refuse the server.
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem",
        "-days", "2", "-subj", "/CN=another CA")
    return d


def restart_while_away(start_broker, workdir, node):
    """Readings taken while the central is away survive a kill -9 of the
    agent (the outbox is on disk) and arrive, with their times, once the
    central is back."""
    fwd = Forwarder()  # closed: the central is away from the start
    a = Agent(workdir / "agent", node, fwd.port, interval=1.0)
    try:
        time.sleep(3.0)
        first_run_end = time.time()
        os.kill(a.child_pid(), signal.SIGKILL)
        assert a.proc.wait(10) == 1
        a.lines.clear()
        a.start()
        b = start_broker()
        sub = Listener(b.port)
        fwd.open(b.port)
        sub.wait_for(lambda m: any(r["ts"] / 1000.0 > first_run_end + 1 for r in temperatures(sub, node)),
                     timeout=15, what="a reading of the second run")
        ts = sorted(r["ts"] for r in temperatures(sub, node))
        before = [t for t in ts if t < first_run_end * 1000]
        assert len(before) >= 2, "readings of the first run were lost: %r" % ts
        assert len(ts) == len(set(ts)), "a reading arrived twice: %r" % ts
        sub.stop()
    except BaseException:
        print(a.log())
        raise
    finally:
        a.stop()
