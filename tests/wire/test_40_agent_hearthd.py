"""hearth-agent against hearthd: readings, commands, the outage and the
failsafes (see agent_support.py for the scenarios)."""
import subprocess
import time

import agent_support as s


def test_readings_commands_and_gas_rule(start_hearthd, tmp_path):
    s.readings_and_commands(start_hearthd, tmp_path, "kitchen")


def test_central_outage_loses_nothing_and_duplicates_nothing(start_hearthd, tmp_path):
    s.outage(start_hearthd, tmp_path, "cellar")


def test_kill_nine_leaves_the_valve_closed(start_hearthd, tmp_path):
    s.kill_nine(start_hearthd, tmp_path, "garden")


def test_valve_closes_after_its_maximum_on_time(start_hearthd, tmp_path):
    b = start_hearthd()
    sub = s.Listener(b.port)
    a = s.Agent(tmp_path / "agent", "patio", b.port, valve_max_on=2)
    try:
        sub.topic("home/patio/status", "online")
        n = len(sub.messages)
        sub.publish("home/patio/relay/valve/set", "on")
        sub.topic("home/patio/relay/valve", "on", after=n)
        opened = time.time()
        n = len(sub.messages)
        sub.topic("home/patio/relay/valve", "off", after=n, timeout=6)
        assert time.time() - opened >= 1.5
        assert a.gpio(s.VALVE) == 1
    finally:
        a.stop()
        sub.stop()


def test_bad_config_exits_2_with_one_message(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('node = "kitchen"\n[[actuator]]\nname = "valve"\nchip = "x"\n')
    r = subprocess.run([s.agent_binary(), "-c", str(bad)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "actuator[0]" in r.stderr, r.stderr
    r = subprocess.run([s.agent_binary(), "--central", "nope"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "--central" in r.stderr
    r = subprocess.run([s.agent_binary(), "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and "--sysfs-root" in r.stdout


def test_buffered_readings_survive_an_agent_restart(start_hearthd, tmp_path):
    s.restart_while_away(start_hearthd, tmp_path, "loft")
