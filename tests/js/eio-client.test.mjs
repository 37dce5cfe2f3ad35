// Engine.IO with the official client (engine.io-client 6, the transport of
// socket.io-client 4) and raw WebSockets (ws), against hearth-sio-testserver's
// /engine.io/ echo: polling then the upgrade, WebSocket only, binary both
// ways, maxPayload on WebSocket (close 1009), a client that stops reading.
// Run: HEARTH_SIO_TESTSERVER=... node --test eio-client.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Socket } from "engine.io-client";
import { WebSocket } from "ws";

let server;
let url;

before(async () => {
  const binary = process.env.HEARTH_SIO_TESTSERVER;
  assert.ok(binary, "set HEARTH_SIO_TESTSERVER");
  server = spawn(binary, ["--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    server.stdout.once("data", (d) => {
      const m = /listening http 127\.0\.0\.1:(\d+)/.exec(d.toString());
      m ? resolve(m[1]) : reject(new Error("no listening line: " + d));
    });
    server.once("exit", (code) => reject(new Error("testserver exited " + code)));
  });
  url = `http://127.0.0.1:${port}`;
});

after(() => server.kill("SIGTERM"));

function once(emitter, event) {
  return new Promise((resolve) => emitter.once(event, resolve));
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timed out: " + what)), ms))),
  ]).finally(() => clearTimeout(timer));
}

test("polling, then the upgrade to WebSocket, text and binary echo", async () => {
  const socket = new Socket(url, { path: "/engine.io/" });
  await withTimeout(once(socket, "open"), 5000, "open");
  assert.equal(socket.transport.name, "polling");
  socket.send("over polling");
  assert.equal(await withTimeout(once(socket, "message"), 5000, "echo"), "over polling");
  if (socket.transport.name !== "websocket") await withTimeout(once(socket, "upgrade"), 5000, "upgrade");
  assert.equal(socket.transport.name, "websocket");
  socket.send("over websocket");
  assert.equal(await withTimeout(once(socket, "message"), 5000, "echo"), "over websocket");
  socket.send(Uint8Array.from([0, 1, 2, 255]));
  const bin = await withTimeout(once(socket, "message"), 5000, "binary echo");
  assert.deepEqual([...new Uint8Array(bin)], [0, 1, 2, 255]);
  socket.close();
});

test("polling only: binary travels as base64 and comes back as binary", async () => {
  const socket = new Socket(url, { path: "/engine.io/", transports: ["polling"], upgrade: false });
  await withTimeout(once(socket, "open"), 5000, "open");
  socket.send(Uint8Array.from([9, 8, 7]));
  const bin = await withTimeout(once(socket, "message"), 5000, "binary echo");
  assert.deepEqual([...new Uint8Array(bin)], [9, 8, 7]);
  // Heartbeats keep it open past several ping intervals (300 ms).
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(socket.readyState, "open");
  socket.close();
});

test("WebSocket only, many messages in order", async () => {
  const socket = new Socket(url, { path: "/engine.io/", transports: ["websocket"] });
  await withTimeout(once(socket, "open"), 5000, "open");
  const got = [];
  const done = new Promise((resolve) => socket.on("message", (m) => got.push(m) === 200 && resolve()));
  for (let i = 0; i < 200; i++) socket.send("m" + i);
  await withTimeout(done, 5000, "200 echoes");
  assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => "m" + i));
  socket.close();
});

test("a WebSocket frame over maxPayload closes with 1009", async () => {
  const ws = new WebSocket(`${url.replace("http", "ws")}/engine.io/?EIO=4&transport=websocket`);
  ws.on("error", () => {});
  await withTimeout(once(ws, "message"), 5000, "open packet");
  let echoed = false;
  ws.on("message", () => (echoed = true));
  ws.send("4" + "x".repeat(1000001));
  const code = await withTimeout(once(ws, "close"), 5000, "close");
  // 1009 (message too big) is what the server sends; on a loaded machine the
  // client may still be writing the frame when the server closes, and then
  // sees the connection reset (1006) before the close frame.
  assert.ok(code === 1009 || code === 1006, "close code " + code);
  assert.equal(echoed, false);
});

test("a session whose client stops reading is closed, the server stays responsive", async () => {
  const ws = new WebSocket(`${url.replace("http", "ws")}/engine.io/?EIO=4&transport=websocket`);
  ws.on("error", () => {});
  await withTimeout(once(ws, "message"), 5000, "open packet");
  ws.pause();  // stop reading: the echoes pile up in the server's bounded queues
  ws._socket.pause();
  const chunk = "4" + "y".repeat(60000);
  for (let i = 0; i < 400; i++) ws.send(chunk);  // 24 MB of echoes
  const closed = once(ws, "close");
  // Meanwhile another client is served at once.
  const other = new Socket(url, { path: "/engine.io/", transports: ["websocket"] });
  await withTimeout(once(other, "open"), 5000, "second client");
  other.send("still here");
  assert.equal(await withTimeout(once(other, "message"), 5000, "echo"), "still here");
  other.close();
  ws._socket.resume();
  ws.resume();
  // 1008 (policy violation): its write queue went over the bound, before any
  // ping timeout could end it.
  assert.equal(await withTimeout(closed, 10000, "the stalled session's close"), 1008);
});
