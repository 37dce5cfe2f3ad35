// Dashboard: one card per room with its live readings, relay switches and the
// state of the nodes that serve it; an alarm banner on top. Cards are rebuilt
// only when the structure changes (a new sensor, a re-assigned room); values
// are updated in place so a switch keeps its focus while readings stream in.

import { start_page } from './nav.js';
import { house, sensor_key, relay_key } from './house.js';
import { connect_live } from './live.js';
import { trend } from './trend.js';
import { el, clear, ago, format_value, kind_label, kind_rank, notify } from './format.js';

const model = new house();
let live = null;
let who = null;
let built_version = -1;
let frame = 0;

function schedule() {
  if (!frame) frame = requestAnimationFrame(() => { frame = 0; render(); });
}

function render() {
  if (built_version !== model.structure_version) build();
  update();
}

function room_list() {
  const rooms = [...model.rooms.values()].sort((a, b) => a.name.localeCompare(b.name));
  const unassigned = [...model.sensors.values(), ...model.relays.values()].some((x) => x.room === null);
  if (unassigned) rooms.push({ id: null, name: 'Not in a room' });
  return rooms;
}

function build() {
  built_version = model.structure_version;
  const box = clear(document.getElementById('rooms'));
  const rooms = room_list();
  if (!rooms.length) {
    box.append(el('p', { class: 'empty' }, 'No rooms yet. ',
      who && who.role === 'admin' ? el('a', { href: '/pairing.html', text: 'Pair devices' }) : 'Ask an administrator to pair devices.'));
    return;
  }
  for (const room of rooms) box.append(room_card(room));
}

function room_card(room) {
  const sensors = [...model.sensors.values()].filter((s) => s.room === room.id)
    .sort((a, b) => kind_rank(a.kind) - kind_rank(b.kind) || (a.name || a.sensor).localeCompare(b.name || b.sensor));
  const relays = [...model.relays.values()].filter((r) => r.room === room.id)
    .sort((a, b) => (a.name || a.relay).localeCompare(b.name || b.relay));
  const title = room.id === null ? el('span', { text: room.name })
    : el('a', { href: `/room.html?id=${encodeURIComponent(room.id)}`, text: room.name });
  return el('article', { class: 'card', dataset: { room: room.id === null ? '' : room.id } },
    el('h2', {}, title),
    el('ul', { class: 'nodes' }, model.nodes_in_room(room.id).map((n) =>
      el('li', { class: 'node', dataset: { node: n.node } },
        el('span', { class: 'dot', 'aria-hidden': 'true' }), el('span', { class: 'node-name', text: n.node }),
        el('span', { class: 'node-state' }), el('span', { class: 'seen' })))),
    sensors.length ? el('dl', { class: 'readings' }, sensors.map(sensor_row)) : null,
    relays.length ? el('div', { class: 'relays' }, relays.map(relay_row)) : null,
    !sensors.length && !relays.length ? el('p', { class: 'empty', text: 'Nothing assigned yet.' }) : null);
}

function sensor_row(s) {
  return el('div', { class: 'reading', dataset: { key: sensor_key(s), node: s.node, kind: s.kind, sensor: s.sensor } },
    el('dt', {}, kind_label(s.kind), el('small', { text: s.name || s.sensor })),
    el('dd', {}, el('span', { class: 'value' }), el('small', { class: 'seen' })));
}

function relay_row(r) {
  const key = relay_key(r);
  const label = r.name || r.relay;
  return el('div', { class: 'relay', dataset: { key, node: r.node, relay: r.relay } },
    el('span', { class: 'relay-name', text: label }),
    el('button', { type: 'button', class: 'switch', role: 'switch', 'aria-label': `${label} (${r.node})`,
      onclick: () => toggle(key) }, el('span', { class: 'knob', 'aria-hidden': 'true' })),
    el('span', { class: 'relay-state' }));
}

async function toggle(key) {
  const r = model.relays.get(key);
  if (!r || r.ui.want) return;
  const want = model.begin_command(key);
  render();  // now, not on the next frame: a fast agent may confirm before it
  const ack = await live.command(r.node, r.relay, want);
  if (!ack || !ack.ok) {
    model.command_refused(key, (ack && ack.error) || 'command refused');
    schedule();
  }
}

// DOM writes only where something changed: updates run on every event.
function set_text(node, text) {
  if (node.textContent !== text) node.textContent = text;
}
function set_data(node, key, value) {
  if (node.dataset[key] !== value) node.dataset[key] = value;
}

function update() {
  const now = Date.now();
  for (const row of document.querySelectorAll('.reading')) {
    const s = model.sensors.get(row.dataset.key);
    if (!s) continue;
    const alarm = model.alarms.get(`${s.node}/${s.kind}`);
    const alarming = s.kind === 'gas' && alarm && alarm.active;
    set_text(row.querySelector('.value'), alarming ? `ALARM ${format_value(s)}` : format_value(s));
    set_text(row.querySelector('.seen'), s.ts ? ago(s.ts, now) : '');
    set_data(row, 'ts', String(s.ts || ''));
    row.classList.toggle('alarm', !!alarming);
    row.classList.toggle('active', s.kind === 'motion' && !!s.value);
  }
  for (const row of document.querySelectorAll('.relay')) {
    const r = model.relays.get(row.dataset.key);
    if (!r) continue;
    const view = model.relay_view(r);
    const btn = row.querySelector('.switch');
    const shown = r.ui.want || r.state;
    const checked = shown === 'on' ? 'true' : 'false';
    if (btn.getAttribute('aria-checked') !== checked) btn.setAttribute('aria-checked', checked);
    if (btn.disabled !== (view === 'pending')) btn.disabled = view === 'pending';
    set_data(row, 'state', view);
    set_data(row, 'relayState', r.state || '');
    set_text(row.querySelector('.relay-state'),
      view === 'pending' ? `pending ${r.ui.want ? '→ ' + r.ui.want : ''}`.trim()
        : view === 'failed' ? `failed: ${r.ui.failed}` : r.state || '?');
  }
  for (const li of document.querySelectorAll('.node')) {
    const n = model.nodes.get(li.dataset.node);
    const online = !!(n && n.online);
    li.classList.toggle('online', online);
    li.classList.toggle('offline', !online);
    set_data(li, 'online', online ? 'true' : 'false');
    set_text(li.querySelector('.node-state'), online ? 'online' : 'offline');
    set_text(li.querySelector('.seen'), n && n.last_seen ? `seen ${ago(n.last_seen, now)}` : '');
  }
  update_alarms();
}

function update_alarms() {
  const banner = document.getElementById('alarms');
  const active = model.active_alarms();
  // Rebuilt only when it changes: a role=alert region is read out on change.
  const signature = JSON.stringify(active.map((a) => [a.node, a.kind, a.room, a.value, a.ts]));
  if (banner.dataset.signature === signature) return;
  banner.dataset.signature = signature;
  banner.hidden = active.length === 0;
  clear(banner);
  for (const a of active) {
    const where = model.room_name(a.room) || a.node;
    banner.append(el('p', { dataset: { node: a.node, kind: a.kind } },
      el('strong', { text: `${kind_label(a.kind)} alarm` }), ` in ${where}`,
      a.value !== null && a.value !== undefined ? ` (${a.value})` : '',
      a.ts ? ` since ${new Date(a.ts).toLocaleTimeString()}` : ''));
  }
}

function set_live(state) {
  const badge = document.getElementById('live');
  badge.dataset.state = state;
  badge.textContent = { live: 'live', offline: 'reconnecting…', error: 'server unreachable' }[state] || state;
}

async function main() {
  who = await start_page();
  const chart = new trend(document.getElementById('trend'));
  let chart_loaded = false;
  live = connect_live(model, () => {
    schedule();
    // After the first snapshot, and after the cards: the chart may take longer.
    if (!chart_loaded && model.structure_version > 0) {
      chart_loaded = true;
      requestAnimationFrame(() => chart.load(model).catch((e) => notify(`History: ${e.message}`, 'error')));
    }
  }, set_live);
  live.socket.on('reading', (ev) => chart.add(ev));
  setInterval(() => { model.expire(); schedule(); }, 1000);
}

main().catch((e) => notify(e.message, 'error'));
