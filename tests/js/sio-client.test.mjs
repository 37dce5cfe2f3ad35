// The official socket.io-client 4.x (pinned in package-lock.json) against
// hearth-sio-testserver and its conformance handlers (sio_conformance.hpp):
// both transports and the upgrade, events, acks both ways, binary,
// namespaces, a refused namespace, and a client that stops reading.
//
// The server binary comes from HEARTH_SIO_TESTSERVER; each test file run
// starts its own on port 0 (the port is read from its "listening" line).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { io } from "socket.io-client";
import { WebSocket } from "ws";

const binary = process.env.HEARTH_SIO_TESTSERVER;
let server;
let url;

function connect(path = "/", opts = {}) {
  return io(url + path, { forceNew: true, reconnection: false, timeout: 3000, ...opts });
}

async function connected(socket) {
  if (!socket.connected) await once(socket, "connect");
  return socket;
}

// The next `event` on `socket`, with its arguments.
function next(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

before(async function () {
  assert.ok(binary, "set HEARTH_SIO_TESTSERVER to the hearth-sio-testserver binary");
  server = spawn(binary, ["--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  await new Promise((resolve, reject) => {
    server.on("exit", (code) => reject(new Error(`hearth-sio-testserver exited with ${code}`)));
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /listening http 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        url = `http://127.0.0.1:${m[1]}`;
        resolve();
      }
    });
  });
});

after(async function () {
  if (!server || server.exitCode !== null) return;
  server.removeAllListeners("exit");
  server.kill("SIGTERM");
  const [code] = await once(server, "exit");
  assert.equal(code, 0, "hearth-sio-testserver should exit cleanly on SIGTERM");
});

describe("socket.io-client against hearth-sio-testserver", function () {
  const sockets = [];
  const track = (s) => (sockets.push(s), s);
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });

  it("connects over polling, then upgrades to WebSocket", async () => {
    const s = track(connect("/", { transports: ["polling", "websocket"] }));
    const [auth] = await next(s, "auth");
    assert.deepEqual(auth, {});
    const engine = s.io.engine;
    if (engine.transport.name !== "websocket") await once(engine, "upgrade");
    assert.equal(engine.transport.name, "websocket");
    s.emit("message", "after upgrade", 1);
    assert.deepEqual(await next(s, "message-back"), ["after upgrade", 1]);
  });

  it("stays on polling when told to, with events both ways", async () => {
    const s = track(connect("/", { transports: ["polling"] }));
    await connected(s);
    s.emit("message", { nested: [1, "two", null, true] }, 3.5);
    assert.deepEqual(await next(s, "message-back"), [{ nested: [1, "two", null, true] }, 3.5]);
    assert.equal(s.io.engine.transport.name, "polling");
  });

  it("connects with WebSocket only and sends the auth payload", async () => {
    const s = track(connect("/", { transports: ["websocket"], auth: { token: "abc" } }));
    const [auth] = await next(s, "auth");
    assert.deepEqual(auth, { token: "abc" });
    assert.equal(s.io.engine.transport.name, "websocket");
    assert.ok(s.id && s.id.length > 0);
  });

  it("acknowledges client events", async () => {
    const s = track(connect());
    await connected(s);
    const reply = await new Promise((resolve) => s.emit("message-with-ack", 1, "2", { 3: [false] }, (...a) => resolve(a)));
    assert.deepEqual(reply, [1, "2", { 3: [false] }]);
    const first = await s.timeout(2000).emitWithAck("message-with-ack", "only");
    assert.equal(first, "only");
  });

  it("answers server events that ask for an acknowledgement", async () => {
    const s = track(connect());
    await connected(s);
    // The server emits "emit-with-ack" with our arguments and an ack request,
    // then emits our ack's arguments back as "emit-with-ack".
    const asked = next(s, "emit-with-ack");
    s.emit("emit-with-ack", "question", 42);
    const args = await asked;
    const ack = args.pop();
    assert.equal(typeof ack, "function");
    assert.deepEqual(args, ["question", 42]);
    const back = next(s, "emit-with-ack");
    ack("answer", { ok: true });
    assert.deepEqual(await back, ["answer", { ok: true }]);
  });

  for (const transports of [["websocket"], ["polling"]]) {
    it(`carries binary attachments both ways (${transports[0]})`, async () => {
      const s = track(connect("/", { transports }));
      await connected(s);
      const blob = Buffer.from([0, 1, 2, 253, 254, 255]);
      s.emit("message", "bin", blob, { inner: Buffer.from("inner") });
      const [name, b, obj] = await next(s, "message-back");
      assert.equal(name, "bin");
      assert.deepEqual(Buffer.from(b), blob);
      assert.deepEqual(Buffer.from(obj.inner), Buffer.from("inner"));

      const acked = await new Promise((resolve) => s.emit("message-with-ack", Buffer.alloc(100000, 7), (...a) => resolve(a)));
      assert.equal(acked.length, 1);
      assert.deepEqual(Buffer.from(acked[0]), Buffer.alloc(100000, 7));
    });
  }

  it("multiplexes namespaces over one connection", async () => {
    const main = track(connect("/", { transports: ["websocket"] }));
    const custom = track(main.io.socket("/custom", { auth: { token: "c" } }));
    custom.connect();
    const [[mainAuth], [customAuth]] = await Promise.all([next(main, "auth"), next(custom, "auth")]);
    assert.deepEqual(mainAuth, {});
    assert.deepEqual(customAuth, { token: "c" });
    custom.emit("message", "to custom");
    main.emit("message", "to main");
    const [a, b] = await Promise.all([next(custom, "message-back"), next(main, "message-back")]);
    assert.deepEqual(a, ["to custom"]);
    assert.deepEqual(b, ["to main"]);
    custom.disconnect();
    main.emit("message", "main still works");
    assert.deepEqual(await next(main, "message-back"), ["main still works"]);
  });

  it("reports a refused namespace as connect_error", async () => {
    const s = track(connect("/random"));
    const [err] = await next(s, "connect_error");
    assert.equal(err.message, "Invalid namespace");
    assert.equal(s.connected, false);
  });

  it("disconnects a client that stops reading, without slowing the others", async function () {
    // A raw Engine.IO/Socket.IO client that floods events whose echoes it
    // never reads: the server must drop it (write queue bound or ping
    // timeout) while a well-behaved client keeps its round trips short.
    const ws = new WebSocket(url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket");
    const [open] = await once(ws, "message");
    assert.match(String(open), /^0\{/); // the Engine.IO open packet
    ws.send("40");
    const [reply] = await once(ws, "message");
    assert.match(String(reply), /^40\{"sid":/);
    ws._socket.pause(); // stop reading: pings, echoes, everything
    const chunk = "x".repeat(64 * 1024);
    const closed = once(ws, "close");
    let sent = 0;
    const flood = setInterval(() => {
      for (let i = 0; i < 16 && ws.readyState === WebSocket.OPEN; i++, sent++) ws.send(`42["message","${chunk}"]`);
    }, 5);

    const good = track(connect("/", { transports: ["websocket"] }));
    await connected(good);
    const rtts = [];
    for (let i = 0; i < 10; i++) {
      const t0 = Date.now();
      await s_emit(good, i);
      rtts.push(Date.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    ws._socket.resume(); // let the close arrive
    await Promise.race([closed, new Promise((_, rej) => setTimeout(() => rej(new Error("slow client not closed")), 5000))]);
    clearInterval(flood);
    assert.ok(sent > 16, `the flood sent ${sent} messages`);
    assert.ok(Math.max(...rtts) < 500, `round trips of the good client: ${rtts.join(",")} ms`);
  });
});

function s_emit(socket, i) {
  return new Promise((resolve) => socket.emit("message-with-ack", i, () => resolve()));
}
