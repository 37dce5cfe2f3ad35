"""hearth-bench's e2e mode, a short smoke run against a real hearthd (issue 7):
readings published over MQTT (QoS 1, logged in), `reading` events received
over Socket.IO on a WebSocket logged in with an API token made by `hearthd
token`. One second at a low rate: every reading arrives, once, in order.
A wrong token fails the run with a clear error.
"""
import json
import os
import subprocess

import pytest

PW = "bench-user-password"


@pytest.fixture
def bench_binary():
    path = os.environ.get("HEARTH_BENCH")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("set HEARTH_BENCH=/path/to/hearth-bench")
    return path


@pytest.fixture
def site(hearthd_binary, start_hearthd, tmp_path):
    pw, data = tmp_path / "passwd", tmp_path / "data"
    data.mkdir()
    r = subprocess.run([hearthd_binary, "passwd", str(pw), "bench"], input=PW + "\n", text=True,
                       capture_output=True, timeout=10)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([hearthd_binary, "token", "bench", "bench", "--data-dir", str(data), "--password-file",
                        str(pw)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    h = start_hearthd(args=["--http", "127.0.0.1:0", "--password-file", str(pw), "--data-dir", str(data)],
                      anonymous=False, listeners=["mqtt", "http"])
    h.web_port = h.ports["http"]
    h.token = r.stdout.strip()
    return h


def run_bench(bench_binary, site, token, *extra):
    cmd = [bench_binary, "e2e", "--port", str(site.port), "--web-port", str(site.web_port),
           "--username", "bench", "--password", PW, "--rate", "500", "--warmup", "0.2", "--duration", "1",
           "--drain", "2", "--broker-pid", str(site.proc.pid), *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, HEARTH_BENCH_TOKEN=token))
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    assert lines, (r.returncode, r.stderr)
    return r.returncode, json.loads(lines[-1]), r.stderr


def test_e2e_smoke_every_reading_arrives(bench_binary, site):
    code, res, err = run_bench(bench_binary, site, site.token)
    assert code == 0 and res["ok"], err
    assert res["mode"] == "e2e" and res["qos"] == 1
    assert res["delivered"] > 0 and res["sent_total"] >= 500
    assert res["lost"] == 0 and res["duplicated"] == 0 and res["out_of_order"] == 0, res
    assert res["received_total"] == res["sent_total"], res
    assert res["malformed"] == 0 and res["protocol_errors"] == 0 and res["disconnects"] == 0, res
    assert 0 < res["latency_p50_us"] <= res["latency_p99_us"] <= res["latency_max_us"] < 1e6, res
    assert "hth_" not in json.dumps(res)  # the token stays out of the result line


def test_e2e_wrong_token_fails_clearly(bench_binary, site):
    code, res, err = run_bench(bench_binary, site, "hth_" + "2" * 64, "--duration", "0.2")
    assert code == 1 and not res["ok"]
    assert "refused the Socket.IO connection" in res["error"], res
