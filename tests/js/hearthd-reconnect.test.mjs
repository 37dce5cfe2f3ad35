// socket.io-client 4 against a real hearthd, logged in with an API token
// (`hearthd token`): a reading published over MQTT (mosquitto_pub) arrives as
// a `reading` event; then hearthd restarts on the same port and data
// directory, and the client, left to its own reconnection, is logged in again
// with the same token (kept on disk) and receives the next reading.
// Run: HEARTHD=... node --test hearthd-reconnect.test.mjs
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";

const hearthd = process.env.HEARTHD;
const dir = mkdtempSync(join(tmpdir(), "hearth-js-"));
const passwd = join(dir, "passwd");
const data = join(dir, "data");
let proc;

after(() => {
  if (proc && proc.exitCode === null) proc.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timed out: " + what)), ms))),
  ]).finally(() => clearTimeout(timer));
}

// Starts hearthd and resolves once both listeners are logged.
function start(httpPort, mqttPort) {
  const p = spawn(hearthd, ["--http", `127.0.0.1:${httpPort}`, "--mqtt", `127.0.0.1:${mqttPort}`,
                            "--password-file", passwd, "--data-dir", data],
                  { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const ready = new Promise((resolve, reject) => {
    p.stderr.on("data", (d) => {
      log += d.toString();
      if (/listening http /.test(log) && /listening mqtt /.test(log)) resolve();
    });
    p.once("exit", (code) => reject(new Error(`hearthd exited ${code}: ${log}`)));
  });
  return { p, ready };
}

function publish(mqttPort, value) {
  execFileSync("/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", String(mqttPort), "-u", "js", "-P", "js-password-1",
                                          "-q", "1", "-t", "home/attic/temperature", "-m", `{"28-js": ${value}}`]);
}

function nextReading(socket, value) {
  return new Promise((resolve) => {
    const on = (r) => {
      if (r.sensor === "28-js" && r.value === value) {
        socket.off("reading", on);
        resolve(r);
      }
    };
    socket.on("reading", on);
  });
}

test("a token-authenticated client reconnects by itself after hearthd restarts", { timeout: 60000 }, async () => {
  assert.ok(hearthd, "set HEARTHD");
  execFileSync(hearthd, ["passwd", passwd, "js"], { input: "js-password-1\n" });
  mkdirSync(data);  // hearthd token wants the data directory to exist (a guard against typos)
  const token = execFileSync(hearthd, ["token", "js-test", "js", "--data-dir", data, "--password-file", passwd])
    .toString().trim();
  assert.match(token, /^hth_[0-9a-f]{64}$/);
  const [httpPort, mqttPort] = [await freePort(), await freePort()];

  let run = start(httpPort, mqttPort);
  proc = run.p;
  await withTimeout(run.ready, 10000, "hearthd start");
  const socket = io(`http://127.0.0.1:${httpPort}`, {
    auth: { token }, transports: ["websocket"], reconnectionDelay: 200, reconnectionDelayMax: 500,
  });
  try {
    await withTimeout(new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    }), 5000, "connect");
    let got = nextReading(socket, 21.5);
    publish(mqttPort, 21.5);
    const first = await withTimeout(got, 5000, "first reading");
    assert.equal(first.node, "attic");
    assert.equal(first.kind, "temperature");

    const dropped = new Promise((resolve) => socket.once("disconnect", resolve));
    proc.kill("SIGTERM");
    await withTimeout(new Promise((resolve) => proc.once("exit", resolve)), 10000, "hearthd stop");
    assert.equal(proc.exitCode, 0);
    await withTimeout(dropped, 5000, "disconnect seen by the client");

    // The manager reconnects first, then the namespace logs in again (CONNECT
    // with the same auth): the socket's own "connect" says both are done.
    const back = new Promise((resolve) => socket.once("connect", resolve));
    const reconnected = new Promise((resolve) => socket.io.once("reconnect", resolve));
    run = start(httpPort, mqttPort);
    proc = run.p;
    await withTimeout(run.ready, 10000, "hearthd restart");
    await withTimeout(reconnected, 10000, "reconnect");
    await withTimeout(back, 5000, "logged in again");
    assert.ok(socket.connected);
    got = nextReading(socket, 22.75);
    publish(mqttPort, 22.75);
    await withTimeout(got, 5000, "reading after the restart");
  } finally {
    socket.close();
    proc.kill("SIGTERM");
  }
});
