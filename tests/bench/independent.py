#!/usr/bin/python3
"""An independent MQTT load generator: checks hearth-bench's figures from outside (issue 7).

Shares no code with hearth-bench (src/bench) nor with bench.py: plain Python sockets,
one process per publisher and per subscriber group, MQTT 3.1.1 packets encoded here by
hand. Runs fan-in QoS 0 (4 -> 1 on a wildcard), fan-out QoS 0 (1 -> 50) and 2,000 idle
connections against hearthd and Debian's Mosquitto (default-like config), alternately
for N rounds, each run on a freshly started broker, and prints medians and ratios.

Why Python keeps up: a publisher pre-encodes a batch of BATCH PUBLISH packets in one
bytearray and writes it with a few send() calls; per batch it only patches the batch
number into every packet with four strided slice assignments (C loops). A subscriber
reads 256 KiB at a time. Every packet it receives has the same size (same topic
length, same payload size, QoS 0), so it counts packets by bytes, and it verifies the
framing of EVERY packet with strided slices: byte 0 = 0x30 (PUBLISH, QoS 0, no
DUP/RETAIN), byte 1 = the remaining length, bytes 2-3 = the topic length, the
payload's magic byte and a valid publisher id. Any lost, extra or misframed byte shifts
the stride and fails these checks at once. Every SAMPLE-th packet is decoded in full
(topic = the publisher's topic, sequence number strictly increasing per publisher), and
after the drain delivered is compared with sent * subscribers (lost / extra).

Usage: /usr/bin/python3 tests/bench/independent.py --hearthd BUILD/hearthd [--rounds 3]
"""

import argparse
import multiprocessing as mp
import os
import resource
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAYLOAD = 64
BATCH = 2048          # PUBLISH packets per pre-encoded publisher buffer
SAMPLE = 64           # decode every SAMPLE-th received packet in full
RECV_BYTES = 256 * 1024
MAGIC = 0x48          # 'H', first payload byte
CLK = os.sysconf("SC_CLK_TCK")


# ---- MQTT 3.1.1 encoding (client side, only what this tool sends) ----

def remaining_length(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s):
    b = s.encode()
    return len(b).to_bytes(2, "big") + b


def connect_packet(client_id, keepalive=60):
    # protocol name "MQTT", level 4, flags: clean session only
    body = utf8("MQTT") + bytes([4, 0x02]) + keepalive.to_bytes(2, "big") + utf8(client_id)
    return b"\x10" + remaining_length(len(body)) + body


def subscribe_packet(packet_id, topic_filter, qos=0):
    body = packet_id.to_bytes(2, "big") + utf8(topic_filter) + bytes([qos])
    return b"\x82" + remaining_length(len(body)) + body


CONNACK_OK = b"\x20\x02\x00\x00"
DISCONNECT = b"\xe0\x00"


def publish_layout(topic):
    """Offsets of one QoS 0 PUBLISH packet of PAYLOAD bytes on `topic` (remaining length < 128)."""
    rem = 2 + len(topic) + PAYLOAD
    assert rem < 128, "topic too long for a one-byte remaining length"
    size = 2 + rem
    pay = 2 + 2 + len(topic)   # payload offset: fixed header (2), topic length (2), topic
    return size, rem, pay


def publish_batch(topic, pub_id):
    """BATCH packets; payload = magic, publisher id, batch number (4 B), index (2 B), filler."""
    size, rem, pay = publish_layout(topic)
    one = bytearray(b"\x30" + bytes([rem]) + utf8(topic) + bytes([MAGIC, pub_id]) + bytes(6) +
                    b"x" * (PAYLOAD - 8))
    buf = bytearray(one * BATCH)
    for i in range(BATCH):
        buf[i * size + pay + 6:i * size + pay + 8] = i.to_bytes(2, "big")
    return buf, size, pay


def handshake(sock, client_id, topic_filter=None):
    """Blocking CONNECT (+ SUBSCRIBE); raises unless CONNACK accepted and QoS 0 granted."""
    sock.sendall(connect_packet(client_id))
    if recv_exact(sock, 4) != CONNACK_OK:
        raise RuntimeError(f"{client_id}: CONNACK not accepted")
    if topic_filter is not None:
        sock.sendall(subscribe_packet(1, topic_filter))
        if recv_exact(sock, 5) != b"\x90\x03\x00\x01\x00":
            raise RuntimeError(f"{client_id}: SUBACK not granting QoS 0")


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise RuntimeError("connection closed by the broker")
        out += chunk
    return out


def dial(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


# ---- worker processes ----

def publisher(port, topic, pub_id, ctl, sent, slot, ready, results):
    """ctl[0]: 1 = go, 2 = stop.  sent[slot]: messages fully written."""
    try:
        sock = dial(port)
        handshake(sock, f"ind-pub-{os.getpid()}")
        buf, size, pay = publish_batch(topic, pub_id)
        view = memoryview(buf)
        ready.release()
        while ctl[0] == 0:
            time.sleep(0.001)
        sock.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(sock, selectors.EVENT_WRITE)
        batch = 0
        while ctl[0] == 1:
            b = batch.to_bytes(4, "big")
            for k in range(4):  # patch the batch number into every packet (strided, in C)
                buf[pay + 2 + k::size] = bytes([b[k]]) * BATCH
            off, stuck_since = 0, time.monotonic()
            while off < len(buf):  # a started batch is always finished: framing stays intact
                try:
                    off += sock.send(view[off:])
                except BlockingIOError:
                    sel.select(0.2)
                    if ctl[0] != 1 and time.monotonic() - stuck_since > 10:
                        raise RuntimeError("the broker stopped reading for 10 s after the run")
                    continue
                stuck_since = time.monotonic()
            batch += 1
            sent[slot] = batch * BATCH
        sock.setblocking(True)
        sock.sendall(DISCONNECT)
        sock.close()
        results.put(("pub", slot, None))
    except Exception as e:  # reported to the coordinator, which fails the run
        ready.release()
        results.put(("pub", slot, f"publisher {pub_id}: {e}"))


def subscriber_group(port, topic_filter, topics, ctl, delivered, first_slot, count, ready, results):
    """`count` subscriber connections in one process; delivered[first_slot + i] per connection."""
    error = None
    stats = {"sampled": 0, "out_of_order": 0}
    try:
        size, rem, pay = publish_layout(topics[0])
        tlen = len(topics[0]).to_bytes(2, "big")
        topic_of = {i: t.encode() for i, t in enumerate(topics)}
        valid_ids = bytes(range(len(topics)))
        socks = []
        for i in range(count):
            s = dial(port)
            handshake(s, f"ind-sub-{os.getpid()}-{i}", topic_filter)
            s.setblocking(False)
            socks.append(s)
        ready.release()
        sel = selectors.DefaultSelector()
        state = []
        for i, s in enumerate(socks):
            state.append({"buf": bytearray(RECV_BYTES), "have": 0, "n": 0, "last": [-1] * len(topics)})
            sel.register(s, selectors.EVENT_READ, i)
        idle_since = None
        while True:
            events = sel.select(0.2)
            if not events:
                if ctl[0] == 3:  # publishers done: 1 s of silence ends the drain
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since > 1.0:
                        break
                continue
            idle_since = None
            for key, _ in events:
                st = state[key.data]
                buf = st["buf"]
                got = key.fileobj.recv_into(memoryview(buf)[st["have"]:])
                if got == 0:
                    raise RuntimeError("the broker closed a subscriber connection")
                have = st["have"] + got
                n = have // size
                end = n * size
                # framing of every packet, column by column
                if (buf[0:end:size].count(0x30) != n or buf[1:end:size].count(rem) != n or
                        buf[2:end:size] != tlen[0:1] * n or buf[3:end:size] != tlen[1:2] * n or
                        buf[pay:end:size].count(MAGIC) != n or
                        buf[pay + 1:end:size].translate(None, valid_ids)):
                    raise RuntimeError(f"misframed stream after {st['n']} packets")
                for k in range(0, n, SAMPLE):  # full decode of a sample
                    at = k * size
                    pid = buf[at + pay + 1]
                    if buf[at + 4:at + 4 + len(topics[0])] != topic_of[pid]:
                        raise RuntimeError("a PUBLISH carries the wrong topic")
                    seq = int.from_bytes(buf[at + pay + 2:at + pay + 6], "big") * BATCH + \
                        int.from_bytes(buf[at + pay + 6:at + pay + 8], "big")
                    if seq <= st["last"][pid]:
                        stats["out_of_order"] += 1
                    st["last"][pid] = seq
                    stats["sampled"] += 1
                st["n"] += n
                delivered[first_slot + key.data] = st["n"]
                buf[0:have - end] = buf[end:have]
                st["have"] = have - end
        for s in socks:
            s.setblocking(True)
            s.sendall(DISCONNECT)
            s.close()
    except Exception as e:
        error = f"subscriber group at {first_slot}: {e}"
        ready.release()
    results.put(("sub", first_slot, error, stats))


# ---- brokers ----

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    def __init__(self, kind, binary, workdir):
        self.kind, self.binary = kind, binary
        self.dir = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=workdir))
        self.proc = self.port = None

    def start(self):
        log = open(self.dir / "stdout.log", "wb")
        if self.kind == "hearthd":
            cmd = [self.binary, "--mqtt", "127.0.0.1:0", "--allow-anonymous", "--data-dir", str(self.dir / "data")]
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            self.port = self._port_from_log()
        else:
            os.chmod(self.dir, 0o777)  # mosquitto started as root drops to its own user
            self.port = free_port()
            conf = self.dir / "mosquitto.conf"
            conf.write_text(f"persistence true\npersistence_location {self.dir}/\n"
                            f"log_dest file {self.dir}/mosquitto.log\n"
                            f"listener {self.port} 127.0.0.1\nallow_anonymous true\n")
            self.proc = subprocess.Popen([self.binary, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > end or self.proc.poll() is not None:
                    raise RuntimeError(f"{self.kind} is not listening")
                time.sleep(0.05)
        time.sleep(0.3)  # start-up allocations settle before RSS is read
        return self

    def _port_from_log(self):
        needle = b"listening mqtt 127.0.0.1:"
        end = time.monotonic() + 10
        while time.monotonic() < end:
            text = (self.dir / "stdout.log").read_bytes()
            at = text.find(needle)
            if at >= 0 and b"\n" in text[at:]:
                return int(text[at + len(needle):].split(b"\n", 1)[0])
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("hearthd did not log 'listening mqtt 127.0.0.1:PORT'")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime


def busy_seconds():
    """CPU seconds the whole machine spent not idle, softirq included (the loopback's TCP
    work runs there and is charged to no process)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / CLK, (v[5] + v[6]) / CLK  # busy (user..steal minus idle, iowait), irq+softirq


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def wait_for_quiet(limit_s, threshold=0.3):
    """Waits (at most limit_s) until other programs use under `threshold` cores over 1 s:
    the machine is shared, and a build next door halves a broker's figures."""
    end = time.monotonic() + limit_s
    while True:
        b0 = busy_seconds()[0]
        time.sleep(1.0)
        load = busy_seconds()[0] - b0
        if load < threshold or time.monotonic() >= end:
            return load


# ---- scenarios ----

def run_traffic(broker, publishers, subscribers, groups, warmup, duration):
    procs = []
    try:
        return traffic(procs, broker, publishers, subscribers, groups, warmup, duration)
    finally:  # a worker that failed to report must not outlive its run
        for p in procs:
            if p.pid is not None and p.is_alive():
                p.terminate()
                p.join(5)


def traffic(procs, broker, publishers, subscribers, groups, warmup, duration):
    tag = f"ind/{os.getpid() % 10000:04d}"
    topics = [f"{tag}/{i}" for i in range(publishers)]
    topic_filter = f"{tag}/+" if publishers > 1 else topics[0]
    ctl = mp.RawArray("i", 1)
    sent = mp.RawArray("Q", publishers)
    delivered = mp.RawArray("Q", subscribers)
    ready = mp.Semaphore(0)
    results = mp.Queue()
    per = [subscribers // groups + (1 if g < subscribers % groups else 0) for g in range(groups)]
    first = 0
    for g, count in enumerate(per):
        procs.append(mp.Process(target=subscriber_group, args=(broker.port, topic_filter, topics, ctl, delivered,
                                                                first, count, ready, results)))
        first += count
    for i in range(publishers):
        procs.append(mp.Process(target=publisher, args=(broker.port, topics[i], i, ctl, sent, i, ready, results)))
    for p in procs[:groups]:
        p.start()
    for _ in range(groups):  # every subscription is in place before anything is published
        ready.acquire(timeout=60)
    for p in procs[groups:]:
        p.start()
    for _ in range(publishers):
        ready.acquire(timeout=60)
    sub_pids = [p.pid for p in procs[:groups]]
    pub_pids = [p.pid for p in procs[groups:]]

    def sample():
        return (time.monotonic(), sum(sent), sum(delivered), sum(cpu_seconds(p) for p in sub_pids),
                sum(cpu_seconds(p) for p in pub_pids), cpu_seconds(broker.proc.pid), busy_seconds())

    ctl[0] = 1
    time.sleep(warmup)
    t0, s0, d0, u0, p0, b0, y0 = sample()
    time.sleep(duration)
    t1, s1, d1, u1, p1, b1, y1 = sample()
    ctl[0] = 2
    errors, stats = [], {"sampled": 0, "out_of_order": 0}
    for _ in range(publishers):
        r = results.get(timeout=60)
        errors += [r[2]] if r[2] else []
    ctl[0] = 3
    for _ in range(groups):
        r = results.get(timeout=120)
        errors += [r[2]] if r[2] else []
        for k in stats:
            stats[k] += r[3][k]
    for p in procs:
        p.join(timeout=10)
    dt = t1 - t0
    expected = sum(sent) * subscribers
    return {"delivered_per_s": (d1 - d0) / dt, "sent_per_s": (s1 - s0) / dt,
            "lost": expected - sum(delivered), "gen_cpu": (u1 - u0 + p1 - p0) / dt, "sub_cpu": (u1 - u0) / dt,
            "pub_cpu": (p1 - p0) / dt, "broker_cpu": (b1 - b0) / dt, "machine_busy": (y1[0] - y0[0]) / dt,
            # CPU used by other programs (other engineers' builds...): a disturbed run shows here
            "others_cpu": ((y1[0] - y0[0]) - (y1[1] - y0[1]) - (u1 - u0 + p1 - p0) - (b1 - b0)) / dt,
            "errors": errors, **stats}


def run_idle(broker, connections, hold):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    before = rss_kib(broker.proc.pid)
    sel = selectors.DefaultSelector()
    socks, pending, done, nxt = [], 0, 0, 0
    end = time.monotonic() + 60
    while done < connections:
        while pending < 64 and nxt < connections:  # bounded handshakes: the accept backlog never overflows
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", broker.port))
            sel.register(s, selectors.EVENT_WRITE, {"i": nxt, "got": b""})
            socks.append(s)
            nxt += 1
            pending += 1
        if time.monotonic() > end:
            raise RuntimeError(f"only {done} of {connections} connections CONNACKed")
        for key, ev in sel.select(1.0):
            s, st = key.fileobj, key.data
            if ev & selectors.EVENT_WRITE:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    raise RuntimeError("connect failed")
                s.send(connect_packet(f"ind-idle-{st['i']:05d}"))  # 29 bytes: fits any empty send buffer
                sel.modify(s, selectors.EVENT_READ, st)
            else:
                st["got"] += s.recv(4 - len(st["got"]))
                if len(st["got"]) == 4:
                    if st["got"] != CONNACK_OK:
                        raise RuntimeError(f"CONNACK refused: {st['got']!r}")
                    sel.unregister(s)
                    pending -= 1
                    done += 1
    time.sleep(hold)
    for s in socks:  # still connected: nothing to read, no EOF
        sel.register(s, selectors.EVENT_READ)
    if sel.select(0):
        raise RuntimeError("the broker closed or wrote to an idle connection")
    after = rss_kib(broker.proc.pid)
    for s in socks:
        try:
            s.send(DISCONNECT)
        except OSError:
            pass
        s.close()
    return {"kib_per_connection": (after - before) / connections, "rss_before_kib": before, "rss_after_kib": after,
            "errors": []}


SCENARIOS = {
    "fanin-q0": ("fan-in QoS 0, 4 -> 1", "delivered msg/s", "delivered_per_s", ">= 1.5x",
                 lambda b, a: run_traffic(b, 4, 1, 1, a.warmup, a.duration)),
    "fanout-50": ("fan-out QoS 0, 1 -> 50", "deliveries/s", "delivered_per_s", ">= 1.5x",
                  lambda b, a: run_traffic(b, 1, 50, a.groups, a.warmup, a.duration)),
    "idle-2000": ("2,000 idle connections", "KiB/connection", "kib_per_connection", "<= 1.0x",
                  lambda b, a: run_idle(b, 2000, a.hold)),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hearthd", required=True)
    ap.add_argument("--mosquitto", default=shutil.which("mosquitto") or "/usr/sbin/mosquitto")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--hold", type=float, default=2.0, help="seconds idle connections are held before RSS is read")
    ap.add_argument("--groups", type=int, default=2, help="subscriber processes in fan-out (2)")
    ap.add_argument("--scenario", action="append", choices=list(SCENARIOS))
    ap.add_argument("--quiet-wait", type=float, default=30.0,
                    help="before each traffic run, wait up to S s for the machine to be idle (30)")
    args = ap.parse_args()
    names = args.scenario or list(SCENARIOS)
    bins = {"hearthd": str(Path(args.hearthd).resolve()), "mosquitto": args.mosquitto}
    runs = {(n, k): [] for n in names for k in bins}
    workdir = tempfile.mkdtemp(prefix="hearth-independent-")
    failed = 0
    try:
        for rnd in range(1, args.rounds + 1):
            for name in names:
                for kind in ("hearthd", "mosquitto"):
                    background = wait_for_quiet(args.quiet_wait) if name != "idle-2000" else 0.0
                    if background >= 0.3:
                        print(f"note: other programs use {background:.2f} cores; running anyway", file=sys.stderr)
                    broker = Broker(kind, bins[kind], workdir)
                    try:
                        r = SCENARIOS[name][4](broker.start(), args)
                    except Exception as e:
                        r = {"errors": [str(e)]}
                    finally:
                        broker.stop()
                    ok = not r["errors"] and not r.get("out_of_order")
                    failed += not ok
                    if ok:
                        runs[(name, kind)].append(r)
                    shown = " ".join(f"{k}={v:,.3f}" if isinstance(v, float) else f"{k}={v}"
                                     for k, v in r.items() if k != "errors")
                    print(f"[round {rnd}] {name:<9} {kind:<9} {'ok' if ok else 'FAILED ' + '; '.join(r['errors'])} "
                          f"{shown}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def fmt(v, decimals):
        return "-" if v is None else f"{v:,.{decimals}f}"

    def med(name, kind, key):
        v = [r[key] for r in runs[(name, kind)] if r.get(key) is not None]
        return statistics.median(v) if v else None

    print(f"independent.py, {args.rounds} round(s) x {args.duration:g} s, medians; {time.strftime('%Y-%m-%d')}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}\n")
    print("| scenario | metric | hearthd | mosquitto | hearthd/mosquitto | target |")
    print("|---|---|---:|---:|---:|---|")
    cpu_rows = []
    for name in names:
        title, label, key, target, _ = SCENARIOS[name]
        dec = 3 if key == "kib_per_connection" else 0
        rows = [(label, key, target, dec)]
        if key == "delivered_per_s":
            rows += [("sent msg/s (info)", "sent_per_s", "", 0), ("lost after drain (info)", "lost", "", 0)]
            cpu_rows.append(name)
        for label, key, target, dec in rows:
            h, m = med(name, "hearthd", key), med(name, "mosquitto", key)
            ratio = f"{h / m:.2f}" if h is not None and m else "-"
            print(f"| {title} | {label} | {fmt(h, dec)} | {fmt(m, dec)} | {ratio} | {target} |")
    if cpu_rows:
        print("\nCPU during the measured window, in cores (medians), hearthd run / mosquitto run; "
              "process times exclude softirq, machine busy includes it:\n")
        print("| scenario | generator subscribers | generator publishers | broker | whole machine busy (of 2) |"
              " other programs (approx.) |")
        print("|---|---|---|---|---|---|")
        for name in cpu_rows:
            cpu = lambda k: f"{fmt(med(name, 'hearthd', k), 2)} / {fmt(med(name, 'mosquitto', k), 2)}"
            print(f"| {SCENARIOS[name][0]} | {cpu('sub_cpu')} | {cpu('pub_cpu')} | {cpu('broker_cpu')} | "
                  f"{cpu('machine_busy')} | {cpu('others_cpu')} |")
    print(f"\nReproduce: /usr/bin/python3 tests/bench/independent.py {' '.join(sys.argv[1:])}")
    if failed:
        print(f"\n{failed} run(s) failed (see stderr)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
