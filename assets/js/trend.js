// The dashboard's history chart: the last 24 hours of one thermometer per
// room (the first by name), one line per room, from GET /api/history and then
// extended by live readings. uPlot comes from /vendor/uPlot.iife.min.js.

import { get } from './api.js';
import { clear, el } from './format.js';

const day_ms = 24 * 3600 * 1000;
const colors = ['#c2410c', '#2563eb', '#15803d', '#9333ea', '#b45309', '#0891b2', '#be123c', '#4d7c0f'];
const redraw_ms = 5000;

export class trend {
  constructor(box) {
    this.box = box;
    this.lines = [];  // {key, label, xs: [s], ys: []}
    this.plot = null;
    this.dirty = false;
    this.timer = 0;
  }

  // Picks the thermometers and loads their last day; resolves when drawn.
  async load(model) {
    const picked = new Map();
    const sensors = [...model.sensors.values()]
      .filter((s) => s.kind === 'temperature' && s.room !== null)
      .sort((a, b) => (a.name || a.sensor).localeCompare(b.name || b.sensor));
    for (const s of sensors) if (!picked.has(s.room)) picked.set(s.room, s);
    const to = Date.now();
    const from = to - day_ms;
    const points = Math.max(100, Math.min(500, Math.round((this.box.clientWidth || 600) / 2)));
    this.lines = await Promise.all([...picked.values()].map(async (s) => {
      const q = new URLSearchParams({ node: s.node, kind: s.kind, sensor: s.sensor, from, to, points });
      const h = await get(`/api/history?${q}`);
      const hourly = h.resolution === 'hour';
      const rows = h.rows || [];
      return {
        key: `${s.node}/${s.kind}/${s.sensor}`, label: model.room_name(s.room) || s.room,
        xs: rows.map((r) => r[0] / 1000), ys: rows.map((r) => (hourly ? r[2] : r[1])),
      };
    }));
    this.lines.sort((a, b) => a.label.localeCompare(b.label));
    this.draw();
  }

  // A live reading: appended if it belongs to a drawn line.
  add(ev) {
    const line = this.lines.find((l) => l.key === `${ev.node}/${ev.kind}/${ev.sensor}`);
    if (!line || typeof ev.value !== 'number') return;
    const x = (ev.ts || Date.now()) / 1000;
    if (line.xs.length && x <= line.xs[line.xs.length - 1]) return;
    line.xs.push(x);
    line.ys.push(ev.value);
    const horizon = x - day_ms / 1000;
    while (line.xs.length && line.xs[0] < horizon) { line.xs.shift(); line.ys.shift(); }
    if (!this.timer) this.timer = setTimeout(() => { this.timer = 0; this.draw(); }, redraw_ms);
  }

  data() {
    return window.uPlot.join(this.lines.map((l) => [l.xs, l.ys]));
  }

  draw() {
    const rows = this.lines.reduce((n, l) => n + l.xs.length, 0);
    this.box.dataset.rows = rows;
    if (this.plot && rows) {
      this.plot.setData(this.data());
      return;
    }
    clear(this.box);
    if (!this.lines.length || !rows) {
      this.box.append(el('p', { class: 'empty', text: 'No temperature history yet.' }));
      return;
    }
    const width = this.box.clientWidth || 600;
    this.plot = new window.uPlot({
      width, height: Math.max(180, Math.min(280, Math.round(width * 0.4))),
      scales: { x: { time: true } },
      series: [{}, ...this.lines.map((l, i) => ({
        label: l.label, stroke: colors[i % colors.length], width: 2, spanGaps: true,
        value: (u, v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)} °C`),
      }))],
      axes: [{}, { size: 48, values: (u, vals) => vals.map((v) => `${+v.toFixed(1)}°`) }],
    }, this.data(), this.box);
    new ResizeObserver(() => {
      if (this.plot && Math.abs(this.plot.width - this.box.clientWidth) > 4) {
        this.plot.setSize({ width: this.box.clientWidth, height: this.plot.height });
      }
    }).observe(this.box);
  }
}
