// Pairing (admin): name the sensors that appeared, assign sensors and relays
// to rooms, create/rename/delete rooms, import a pairing.conf. Every change
// goes through the REST API and the page reloads the snapshot after it.

import { get, post, put, del, seg } from './api.js';
import { start_page } from './nav.js';
import { house } from './house.js';
import { el, clear, ago, kind_label, notify } from './format.js';

const model = new house();

function room_select(selected) {
  const s = el('select', { name: 'room', 'aria-label': 'Room' }, el('option', { value: '', text: '(no room)' }));
  for (const r of [...model.rooms.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    s.append(el('option', { value: r.id, text: r.name, selected: r.id === selected }));
  }
  return s;
}

// Runs a change, reports it, reloads.
async function act(what, fn) {
  try {
    await fn();
    notify(what, 'ok');
  } catch (e) {
    notify(`${what} failed: ${e.message}`, 'error');
  }
  await reload();
}

const room_value = (form) => (form.room.value === '' ? null : Number.isNaN(Number(form.room.value)) ? form.room.value : Number(form.room.value));

function item_form(label_parts, name, room, on_save, button = 'Save') {
  const form = el('form', { class: 'row' },
    el('span', { class: 'ident' }, label_parts),
    el('input', { name: 'name', value: name || '', placeholder: 'Name', 'aria-label': 'Name', maxlength: '64' }),
    room_select(room),
    el('button', { type: 'submit', text: button }));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); on_save(form); });
  return form;
}

function render() {
  const fresh = clear(document.getElementById('new-devices'));
  if (!model.new_devices.length) fresh.append(el('p', { class: 'empty', text: 'No new devices.' }));
  for (const d of model.new_devices) {
    const form = item_form([el('strong', { text: d.sensor }), ` ${kind_label(d.kind)} on ${d.node}, first seen ${ago(d.first_seen)}`],
      '', null, (f) => act(`Paired ${d.sensor}`, () =>
        put(`/api/sensors/${seg(d.node)}/${seg(d.kind)}/${seg(d.sensor)}`, { name: f.name.value || null, room: room_value(f) })), 'Pair');
    form.dataset.sensor = d.sensor;
    fresh.append(form);
  }

  const rooms = clear(document.getElementById('rooms'));
  for (const r of [...model.rooms.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const form = el('form', { class: 'row', dataset: { room: r.id } },
      el('input', { name: 'name', value: r.name, required: true, maxlength: '64', 'aria-label': 'Room name' }),
      el('button', { type: 'submit', text: 'Rename' }),
      el('button', { type: 'button', class: 'danger', text: 'Delete',
        onclick: () => { if (confirm(`Delete room ${r.name}? Its devices become unassigned.`)) act(`Deleted ${r.name}`, () => del(`/api/rooms/${seg(r.id)}`)); } }));
    form.addEventListener('submit', (ev) => { ev.preventDefault(); act('Renamed room', () => put(`/api/rooms/${seg(r.id)}`, { name: form.name.value })); });
    rooms.append(el('li', {}, form));
  }
  if (!model.rooms.size) rooms.append(el('li', { class: 'empty', text: 'No rooms yet.' }));

  const sensors = clear(document.getElementById('sensors'));
  for (const s of [...model.sensors.values()].sort((a, b) => `${a.node}/${a.kind}/${a.sensor}`.localeCompare(`${b.node}/${b.kind}/${b.sensor}`))) {
    sensors.append(item_form([el('strong', { text: s.sensor }), ` ${kind_label(s.kind)} on ${s.node}`], s.name, s.room,
      (f) => act(`Saved ${s.sensor}`, () => put(`/api/sensors/${seg(s.node)}/${seg(s.kind)}/${seg(s.sensor)}`, { name: f.name.value || null, room: room_value(f) }))));
  }
  if (!model.sensors.size) sensors.append(el('p', { class: 'empty', text: 'No sensors yet.' }));

  const relays = clear(document.getElementById('relays'));
  for (const r of model.relays.values()) {
    relays.append(item_form([el('strong', { text: r.relay }), ` on ${r.node}`], r.name, r.room,
      (f) => act(`Saved ${r.relay}`, () => put(`/api/relays/${seg(r.node)}/${seg(r.relay)}`, { name: f.name.value || null, room: room_value(f) }))));
  }
  if (!model.relays.size) relays.append(el('p', { class: 'empty', text: 'No relays yet.' }));
}

async function reload() {
  model.load(await get('/api/house'));
  render();
}

function wire_forms() {
  const new_room = document.getElementById('new-room');
  new_room.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = new_room.name.value.trim();
    act(`Created room ${name}`, async () => { await post('/api/rooms', { name }); new_room.reset(); });
  });
  const imp = document.getElementById('import');
  imp.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = document.getElementById('import-file').files[0];
    const text = file ? await file.text() : document.getElementById('import-text').value;
    const out = clear(document.getElementById('import-result'));
    if (!text.trim()) {
      notify('Choose a pairing.conf file or paste its text.', 'error');
      return;
    }
    await act('Import', async () => {
      const r = await post('/api/pairing/import', text, { content_type: 'text/plain; charset=utf-8' });
      out.append(el('li', { text: `Imported ${r.imported} pairing${r.imported === 1 ? '' : 's'}.` }));
      for (const e of r.errors || []) out.append(el('li', { class: 'error', text: typeof e === 'string' ? e : JSON.stringify(e) }));
      imp.reset();
    });
  });
}

async function main() {
  await start_page({ admin_only: true });
  wire_forms();
  await reload();
}

main().catch((e) => notify(e.message, 'error'));
