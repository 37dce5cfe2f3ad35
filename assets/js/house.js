// The house as the browser knows it: the GET /api/house snapshot, then the
// Socket.IO events of DESIGN.md applied on top (reading, relay, node, alarm).
// Plain data and pure updates, no DOM: the pages render from it.
//
// Rooms are keyed by id. Events may name a room by id or by name; both are
// resolved to the id (null when the item is not assigned to a room).
// Relay commands have a small state machine here: pending from the click until
// the agent reports the wanted state, failed when the server refuses, when the
// server stops reporting it pending without the state having changed, or when
// nothing is confirmed within command_timeout_ms.

export const sensor_key = (s) => `${s.node}/${s.kind}/${s.sensor}`;
export const relay_key = (r) => `${r.node}/${r.relay}`;
export const alarm_key = (a) => `${a.node}/${a.kind}`;

export const command_timeout_ms = 10000;

export class house {
  constructor() {
    this.rooms = new Map();
    this.nodes = new Map();
    this.sensors = new Map();
    this.relays = new Map();
    this.alarms = new Map();
    this.new_devices = [];
    this.structure_version = 0;  // bumps when cards or rows must be rebuilt
  }

  load(snap) {
    this.rooms = new Map((snap.rooms || []).map((r) => [String(r.id), { id: String(r.id), name: r.name }]));
    this.nodes = new Map((snap.nodes || []).map((n) => [n.node, { ...n }]));
    this.sensors = new Map();
    for (const s of snap.sensors || []) this.sensors.set(sensor_key(s), { ...s, room: this.room_id(s.room) });
    this.relays = new Map();
    for (const r of snap.relays || []) {
      this.relays.set(relay_key(r), { ...r, room: this.room_id(r.room), ui: idle_ui() });
    }
    this.alarms = new Map();
    for (const a of snap.alarms || []) this.alarms.set(alarm_key(a), { ...a, room: this.room_id(a.room) });
    this.new_devices = snap.new_devices || [];
    this.structure_version++;
  }

  // A room reference (id or name) to a room id, or null.
  room_id(ref) {
    if (ref === null || ref === undefined || ref === '') return null;
    const k = String(ref);
    if (this.rooms.has(k)) return k;
    for (const r of this.rooms.values()) if (r.name === k) return r.id;
    return null;
  }

  room_name(id) {
    const r = id === null ? null : this.rooms.get(String(id));
    return r ? r.name : null;
  }

  // Each apply_* returns true when the change needs a structural re-render.
  apply_reading(ev) {
    const key = sensor_key(ev);
    const old = this.sensors.get(key);
    const room = ev.room === undefined && old ? old.room : this.room_id(ev.room);
    const s = { name: null, ...old, ...ev, room };
    this.sensors.set(key, s);
    const n = this.nodes.get(ev.node);
    if (n) {
      n.online = true;
      n.last_seen = Math.max(n.last_seen || 0, ev.ts || 0);
    }
    return this.bump(!old || old.room !== room);
  }

  apply_node(ev) {
    const old = this.nodes.get(ev.node);
    this.nodes.set(ev.node, { ...old, ...ev });
    return this.bump(!old);
  }

  apply_alarm(ev) {
    const key = alarm_key(ev);
    const old = this.alarms.get(key);
    this.alarms.set(key, { ...old, ...ev, room: this.room_id(ev.room) });
    return this.bump(!old || old.active !== ev.active);
  }

  apply_relay(ev, now = Date.now()) {
    const key = relay_key(ev);
    const old = this.relays.get(key);
    const ui = old ? old.ui : idle_ui();
    const r = { ...old, ...ev, room: ev.room === undefined && old ? old.room : this.room_id(ev.room), ui };
    if (ui.want) {
      if (ev.pending) {
        ui.server_pending = true;
      } else if (ev.state === ui.want) {
        r.ui = { ...idle_ui(), confirmed_at: now };
      } else if (ui.server_pending) {
        r.ui = { ...idle_ui(), failed: `relay stayed ${ev.state}` };
      }
    }
    this.relays.set(key, r);
    return this.bump(!old || old.room !== r.room);
  }

  // The user asked to switch; returns the state that is wanted.
  begin_command(key, now = Date.now()) {
    const r = this.relays.get(key);
    if (!r) return null;
    const want = r.state === 'on' ? 'off' : 'on';
    r.ui = { ...idle_ui(), want, deadline: now + command_timeout_ms };
    return want;
  }

  command_refused(key, message) {
    const r = this.relays.get(key);
    if (r && r.ui.want) r.ui = { ...idle_ui(), failed: message || 'command refused' };
  }

  // Expires commands nobody confirmed; true when something changed.
  expire(now = Date.now()) {
    let changed = false;
    for (const r of this.relays.values()) {
      if (r.ui.want && now > r.ui.deadline) {
        r.ui = { ...idle_ui(), failed: 'no confirmation from the device' };
        changed = true;
      }
    }
    return changed;
  }

  // What a switch shows: 'pending', 'failed', or the confirmed state.
  relay_view(r) {
    if (r.ui.want || r.pending) return 'pending';
    if (r.ui.failed) return 'failed';
    return r.state === 'on' ? 'on' : 'off';
  }

  active_alarms() {
    return [...this.alarms.values()].filter((a) => a.active);
  }

  // Nodes that have something in the room.
  nodes_in_room(room_id) {
    const names = new Set();
    for (const s of this.sensors.values()) if (s.room === room_id) names.add(s.node);
    for (const r of this.relays.values()) if (r.room === room_id) names.add(r.node);
    return [...names].sort().map((n) => this.nodes.get(n) || { node: n, online: false, last_seen: null });
  }

  bump(structural) {
    if (structural) this.structure_version++;
    return structural;
  }
}

function idle_ui() {
  return { want: null, deadline: 0, server_pending: false, failed: null, confirmed_at: 0 };
}
