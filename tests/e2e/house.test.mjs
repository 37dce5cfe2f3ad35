// Unit tests of the UI's house model (assets/js/house.js): snapshot + events,
// room resolution, and the relay command state machine with fake time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { house, command_timeout_ms } from '../../assets/js/house.js';

const snap = () => ({
  rooms: [{ id: 1, name: 'Kitchen' }, { id: 2, name: 'Garden' }],
  nodes: [{ node: 'kitchen', online: true, last_seen: 1000 }],
  sensors: [{ node: 'kitchen', kind: 'temperature', sensor: '28-a', name: 'Wall', room: 1, value: 21.5, unit: '°C', ts: 1000 }],
  relays: [{ node: 'kitchen', relay: 'light', room: 1, state: 'off', pending: false }],
  alarms: [],
  new_devices: [{ node: 'garden', kind: 'moisture', sensor: 's2', first_seen: 5 }],
});

test('the snapshot loads, rooms resolve by id or by name', () => {
  const h = new house();
  h.load(snap());
  assert.equal(h.sensors.get('kitchen/temperature/28-a').room, '1');
  assert.equal(h.room_id('Garden'), '2');
  assert.equal(h.room_id(2), '2');
  assert.equal(h.room_id('Attic'), null);
  assert.equal(h.room_id(null), null);
  assert.equal(h.room_name('1'), 'Kitchen');
  assert.equal(h.new_devices.length, 1);
});

test('a reading updates the value in place; a new sensor or room change is structural', () => {
  const h = new house();
  h.load(snap());
  assert.equal(h.apply_reading({ node: 'kitchen', kind: 'temperature', sensor: '28-a', room: 1, value: 22, unit: '°C', ts: 2000 }), false);
  const s = h.sensors.get('kitchen/temperature/28-a');
  assert.equal(s.value, 22);
  assert.equal(s.name, 'Wall', 'the name from the snapshot is kept');
  assert.equal(h.nodes.get('kitchen').last_seen, 2000);
  assert.equal(h.apply_reading({ node: 'kitchen', kind: 'temperature', sensor: '28-a', room: 'Garden', value: 22, ts: 2100 }), true);
  assert.equal(h.apply_reading({ node: 'garden', kind: 'moisture', sensor: 's2', room: null, value: 40, ts: 2200 }), true);
  assert.equal(h.sensors.get('garden/moisture/s2').room, null);
});

test('node and alarm events', () => {
  const h = new house();
  h.load(snap());
  h.apply_node({ node: 'kitchen', online: false, last_seen: 3000 });
  assert.equal(h.nodes.get('kitchen').online, false);
  assert.deepEqual(h.nodes_in_room('1').map((n) => n.node), ['kitchen']);
  assert.equal(h.apply_alarm({ node: 'kitchen', kind: 'gas', room: 1, active: true, value: 800, ts: 1 }), true);
  assert.equal(h.active_alarms().length, 1);
  h.apply_alarm({ node: 'kitchen', kind: 'gas', room: 1, active: false, value: 100, ts: 2 });
  assert.equal(h.active_alarms().length, 0);
});

test('a relay command is pending until the agent reports the wanted state', () => {
  const h = new house();
  h.load(snap());
  const r = () => h.relays.get('kitchen/light');
  assert.equal(h.relay_view(r()), 'off');
  assert.equal(h.begin_command('kitchen/light', 0), 'on');
  assert.equal(h.relay_view(r()), 'pending');
  h.apply_relay({ node: 'kitchen', relay: 'light', room: 1, state: 'off', pending: true }, 100);
  assert.equal(h.relay_view(r()), 'pending');
  h.apply_relay({ node: 'kitchen', relay: 'light', room: 1, state: 'on', pending: false }, 200);
  assert.equal(h.relay_view(r()), 'on');
  assert.equal(h.expire(command_timeout_ms * 2), false, 'nothing left to expire');
});

test('a relay command fails on timeout, on refusal, and when the server gives up', () => {
  const h = new house();
  h.load(snap());
  const r = () => h.relays.get('kitchen/light');
  h.begin_command('kitchen/light', 0);
  assert.equal(h.expire(command_timeout_ms - 1), false);
  assert.equal(h.expire(command_timeout_ms + 1), true);
  assert.equal(h.relay_view(r()), 'failed');
  assert.match(r().ui.failed, /no confirmation/);

  h.begin_command('kitchen/light', 0);
  h.command_refused('kitchen/light', 'not allowed');
  assert.equal(h.relay_view(r()), 'failed');
  assert.equal(r().ui.failed, 'not allowed');

  h.begin_command('kitchen/light', 0);
  h.apply_relay({ node: 'kitchen', relay: 'light', room: 1, state: 'off', pending: true }, 10);
  h.apply_relay({ node: 'kitchen', relay: 'light', room: 1, state: 'off', pending: false }, 20);
  assert.equal(h.relay_view(r()), 'failed');
  assert.match(r().ui.failed, /stayed off/);
});

test('a state report before the server marked the command pending does not fail it', () => {
  const h = new house();
  h.load(snap());
  h.begin_command('kitchen/light', 0);
  // e.g. the retained state re-sent on a reconnect
  h.apply_relay({ node: 'kitchen', relay: 'light', room: 1, state: 'off', pending: false }, 5);
  assert.equal(h.relay_view(h.relays.get('kitchen/light')), 'pending');
});
