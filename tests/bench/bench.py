#!/usr/bin/python3
"""Compare hearthd's broker with Debian's Mosquitto on this machine (issue 7).

For every scenario, starts a fresh broker per run on a free loopback port (hearthd,
then the Mosquitto variant the target is stated against), runs hearth-bench against
it with --broker-pid, and repeats the pair for N rounds (A B A B ...). Prints the
medians and the hearthd/mosquitto ratio of each metric as a Markdown table.

The end-to-end scenarios (e2e-*) run against hearthd alone (--http, a user made
with `hearthd passwd` and an API token made with `hearthd token`): MQTT reading ->
Socket.IO `reading` event, with absolute targets; the reference column quotes the
original Python stack's figures from issue 7 (not measured here).

Not run by CI: it loads both cores for minutes. Usage:
    /usr/bin/python3 tests/bench/bench.py [--build DIR] [--quick] [--rounds N] [--scenario NAME] [--realtime]
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Mosquitto configured like Debian's /etc/mosquitto/mosquitto.conf (persistence on,
# logging to a file), but on a free loopback port with anonymous access.
MOSQUITTO_VARIANTS = {
    "mosquitto": [],
    "mosquitto-nodelay": ["set_tcp_nodelay true"],
    "mosquitto-unlimited": ["max_inflight_messages 0", "max_queued_messages 0"],
}


@dataclass
class Metric:
    key: str            # field of hearth-bench's JSON line
    label: str
    op: str             # ">=" / "<=": ratio hearthd/ref against `target`; "zero": hearthd value must be 0;
                        # "max" / "min": hearthd's own value against the absolute `target`; "info"
    target: float = 0.0
    decimals: int = 0
    reference: str = "-"  # hearthd-only scenarios: the reference figure, as text (not measured here)


@dataclass
class Scenario:
    name: str
    title: str
    args: list
    reference: str      # the Mosquitto variant the target is stated against, or "" (hearthd only)
    metrics: list = field(default_factory=list)
    reference_label: str = ""  # hearthd-only: what the reference texts are
    floor: bool = False  # also run against floor_relay (tests/bench/floor_relay.c), the machine's floor


SCENARIOS = [
    Scenario("fanin-q0", "fan-in QoS 0, 4 -> 1", ["fanin", "--qos", "0", "--publishers", "4"], "mosquitto",
             [Metric("delivered_per_s", "delivered msg/s", ">=", 1.5)]),
    Scenario("fanout-50", "fan-out QoS 0, 1 -> 50", ["fanout", "--qos", "0", "--subscribers", "50"], "mosquitto",
             [Metric("delivered_per_s", "deliveries/s", ">=", 1.5)]),
    Scenario("idle-2000", "2,000 idle connections", ["idle", "--connections", "2000"], "mosquitto",
             [Metric("kib_per_connection", "KiB/connection", "<=", 1.0, 3)]),
    Scenario("fanin-q1", "fan-in QoS 1, 4 -> 1", ["fanin", "--qos", "1", "--publishers", "4"], "mosquitto-unlimited",
             [Metric("delivered_per_s", "delivered msg/s", ">=", 1.0),
              Metric("lost", "lost (hearthd default config)", "zero"),
              Metric("broker_cpu_us_per_msg", "broker CPU us/msg", "<=", 0.5, 2)]),
    Scenario("fanin-q2", "fan-in QoS 2, 4 -> 1", ["fanin", "--qos", "2", "--publishers", "4", "--inflight", "20"], "mosquitto-unlimited",
             [Metric("delivered_per_s", "delivered msg/s", ">=", 1.0),
              Metric("lost", "lost (hearthd default config)", "zero"),
              Metric("broker_cpu_us_per_msg", "broker CPU us/msg", "<=", 0.5, 2)]),
    Scenario("latency-1k", "latency at 1,000 msg/s, QoS 0", ["latency", "--rate", "1000"], "mosquitto-nodelay",
             [Metric("latency_p99_us", "p99 latency us", "<=", 0.5, 1),
              Metric("latency_p50_us", "p50 latency us (info)", "info", 0, 1)], floor=True),
    # The same against Mosquitto as installed (no TCP_NODELAY): what a user
    # of the default package sees. For information; the target is above.
    Scenario("latency-1k-default", "latency at 1,000 msg/s, QoS 0, default Mosquitto", ["latency", "--rate", "1000"],
             "mosquitto",
             [Metric("latency_p99_us", "p99 latency us (info)", "info", 0, 1),
              Metric("latency_p50_us", "p50 latency us (info)", "info", 0, 1)]),
]

# End to end (hearthd only): a reading published over MQTT (QoS 1, like
# hearth-agent) -> the `reading` event received over Socket.IO (WebSocket,
# API token). Absolute targets; the reference column quotes the original
# Python stack (Mosquitto + paho + Flask-SocketIO/gevent) from issue 7.
PYTHON_STACK = "Python stack (issue 7)"
E2E_SCENARIOS = [
    Scenario("e2e-100", "end to end, 100 readings/s", ["e2e", "--rate", "100"], "",
             [Metric("latency_p99_us", "p99 latency us", "max", 300, 1, "2,700"),
              Metric("latency_p50_us", "p50 latency us (info)", "info", 0, 1, "1,100"),
              Metric("lost", "lost", "zero")], PYTHON_STACK),
    Scenario("e2e-5k", "end to end, 5,000 readings/s", ["e2e", "--rate", "5000"], "",
             [Metric("latency_p99_us", "p99 latency us", "max", 2000, 1, "45,000"),
              Metric("latency_p50_us", "p50 latency us (info)", "info", 0, 1),
              Metric("lost", "lost", "zero")], PYTHON_STACK),
    Scenario("e2e-20k", "end to end, 20,000 readings/s", ["e2e", "--rate", "20000"], "",
             [Metric("delivered_per_s", "delivered readings/s", "min", 19800, 0),
              Metric("lost", "lost", "zero", 0, 0, "12-35 %"),
              Metric("latency_p99_us", "p99 latency us (info)", "info", 0, 1)], PYTHON_STACK),
]
SCENARIOS += E2E_SCENARIOS
E2E_USER, E2E_PASSWORD = "bench", "bench-password-" + os.urandom(6).hex()
# --realtime: brokers and hearth-bench under SCHED_FIFO (chrt -f 10), both
# sides alike, so that other work on a shared machine does not preempt them.
RUN_PREFIX = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"broker exited with code {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"broker not listening on port {port} after {timeout} s")


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Broker:
    """A broker process started for one run and stopped after it."""

    def __init__(self, kind, workdir, binaries):
        self.kind = kind
        self.dir = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=workdir))
        self.proc = None
        self.port = None
        self.binaries = binaries

    def start(self):
        log = open(self.dir / "broker.log", "wb")
        if self.kind == "hearthd-e2e":
            # The user (hearthd passwd) and its API token (hearthd token) come
            # first, then hearthd with the web listener and logins required.
            hearthd, data, pw = self.binaries["hearthd"], self.dir / "data", self.dir / "passwd"
            data.mkdir()
            subprocess.run([hearthd, "passwd", str(pw), E2E_USER], input=E2E_PASSWORD + "\n", text=True,
                           check=True, capture_output=True, timeout=30)
            out = subprocess.run([hearthd, "token", "bench", E2E_USER, "--data-dir", str(data),
                                  "--password-file", str(pw)], text=True, check=True, capture_output=True,
                                 timeout=30)
            self.token = out.stdout.strip()
            cmd = [hearthd, "--mqtt", "127.0.0.1:0", "--http", "127.0.0.1:0", "--password-file", str(pw),
                   "--data-dir", str(data)]
            self.proc = subprocess.Popen(RUN_PREFIX + cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            self.port = self._wait_listening_line()
            self.web_port = self._wait_listening_line(b"listening http 127.0.0.1:")
        elif self.kind == "floor":
            self.port = free_port()
            self.proc = subprocess.Popen(RUN_PREFIX + [self.binaries["floor"], str(self.port)], stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        elif self.kind == "hearthd":
            cmd = [self.binaries["hearthd"], "--mqtt", "127.0.0.1:0", "--allow-anonymous",
                   "--data-dir", str(self.dir / "data")]
            self.proc = subprocess.Popen(RUN_PREFIX + cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            self.port = self._wait_listening_line()
        else:
            os.chmod(self.dir, 0o777)  # Mosquitto started as root drops to its own user
            self.port = free_port()
            conf = self.dir / "mosquitto.conf"
            conf.write_text("\n".join([
                "# like Debian's default /etc/mosquitto/mosquitto.conf, on a free loopback port",
                "persistence true",
                f"persistence_location {self.dir}/",
                f"log_dest file {self.dir}/mosquitto.log",
                f"listener {self.port} 127.0.0.1",
                "allow_anonymous true",
                *MOSQUITTO_VARIANTS[self.kind],
                ""]))
            cmd = [self.binaries["mosquitto"], "-c", str(conf)]
            self.proc = subprocess.Popen(RUN_PREFIX + cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        time.sleep(0.2)  # let the start-up allocations settle before RSS is read
        return self

    def _wait_listening_line(self, needle=b"listening mqtt 127.0.0.1:", timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            text = (self.dir / "broker.log").read_bytes()
            at = text.find(needle)
            if at >= 0:
                digits = text[at + len(needle):].split(b"\n", 1)[0].strip()
                if digits.isdigit() and b"\n" in text[at:]:
                    return int(digits)
            if self.proc.poll() is not None:
                raise RuntimeError(f"hearthd exited with code {self.proc.returncode}: {text[-500:].decode(errors='replace')}")
            time.sleep(0.05)
        raise RuntimeError(f"hearthd did not log '{needle.decode()}PORT'")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_bench(binaries, broker, scenario, timing, label):
    cmd = [binaries["bench"], *scenario.args, "--port", str(broker.port), "--broker-pid", str(broker.proc.pid),
           "--label", label]
    env = None
    if scenario.args[0] == "e2e":
        cmd += ["--web-port", str(broker.web_port), "--username", E2E_USER, "--password", E2E_PASSWORD]
        env = dict(os.environ, HEARTH_BENCH_TOKEN=broker.token)  # not on the command line
    if scenario.args[0] == "idle":
        cmd += ["--duration", str(timing["idle"])]
    else:
        cmd += ["--duration", str(timing["duration"]), "--warmup", str(timing["warmup"]),
                "--drain", str(timing["drain"])]
    limit = 120 + 4 * timing["duration"]
    try:
        out = subprocess.run(RUN_PREFIX + cmd, capture_output=True, text=True, timeout=limit, env=env)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"hearth-bench timed out after {limit} s"}
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if not lines:
        return {"ok": False, "error": f"no result line (exit {out.returncode}): {out.stderr.strip()[-300:]}"}
    result = json.loads(lines[-1])
    result["command"] = " ".join(shlex.quote(c) for c in cmd)
    return result


def median(results, key):
    values = [r[key] for r in results if r.get("ok") and r.get(key) is not None]
    return statistics.median(values) if values else None


def fmt(v, decimals):
    if v is None:
        return "-"
    return f"{v:,.{decimals}f}"


def table(results, scenarios, skip_hearthd):
    rows = ["| scenario | metric | hearthd | mosquitto | vs | hearthd/mosquitto | target | met |",
            "|---|---|---:|---:|---|---:|---|---|"]
    all_met = True
    for sc in scenarios:
        if not sc.reference:
            if skip_hearthd:
                continue
            own_runs = results[(sc.name, "hearthd-e2e")]
            for m in sc.metrics:
                a = median(own_runs, m.key)
                if m.op == "zero":
                    target, met = "= 0", (a == 0) if a is not None else None
                elif m.op in ("max", "min"):
                    target = f"{'<' if m.op == 'max' else '>='} {m.target:,g}"
                    met = None if a is None else (a < m.target if m.op == "max" else a >= m.target)
                else:
                    target, met = "", None
                if met is False or (met is None and m.op != "info"):
                    all_met = False
                rows.append(f"| {sc.title} | {m.label} | {fmt(a, m.decimals)} | {m.reference} | {sc.reference_label} | "
                            f"- | {target} | {'' if met is None else ('yes' if met else '**no**')} |")
            continue
        ref_runs = results[(sc.name, sc.reference)]
        own_runs = results[(sc.name, "hearthd")]
        for m in sc.metrics:
            a = None if skip_hearthd else median(own_runs, m.key)
            b = median(ref_runs, m.key)
            ratio = a / b if a is not None and b not in (None, 0) else None
            if m.op == "zero":
                target, met = "hearthd = 0", (a == 0) if a is not None else None
            elif m.op == "info":
                target, met = "", None
            else:
                target = f"{m.op} {m.target:g}x"
                met = None if ratio is None else (ratio >= m.target if m.op == ">=" else ratio <= m.target)
            if met is False or (met is None and m.op not in ("info",)):
                all_met = False
            rows.append(f"| {sc.title} | {m.label} | {fmt(a, m.decimals)} | {fmt(b, m.decimals)} | {sc.reference} | "
                        f"{'-' if ratio is None else f'{ratio:.2f}'} | {target} | "
                        f"{'' if met is None else ('yes' if met else '**no**')} |")
    return "\n".join(rows), all_met


def build_floor_relay(workdir):
    """Compiles floor_relay.c (the latency floor) into workdir with the system's C compiler; None without one."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return None
    out = Path(workdir) / "floor_relay"
    r = subprocess.run([cc, "-O2", "-o", str(out), str(REPO / "tests/bench/floor_relay.c")],
                       capture_output=True, text=True)
    return str(out) if r.returncode == 0 else None


def find_binary(explicit, candidates):
    if explicit:
        return str(Path(explicit).resolve())
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return str(Path(c).resolve())
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("HEARTH_BUILD", str(REPO / "build")),
                    help="build directory holding hearthd and hearth-bench (default: ./build or $HEARTH_BUILD)")
    ap.add_argument("--hearthd", help="hearthd binary (default: BUILD/hearthd)")
    ap.add_argument("--bench", help="hearth-bench binary (default: BUILD/hearth-bench)")
    ap.add_argument("--mosquitto", default=shutil.which("mosquitto") or "/usr/sbin/mosquitto")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5.0, help="measured seconds per run (5)")
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--quick", action="store_true", help="smoke test: 1 round, 1 s runs")
    ap.add_argument("--scenario", action="append", choices=[s.name for s in SCENARIOS],
                    help="run only these scenarios (repeatable)")
    ap.add_argument("--skip-hearthd", action="store_true", help="only run the Mosquitto side")
    ap.add_argument("--results", help="also write every run's JSON line to this file")
    ap.add_argument("--realtime", action="store_true",
                    help="run the brokers and hearth-bench with chrt -f 10 (root; for a machine shared with other work)")
    args = ap.parse_args()

    timing = {"duration": args.duration, "warmup": args.warmup, "drain": 2.0, "idle": 2.0}
    rounds = args.rounds
    if args.quick:
        rounds = 1
        timing = {"duration": 1.0, "warmup": 0.3, "drain": 1.0, "idle": 1.0}
    if rounds < 1:
        ap.error("--rounds must be at least 1")

    build = Path(args.build)
    binaries = {
        "bench": find_binary(args.bench, [build / "hearth-bench"]),
        "hearthd": None if args.skip_hearthd else find_binary(args.hearthd, [build / "hearthd"]),
        "mosquitto": find_binary(args.mosquitto, []),
    }
    missing = [k for k, v in binaries.items() if v is None and not (k == "hearthd" and args.skip_hearthd)]
    if missing:
        sys.exit(f"bench.py: cannot find {', '.join(missing)} (use --build or --{missing[0]})")

    raise_fd_limit()
    if args.realtime:
        RUN_PREFIX[:] = ["chrt", "-f", "10"]
    scenarios = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    results = {}
    scenarios = [s for s in scenarios if s.reference or not args.skip_hearthd]
    for sc in scenarios:
        results[(sc.name, "hearthd" if sc.reference else "hearthd-e2e")] = []
        if sc.reference:
            results[(sc.name, sc.reference)] = []
        results[(sc.name, "floor")] = []
    raw = []
    workdir = tempfile.mkdtemp(prefix="hearth-bench-")
    binaries["floor"] = build_floor_relay(workdir)  # removed with workdir
    try:
        for rnd in range(1, rounds + 1):
            for sc in scenarios:
                if not sc.reference:
                    order = ["hearthd-e2e"]
                else:
                    order = ([] if args.skip_hearthd else ["hearthd"]) + [sc.reference]
                    if sc.floor and binaries["floor"]:
                        order.append("floor")
                for kind in order:
                    broker = Broker(kind, workdir, binaries)
                    try:
                        broker.start()
                        r = run_bench(binaries, broker, sc, timing, f"{sc.name}/{kind}/{rnd}")
                    except RuntimeError as e:
                        r = {"ok": False, "error": str(e)}
                    finally:
                        broker.stop()
                    r.update({"scenario": sc.name, "broker": kind, "round": rnd})
                    raw.append(r)
                    results[(sc.name, kind)].append(r)
                    status = "ok" if r.get("ok") else f"FAILED: {r.get('error')}"
                    shown = ", ".join(f"{m.key}={r.get(m.key)}" for m in sc.metrics)
                    print(f"[round {rnd}] {sc.name:<11} {kind:<20} {status} {shown}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    if args.results:
        Path(args.results).write_text("".join(json.dumps(r) + "\n" for r in raw))

    text, all_met = table(results, scenarios, args.skip_hearthd)
    version = subprocess.run([binaries["mosquitto"], "-h"], capture_output=True, text=True).stdout.splitlines()
    load = os.getloadavg()
    print(f"hearth-bench, {rounds} round(s) x {timing['duration']:g} s, medians{', SCHED_FIFO' if RUN_PREFIX else ''}; "
          f"{datetime.date.today()}, {platform.node()}, {os.cpu_count()} CPUs, "
          f"load {load[0]:.2f}, {version[0] if version else 'mosquitto ?'}\n")
    print(text)
    for sc in scenarios:
        floor = results[(sc.name, "floor")]
        if floor:
            print(f"\n{sc.title}: floor_relay (tests/bench/floor_relay.c, the least a relay can do on this "
                  f"machine) p50 {fmt(median(floor, 'latency_p50_us'), 1)} us, "
                  f"p99 {fmt(median(floor, 'latency_p99_us'), 1)} us")
    print(f"\nReproduce: /usr/bin/python3 tests/bench/bench.py {' '.join(sys.argv[1:])}".rstrip())
    failed = [r for r in raw if not r.get("ok")]
    if failed:
        print(f"\n{len(failed)} run(s) failed; first: {failed[0].get('scenario')}/{failed[0].get('broker')}: "
              f"{failed[0].get('error')}")
    return 0 if all_met and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
