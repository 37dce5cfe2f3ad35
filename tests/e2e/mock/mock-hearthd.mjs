// DEV-ONLY MOCK of hearthd's web API (see README.md). Not used by CI.
// node mock-hearthd.mjs --mqtt mqtt://127.0.0.1:PORT --port 0 --user admin --password PW [--simulate]
// Logs "listening http 127.0.0.1:PORT" like hearthd does.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';
import mqtt from 'mqtt';
import { start_simulator } from './simulator.mjs';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean)
  .map((a) => { const [k, ...v] = a.trim().split(' '); return [k, v.join(' ') || true]; }));
const assets = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../assets');
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

const users = new Map([[args.user || 'admin', { password: args.password || 'admin', role: 'admin' }]]);
const sessions = new Map();  // token -> {user, role, csrf}
const audit = [];
const state = { rooms: [{ id: 1, name: 'Kitchen' }, { id: 2, name: 'Garden' }, { id: 3, name: 'Bedroom' }],
  nodes: new Map(), sensors: new Map(), relays: new Map(), alarms: new Map(), pairing: new Map(), history: new Map() };
let next_room = 4;
const default_room = { kitchen: 1, garden: 2, bedroom: 3 };
const units = { temperature: '°C', humidity: '%', moisture: '%', gas: 'ppm' };

const broker = mqtt.connect(args.mqtt, { username: args['mqtt-user'], password: args['mqtt-password'] });
broker.on('connect', () => broker.subscribe('home/#', { qos: 1 }));
let io = null;
const emit = (ev, data) => io && io.emit(ev, data);

broker.on('message', (topic, buf, packet) => {
  const p = topic.split('/');
  const text = buf.toString();
  const now = Date.now();
  if (p.length < 3 || p[0] !== 'home') return;
  const node = p[1];
  const n = state.nodes.get(node) || { node, online: false, last_seen: null };
  state.nodes.set(node, n);
  if (p[2] === 'status') {
    n.online = text === 'online';
    if (!packet.retain) n.last_seen = now;
    emit('node', n);
  } else if (p[2] === 'relay' && p.length === 4) {
    const key = `${node}/${p[3]}`;
    const r = state.relays.get(key) || { node, relay: p[3], name: null, room: default_room[node] ?? null, state: null, pending: false };
    clearTimeout(r.timer);
    r.state = text; r.pending = false; state.relays.set(key, r);
    emit('relay', relay_json(r));
  } else if (p.length === 3) {
    let obj; try { obj = JSON.parse(text); } catch { return; }
    const ts = obj.ts || now;
    n.last_seen = now; n.online = true;
    for (const [sensor, value] of Object.entries(obj)) {
      if (sensor === 'ts') continue;
      const key = `${node}/${p[2]}/${sensor}`;
      let s = state.sensors.get(key);
      if (!s) {
        const paired = state.pairing.get(sensor);
        // The simulated rooms come pre-paired (but for new-*); anything else is a new device.
        const known = node in default_room && !sensor.startsWith('new-');
        s = { node, kind: p[2], sensor, name: null, room: paired ?? (known ? default_room[node] : null),
          unit: units[p[2]] || '', first_seen: now, paired: known || paired !== undefined };
        state.sensors.set(key, s);
      }
      s.value = value; s.ts = ts;
      const h = state.history.get(key) || []; h.push([ts, value]); state.history.set(key, h);
      emit('reading', { node, kind: s.kind, sensor, room: s.room, value, unit: s.unit, ts });
      if (p[2] === 'gas') {
        const a = { node, kind: 'gas', room: s.room, active: value > 400, value, ts };
        const old = state.alarms.get(node);
        state.alarms.set(node, a);
        if (!old || old.active !== a.active) emit('alarm', a);
      }
    }
  }
});

const relay_json = (r) => ({ node: r.node, relay: r.relay, name: r.name, room: r.room, state: r.state, pending: r.pending });

function command(user, node, relay, want) {
  const r = state.relays.get(`${node}/${relay}`);
  if (!r) return { ok: false, error: 'unknown relay' };
  if (!['on', 'off', 'toggle'].includes(want)) return { ok: false, error: 'bad state' };
  broker.publish(`home/${node}/relay/${relay}/set`, want, { qos: 1 });
  r.pending = true;
  emit('relay', relay_json(r));
  const entry = { ts: Date.now(), user, action: 'command', detail: `${node}/${relay} ${want}`, outcome: 'pending' };
  audit.unshift(entry);
  clearTimeout(r.timer);
  r.timer = setTimeout(() => { r.pending = false; entry.outcome = 'timeout'; emit('relay', relay_json(r)); }, 8000);
  const was = r.state;
  const check = setInterval(() => { if (!r.pending) { clearInterval(check); if (entry.outcome === 'pending') entry.outcome = r.state !== was || want === r.state ? 'ok' : 'failed'; } }, 100);
  return { ok: true };
}

function history(q) {
  const key = `${q.get('node')}/${q.get('kind')}/${q.get('sensor')}`;
  const s = state.sensors.get(key);
  if (!s) return null;
  const from = Number(q.get('from')), to = Number(q.get('to'));
  const base = ({ temperature: 20, humidity: 50, moisture: 40, gas: 120 }[s.kind] ?? 0) + (s.node.length % 4) - 1.5;
  const synth = (t) => base + 3 * Math.sin(t / 3.6e6 / 24 * 2 * Math.PI) + Math.sin(t / 7e5);
  if (to - from > 2 * 86400e3) {
    const rows = [];
    for (let t = Math.ceil(from / 3.6e6) * 3.6e6; t < to; t += 3.6e6) {
      const v = synth(t);
      rows.push([t, +(v - 1.2).toFixed(2), +v.toFixed(2), +(v + 1.3).toFixed(2)]);
    }
    return { resolution: 'hour', unit: s.unit, rows };
  }
  const rows = [];
  for (let t = from; t < Math.min(to, s.first_seen); t += 60e3) rows.push([t, +synth(t).toFixed(2)]);
  for (const r of state.history.get(key) || []) if (r[0] >= from && r[0] <= to) rows.push(r);
  const points = Number(q.get('points')) || 1000;
  const step = Math.ceil(rows.length / points);
  return { resolution: 'raw', unit: s.unit, rows: rows.filter((r, i) => i % step === 0 || i === rows.length - 1) };
}

function snapshot() {
  const rooms_ids = new Set(state.rooms.map((r) => r.id));
  const room = (x) => (rooms_ids.has(x) ? x : null);
  return {
    rooms: state.rooms,
    nodes: [...state.nodes.values()],
    sensors: [...state.sensors.values()].filter((s) => s.paired).map((s) => ({ node: s.node, kind: s.kind, sensor: s.sensor, name: s.name, room: room(s.room), value: s.value ?? null, unit: s.unit, ts: s.ts ?? null })),
    relays: [...state.relays.values()].map(relay_json),
    alarms: [...state.alarms.values()],
    new_devices: [...state.sensors.values()].filter((s) => !s.paired).map((s) => ({ node: s.node, kind: s.kind, sensor: s.sensor, first_seen: s.first_seen })),
  };
}

function cookie_session(header) {
  const m = /(?:^|;\s*)hearth_session=([^;]+)/.exec(header || '');
  return m ? sessions.get(m[1]) : null;
}

async function body_of(req) {
  let b = '';
  for await (const c of req) b += c;
  return b;
}

async function api(req, res, url) {
  const send = (status, obj) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(obj)); };
  const m = req.method;
  const p = url.pathname;
  if (p === '/api/login' && m === 'POST') {
    let b; try { b = JSON.parse(await body_of(req)); } catch { return send(400, { error: 'bad json' }); }
    const u = users.get(b.username);
    if (!u || u.password !== b.password) { audit.unshift({ ts: Date.now(), user: b.username, action: 'login', detail: '', outcome: 'denied' }); return send(401, { error: 'bad credentials' }); }
    const token = crypto.randomBytes(24).toString('hex');
    const s = { user: b.username, role: u.role, csrf: crypto.randomBytes(16).toString('hex') };
    sessions.set(token, s);
    res.setHeader('Set-Cookie', `hearth_session=${token}; HttpOnly; SameSite=Strict; Path=/`);
    audit.unshift({ ts: Date.now(), user: s.user, action: 'login', detail: '', outcome: 'ok' });
    return send(200, s);
  }
  const s = cookie_session(req.headers.cookie);
  if (!s) return send(401, { error: 'login required' });
  if (m !== 'GET' && req.headers['x-csrf-token'] !== s.csrf) return send(403, { error: 'csrf' });
  const admin = () => { if (s.role !== 'admin') { send(403, { error: 'admin only' }); return false; } return true; };
  const json = async () => JSON.parse((await body_of(req)) || '{}');
  let mm;
  if (p === '/api/logout') { sessions.delete(/hearth_session=([^;]+)/.exec(req.headers.cookie)[1]); return send(200, {}); }
  if (p === '/api/me') return send(200, s);
  if (p === '/api/house') return send(200, snapshot());
  if (p === '/api/rooms' && m === 'POST' && admin()) { const r = { id: next_room++, name: (await json()).name }; state.rooms.push(r); return send(200, r); }
  if ((mm = /^\/api\/rooms\/(\d+)$/.exec(p)) && admin()) {
    const id = Number(mm[1]);
    if (m === 'PUT') { const r = state.rooms.find((x) => x.id === id); if (!r) return send(404, { error: 'no such room' }); r.name = (await json()).name; return send(200, r); }
    if (m === 'DELETE') { state.rooms = state.rooms.filter((x) => x.id !== id); return send(200, {}); }
  }
  if ((mm = /^\/api\/sensors\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(p)) && m === 'PUT' && admin()) {
    const sn = state.sensors.get(mm.slice(1).map(decodeURIComponent).join('/'));
    if (!sn) return send(404, { error: 'no such sensor' });
    const b = await json(); sn.name = b.name; sn.room = b.room; sn.paired = true; return send(200, {});
  }
  if ((mm = /^\/api\/relays\/([^/]+)\/([^/]+)$/.exec(p)) && m === 'PUT' && admin()) {
    const r = state.relays.get(mm.slice(1).map(decodeURIComponent).join('/'));
    if (!r) return send(404, { error: 'no such relay' });
    const b = await json(); r.name = b.name; r.room = b.room; return send(200, {});
  }
  if (p === '/api/pairing/import' && m === 'POST' && admin()) {
    let section = ''; let imported = 0; const errors = [];
    (await body_of(req)).split('\n').forEach((line, i) => {
      line = line.trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) return;
      const sec = /^\[(.+)\]$/.exec(line); if (sec) { section = sec[1]; return; }
      const kv = /^([^=]+)=(.*)$/.exec(line);
      if (!kv || section !== 'sensorspairing') { errors.push(`line ${i + 1}: not a sensor-id = room pair`); return; }
      const name = kv[2].trim();
      let r = state.rooms.find((x) => x.name === name); if (!r) { r = { id: next_room++, name }; state.rooms.push(r); }
      state.pairing.set(kv[1].trim(), r.id);
      for (const sn of state.sensors.values()) if (sn.sensor === kv[1].trim()) { sn.room = r.id; sn.paired = true; }
      imported++;
    });
    return send(200, { imported, errors });
  }
  if (p === '/api/history' || p === '/api/history.csv') {
    const h = history(url.searchParams);
    if (!h) return send(404, { error: 'no such sensor' });
    if (p === '/api/history') return send(200, h);
    const head = h.resolution === 'hour' ? 'ts,min,avg,max' : 'ts,value';
    res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="history.csv"' });
    return res.end([head, ...h.rows.map((r) => r.join(','))].join('\n') + '\n');
  }
  if (p === '/api/command' && m === 'POST') { const b = await json(); return send(200, command(s.user, b.node, b.relay, b.state)); }
  if (p === '/api/audit' && admin()) return send(200, audit.slice(0, Number(url.searchParams.get('limit') || 100)));
  if (p === '/api/users' && m === 'GET' && admin()) return send(200, [...users].map(([user, u]) => ({ user, role: u.role })));
  if (p === '/api/users' && m === 'POST' && admin()) { const b = await json(); users.set(b.username, { password: b.password, role: b.role }); return send(200, {}); }
  if ((mm = /^\/api\/users\/(.+)$/.exec(p)) && m === 'DELETE' && admin()) { users.delete(decodeURIComponent(mm[1])); return send(200, {}); }
  if (!res.headersSent) send(404, { error: 'not found' });
}

function serve_static(req, res, url) {
  let p = url.pathname === '/' ? '/index.html' : url.pathname;
  const file = path.join(assets, path.normalize(p));
  if (!file.startsWith(assets + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }); return res.end('not found');
  }
  res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream', 'Content-Security-Policy': csp, 'Cache-Control': 'no-cache' });
  fs.createReadStream(file).pipe(res);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/api/')) api(req, res, url).catch((e) => { res.writeHead(500); res.end(JSON.stringify({ error: String(e) })); });
  else serve_static(req, res, url);
});
io = new Server(server, { path: '/socket.io/' });
io.use((socket, next) => {
  const s = cookie_session(socket.handshake.headers.cookie);
  if (!s) return next(new Error('login required'));
  socket.data.session = s;
  next();
});
io.on('connection', (socket) => {
  socket.on('command', (c, ack) => { const r = command(socket.data.session.user, c.node, c.relay, c.state); if (typeof ack === 'function') ack(r); });
});
server.listen(Number(args.port || 0), '127.0.0.1', () => {
  console.log(`listening http 127.0.0.1:${server.address().port}`);
});
if (args.simulate) start_simulator(args.mqtt, { username: args['mqtt-user'], password: args['mqtt-password'] });
