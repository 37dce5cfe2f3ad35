// Browser tests of the web UI against a real `hearthd --demo` (lib/target.mjs),
// driven by playwright-core with Debian's /usr/bin/chromium: login, live
// readings, relay switching, the Socket.IO session check, history charts, the
// first-load budget, a phone screen. admin.test.mjs has the admin pages.
// Run: HEARTHD=/path/to/hearthd HEARTH_E2E_ARTIFACTS=dir node ui.test.mjs
// Exit 77 (ctest: skipped) while hearthd has no web server.
// Artifacts: dashboard.png, dashboard-phone.png, chart.png, budget.json, hearthd-ui.log.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { io } from 'socket.io-client';
import { start_harness } from './lib/harness.mjs';

const h = await start_harness('ui');
const { target, artifacts } = h;
after(() => h.stop());

let session_cookie = null;  // set by the login test
let snapshot = null;

test('a wrong password is refused, by the page and by the API', async () => {
  const { context, page } = await h.new_page();
  await h.login_form(page, 'not-the-password');
  await page.locator('#status.error').waitFor();
  assert.match(await page.textContent('#status'), /wrong user name or password/i);
  assert.match(page.url(), /\/login\.html/);
  const res = await context.request.post('/api/login', { data: { username: target.user, password: 'still-wrong' } });
  assert.equal(res.status(), 401);
  assert.deepEqual(await res.json(), { error: 'bad credentials' });
  const house = await context.request.get('/api/house');
  assert.equal(house.status(), 401, 'no session, no house');
  await context.close();
  h.no_page_errors();
});

test('login, then the dashboard shows the rooms with live readings', async () => {
  const { context, page } = await h.new_page();
  await h.login_form(page);
  await page.waitForURL((u) => u.pathname === '/');
  await page.locator('.card').first().waitFor();
  await page.locator('#live[data-state="live"]').waitFor();
  snapshot = await (await context.request.get('/api/house')).json();
  assert.ok(snapshot.rooms.length >= 1, 'the demo has rooms');
  const cards = await page.locator('.card h2').allTextContents();
  for (const r of snapshot.rooms) assert.ok(cards.includes(r.name), `a card for ${r.name} (cards: ${cards})`);
  session_cookie = (await context.cookies()).find((c) => c.name === 'hearth_session');
  assert.ok(session_cookie, 'hearth_session cookie set');
  assert.ok(session_cookie.httpOnly, 'session cookie is HttpOnly');
  assert.equal(session_cookie.sameSite, 'Strict');

  // A reading published by a simulated agent appears without a reload.
  const row = page.locator('.reading[data-kind="temperature"]').first();
  await row.waitFor();
  const ts0 = Number(await row.getAttribute('data-ts')) || 0;
  await page.waitForFunction((t) => {
    const r = document.querySelector('.reading[data-kind="temperature"]');
    return r && Number(r.dataset.ts) > t;
  }, ts0, { timeout: 20000 });

  // And a reading we publish as a satellite shows up with its value.
  const sensor = snapshot.sensors.find((s) => s.kind === 'temperature');
  assert.ok(sensor, 'the demo has a thermometer');
  const sel = `.reading[data-node="${sensor.node}"][data-kind="temperature"][data-sensor="${sensor.sensor}"]`;
  await page.evaluate((s) => {
    window.__seen = [];
    new MutationObserver(() => {
      const v = document.querySelector(`${s} .value`);
      if (v) window.__seen.push(v.textContent);
    }).observe(document.getElementById('rooms'), { childList: true, characterData: true, subtree: true });
  }, sel);
  const c = await h.mqtt_client();
  await c.publishAsync(`home/${sensor.node}/temperature`, JSON.stringify({ [sensor.sensor]: 42.42 }), { qos: 1 });
  await c.endAsync();
  await page.waitForFunction(() => window.__seen.some((t) => t.startsWith('42.4')), null, { timeout: 10000 });

  // The 24-hour chart under the cards draws (history, then live readings).
  await page.locator('#trend canvas').waitFor({ timeout: 20000 });
  await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), fullPage: true });
  await context.close();
  h.no_page_errors();
});

test('switching a light: pending, the agent switches its relay, the UI confirms', async () => {
  assert.ok(snapshot, 'needs the login test');
  const relay = snapshot.relays.find((r) => /light/.test(r.relay)) || snapshot.relays[0];
  assert.ok(relay, 'the demo has a relay');
  const { context, page } = await h.new_page();
  await context.addCookies([session_cookie]);
  await page.goto('/');
  const row = page.locator(`.relay[data-node="${relay.node}"][data-relay="${relay.relay}"]`);
  await row.waitFor();
  await page.locator('#live[data-state="live"]').waitFor();
  const before_state = await row.getAttribute('data-relay-state');
  const want = before_state === 'on' ? 'off' : 'on';

  const c = await h.mqtt_client();
  const seen = [];
  c.on('message', (topic, payload) => seen.push(`${topic} ${payload}`));
  await c.subscribeAsync([`home/${relay.node}/relay/${relay.relay}`, `home/${relay.node}/relay/${relay.relay}/set`], { qos: 1 });
  await page.evaluate((n) => {
    // The cards may be rebuilt (a new device appears): watch the whole grid.
    window.__states = [];
    const row = () => document.querySelector(`.relay[data-node="${n.node}"][data-relay="${n.relay}"]`);
    let last = row().dataset.state;
    new MutationObserver(() => {
      const r = row();
      if (r && r.dataset.state !== last) window.__states.push(last = r.dataset.state);
    }).observe(document.getElementById('rooms'), { attributes: true, childList: true, subtree: true });
  }, relay);
  await row.locator('.switch').click();
  await page.waitForFunction(({ n, want }) => {
    const r = document.querySelector(`.relay[data-node="${n.node}"][data-relay="${n.relay}"]`);
    return r.dataset.state === want && r.dataset.relayState === want;
  }, { n: relay, want }, { timeout: 15000 });
  const states = await page.evaluate(() => window.__states);
  assert.equal(states[0], 'pending', `pending first, then confirmed (${states})`);
  assert.equal(await row.locator('.switch').getAttribute('aria-checked'), want === 'on' ? 'true' : 'false');
  // The central published the command and the agent reported the new state.
  const deadline = Date.now() + 5000;
  while (!seen.includes(`home/${relay.node}/relay/${relay.relay} ${want}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(seen.some((s) => s.startsWith(`home/${relay.node}/relay/${relay.relay}/set `)), `command published (${seen})`);
  assert.ok(seen.includes(`home/${relay.node}/relay/${relay.relay} ${want}`), `agent reported ${want} (${seen})`);
  await c.endAsync();

  // The audit log (admin) has the command.
  await page.goto('/audit.html');
  await page.locator('#audit tr').first().waitFor();
  const audit = await page.textContent('#audit');
  assert.ok(audit.includes(relay.relay), `audit log mentions ${relay.relay}`);
  await context.close();
  h.no_page_errors();
});

test('the Socket.IO connection is refused without a session, accepted with one', async () => {
  assert.ok(session_cookie, 'needs the login test');
  const attempt = (opts) => new Promise((resolve) => {
    const s = io(target.base, { path: '/socket.io/', reconnection: false, rejectUnauthorized: false, timeout: 5000, ...opts });
    s.on('connect', () => { s.close(); resolve({ connected: true }); });
    s.on('connect_error', (e) => { s.close(); resolve({ connected: false, message: e.message }); });
  });
  assert.deepEqual(await attempt({}), { connected: false, message: 'login required' });
  assert.deepEqual(await attempt({ extraHeaders: { cookie: 'hearth_session=forged' } }), { connected: false, message: 'login required' });
  assert.deepEqual(await attempt({ extraHeaders: { cookie: `hearth_session=${session_cookie.value}` } }), { connected: true });
});

test('a room page draws a history chart and offers the CSV', async () => {
  assert.ok(snapshot, 'needs the login test');
  const sensor = snapshot.sensors.find((s) => s.kind === 'temperature' && s.room !== null);
  assert.ok(sensor, 'a thermometer in a room');
  const room = snapshot.rooms.find((r) => String(r.id) === String(sensor.room) || r.name === sensor.room);
  const { context, page } = await h.new_page();
  await context.addCookies([session_cookie]);
  await page.goto(`/room.html?id=${encodeURIComponent(room.id)}&sensor=${encodeURIComponent(`${sensor.node}/temperature/${sensor.sensor}`)}`);
  await page.locator('#room-name', { hasText: room.name }).waitFor();
  // Readings arrive every few seconds: ask again until the range has two.
  const deadline = Date.now() + 20000;
  for (;;) {
    await page.locator('.presets button[data-hours="1"]').click();
    await page.locator('#chart[data-rows]').waitFor();
    if (Number(await page.getAttribute('#chart', 'data-rows')) >= 2) break;
    assert.ok(Date.now() < deadline, 'two readings within 20 s');
    await page.waitForTimeout(1000);
  }
  await page.locator('#chart canvas').waitFor();
  await page.locator('.history').screenshot({ path: path.join(artifacts, 'chart.png') });
  const href = await page.getAttribute('#csv', 'href');
  assert.match(href, /^\/api\/history\.csv\?/);
  const csv = await context.request.get(href);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-type'], /text\/csv/);
  const lines = (await csv.text()).trim().split('\n');
  assert.ok(lines.length >= 3, `header and rows (${lines.length} lines)`);
  await context.close();
  h.no_page_errors();
});

test('first load of the dashboard: requests and gzipped bytes within budget', async () => {
  assert.ok(session_cookie, 'needs the login test');
  const { context, page } = await h.new_page();
  await context.addCookies([session_cookie]);
  const requests = [];
  page.on('requestfinished', async (req) => {
    const res = await req.response();
    const body = res ? await res.body().catch(() => Buffer.alloc(0)) : Buffer.alloc(0);
    requests.push({ url: req.url(), bytes: body.length, gzip: zlib.gzipSync(body).length });
  });
  await page.goto('/');
  await page.locator('#live[data-state="live"]').waitFor();
  await page.waitForLoadState('networkidle', { timeout: 3000 }).catch(() => {});
  const local = (u) => u.startsWith(target.base);
  assert.deepEqual(requests.filter((r) => !local(r.url)).map((r) => r.url), [], 'no request leaves the house');
  const http = requests.filter((r) => !r.url.includes('/socket.io/')).map((r) => ({ ...r, url: r.url.slice(target.base.length) }));
  const budget = {
    requests: http.length, bytes: http.reduce((a, r) => a + r.bytes, 0), gzip_bytes: http.reduce((a, r) => a + r.gzip, 0),
    socket_io_requests: requests.length - http.length, files: http,
  };
  fs.writeFileSync(path.join(artifacts, 'budget.json'), JSON.stringify(budget, null, 2));
  console.log(`dashboard first load: ${budget.requests} requests, ${budget.bytes} bytes, ${budget.gzip_bytes} gzipped (+${budget.socket_io_requests} Socket.IO)`);
  assert.equal(http.filter((r) => r.url === '/api/house').length, 1, 'one snapshot');
  assert.ok(budget.requests <= 20, `at most 20 requests (${budget.requests})`);
  assert.ok(budget.gzip_bytes <= 100 * 1024, `at most 100 KiB gzipped (${budget.gzip_bytes})`);
  await context.close();
  h.no_page_errors();
});

test('the dashboard works on a phone screen', async () => {
  const { context, page } = await h.new_page({ width: 390, height: 844 });
  await context.addCookies([session_cookie]);
  await page.goto('/');
  await page.locator('.card').first().waitFor();
  await page.locator('#live[data-state="live"]').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
  await page.screenshot({ path: path.join(artifacts, 'dashboard-phone.png'), fullPage: true });
  await context.close();
  h.no_page_errors();
});
