// The live connection: Socket.IO (vendor/socket.io.min.js defines the global
// io) on /socket.io/ with the session cookie. Loads GET /api/house first and
// again after every reconnect (events may have been missed), then applies the
// events of DESIGN.md to the house model and calls on_change(structural).

import { get } from './api.js';
import { command_timeout_ms } from './house.js';

export function connect_live(model, on_change, on_status) {
  const socket = window.io({ path: '/socket.io/', autoConnect: false });
  let snapshot_loaded = false;
  let connected_before = false;

  async function load_snapshot() {
    model.load(await get('/api/house'));
    snapshot_loaded = true;
    on_change(true);
  }

  socket.on('connect', () => {
    on_status('live');
    // The first snapshot was loaded just before connecting; after a
    // reconnect a new one fills the gap.
    if (connected_before) load_snapshot().catch(() => on_status('error'));
    connected_before = true;
  });
  socket.on('disconnect', () => on_status('offline'));
  socket.on('connect_error', (err) => {
    if (err && err.message === 'login required') {
      location.replace('/login.html?next=' + encodeURIComponent(location.pathname + location.search));
      return;
    }
    on_status('offline');
  });
  const apply = (fn) => (ev) => {
    if (!snapshot_loaded) return;  // the snapshot will contain it
    on_change(fn(ev));
  };
  socket.on('reading', apply((ev) => model.apply_reading(ev)));
  socket.on('relay', apply((ev) => model.apply_relay(ev)));
  socket.on('node', apply((ev) => model.apply_node(ev)));
  socket.on('alarm', apply((ev) => model.apply_alarm(ev)));

  load_snapshot().then(() => socket.connect(), () => on_status('error'));

  return {
    socket,
    // Sends a relay command; resolves to the server's ack {ok, error?}.
    command(node, relay, state) {
      if (!socket.connected) return Promise.resolve({ ok: false, error: 'not connected' });
      return socket.timeout(command_timeout_ms).emitWithAck('command', { node, relay, state })
        .catch(() => ({ ok: false, error: 'no answer from the server' }));
    },
  };
}
