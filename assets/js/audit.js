// Audit log (admin): who did what and when, newest first, with the outcome.

import { get } from './api.js';
import { start_page } from './nav.js';
import { el, clear, notify } from './format.js';

const detail_text = (d) => (d === null || d === undefined ? '' : typeof d === 'string' ? d : JSON.stringify(d));

async function reload() {
  const limit = document.getElementById('limit').value;
  const rows = await get(`/api/audit?limit=${encodeURIComponent(limit)}`);
  const body = clear(document.getElementById('audit'));
  for (const r of rows) {
    const ok = r.outcome === 'ok' || r.outcome === true || r.outcome === 'success';
    body.append(el('tr', { class: ok ? null : 'failed' },
      el('td', {}, el('time', { datetime: new Date(r.ts).toISOString(), text: new Date(r.ts).toLocaleString() })),
      el('td', { text: r.user || '' }), el('td', { text: r.action || '' }),
      el('td', { text: detail_text(r.detail) }), el('td', { text: detail_text(r.outcome) })));
  }
  if (!rows.length) body.append(el('tr', {}, el('td', { colspan: '5', class: 'empty', text: 'Nothing yet.' })));
}

async function main() {
  await start_page({ admin_only: true });
  document.getElementById('limit').addEventListener('change', () => reload().catch((e) => notify(e.message, 'error')));
  await reload();
}

main().catch((e) => notify(e.message, 'error'));
