// Room page: the room's current readings and a history chart of one sensor
// for any range (uPlot, embedded under /vendor/). Raw rows are drawn as a
// line; hourly rows (the server downsamples old data) as the average with a
// min/max band. The CSV link asks the server for the same range.

import { get } from './api.js';
import { start_page } from './nav.js';
import { house, sensor_key } from './house.js';
import { el, clear, ago, format_value, kind_label, kind_rank, notify } from './format.js';

const model = new house();
const room_id = new URLSearchParams(location.search).get('id');
let plot = null;

const hour_ms = 3600 * 1000;

function local_input(ts) {
  const d = new Date(ts - new Date(ts).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

function set_range(hours) {
  const to = Date.now();
  document.getElementById('from').value = local_input(to - hours * hour_ms);
  document.getElementById('to').value = local_input(to);
  for (const b of document.querySelectorAll('.presets button')) {
    b.classList.toggle('selected', Number(b.dataset.hours) === hours);
  }
}

function query() {
  const key = document.getElementById('sensor').value;
  const s = model.sensors.get(key);
  if (!s) return null;
  const from = new Date(document.getElementById('from').value).getTime();
  // The inputs have minute resolution: "to 14:05" includes 14:05:59, so a
  // preset range ending now shows the readings of the current minute.
  const to = new Date(document.getElementById('to').value).getTime() + 59999;
  if (!(from < to)) throw new Error('The start of the range must be before its end.');
  const points = Math.max(100, Math.min(4000, Math.round(document.getElementById('chart').clientWidth || 600)));
  const q = new URLSearchParams({ node: s.node, kind: s.kind, sensor: s.sensor, from, to, points });
  return { s, q };
}

async function show() {
  notify('');
  let req;
  try {
    req = query();
  } catch (e) {
    notify(e.message, 'error');
    return;
  }
  if (!req) return;
  document.getElementById('csv').href = `/api/history.csv?${req.q}`;
  const h = await get(`/api/history?${req.q}`);
  draw(req.s, h);
}

function draw(s, h) {
  const box = clear(document.getElementById('chart'));
  if (plot) { plot.destroy(); plot = null; }
  const hourly = h.resolution === 'hour';
  const rows = h.rows || [];
  document.getElementById('resolution').textContent =
    `${rows.length} ${hourly ? 'hourly rows (min/avg/max)' : 'readings'}`;
  box.dataset.resolution = h.resolution;
  box.dataset.rows = rows.length;
  if (!rows.length) {
    box.append(el('p', { class: 'empty', text: 'No readings in this range.' }));
    return;
  }
  const unit = h.unit || s.unit || '';
  const xs = rows.map((r) => r[0] / 1000);
  const label = `${kind_label(s.kind)}${unit ? ' (' + unit + ')' : ''}`;
  const fmt = (u, v) => (v === null || v === undefined ? '–' : `${+v.toFixed(2)}${unit ? ' ' + unit : ''}`);
  let data;
  let series;
  let bands;
  if (hourly) {
    data = [xs, rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])];
    series = [{}, { label: 'min', stroke: '#93c5fd', width: 1, value: fmt },
      { label: `${label} avg`, stroke: '#c2410c', width: 2, value: fmt },
      { label: 'max', stroke: '#93c5fd', width: 1, value: fmt }];
    bands = [{ series: [3, 1], fill: 'rgba(147, 197, 253, 0.3)' }];
  } else {
    data = [xs, rows.map((r) => r[1])];
    series = [{}, { label, stroke: '#c2410c', width: 2, value: fmt }];
  }
  const width = box.clientWidth || 600;
  plot = new window.uPlot({
    width, height: Math.max(200, Math.min(360, Math.round(width * 0.5))),
    series, bands, scales: { x: { time: true } },
    axes: [{}, { size: 56, values: (u, vals) => vals.map((v) => +v.toFixed(2)) }],
  }, data, box);
}

function render_current() {
  const list = clear(document.getElementById('current'));
  const sensors = [...model.sensors.values()].filter((s) => s.room === room_id)
    .sort((a, b) => kind_rank(a.kind) - kind_rank(b.kind));
  for (const s of sensors) {
    list.append(el('div', { class: 'reading' },
      el('dt', {}, kind_label(s.kind), el('small', { text: s.name || s.sensor })),
      el('dd', {}, el('span', { class: 'value', text: format_value(s) }), el('small', { class: 'seen', text: ago(s.ts) }))));
  }
  const select = clear(document.getElementById('sensor'));
  for (const s of sensors) {
    if (typeof s.value === 'string') continue;  // only numeric series have a chart
    select.append(el('option', { value: sensor_key(s), text: `${kind_label(s.kind)} · ${s.name || s.sensor}` }));
  }
  if (!sensors.length) list.append(el('p', { class: 'empty', text: 'No sensors in this room.' }));
}

async function main() {
  await start_page();
  model.load(await get('/api/house'));
  const name = model.room_name(room_id);
  if (!name) {
    notify('No such room.', 'error');
    return;
  }
  document.getElementById('room-name').textContent = name;
  document.title = `${name} · Hearth`;
  render_current();
  const wanted = new URLSearchParams(location.search).get('sensor');
  if (wanted && model.sensors.has(wanted)) document.getElementById('sensor').value = wanted;
  set_range(24);
  for (const b of document.querySelectorAll('.presets button')) {
    b.addEventListener('click', () => { set_range(Number(b.dataset.hours)); show().catch((e) => notify(e.message, 'error')); });
  }
  document.getElementById('range').addEventListener('submit', (ev) => {
    ev.preventDefault();
    for (const b of document.querySelectorAll('.presets button')) b.classList.remove('selected');
    show().catch((e) => notify(e.message, 'error'));
  });
  document.getElementById('sensor').addEventListener('change', () => show().catch((e) => notify(e.message, 'error')));
  new ResizeObserver(() => {
    const box = document.getElementById('chart');
    if (plot && Math.abs(plot.width - box.clientWidth) > 4) plot.setSize({ width: box.clientWidth, height: plot.height });
  }).observe(document.getElementById('chart'));
  await show();
}

main().catch((e) => notify(e.message, 'error'));
