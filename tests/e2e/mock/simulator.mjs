// DEV-ONLY simulated satellites for the mock (hearth-agent --simulate stands
// in for this with the real hearthd): three rooms publishing readings on the
// topic contract of DESIGN.md and obeying relay commands.
import mqtt from 'mqtt';

const rooms = {
  kitchen: { temperature: ['28-0000071a2b3c'], humidity: ['dht-kitchen'], gas: ['mq2-kitchen'], relays: ['light'] },
  garden: { temperature: ['28-00000a0b0c0d'], moisture: ['soil-1', 'new-soil-2'], relays: ['valve'] },
  bedroom: { temperature: ['28-0000123456ab'], humidity: ['dht-bed'], motion: ['pir-bed'], relays: ['light'] },
};

export function start_simulator(url, auth) {
  for (const [node, spec] of Object.entries(rooms)) {
    const c = mqtt.connect(url, { ...auth, clientId: `sim-${node}`, will: { topic: `home/${node}/status`, payload: 'offline', retain: true, qos: 1 } });
    const relay = Object.fromEntries(spec.relays.map((r) => [r, 'off']));
    let t = 0;
    c.on('connect', () => {
      c.publish(`home/${node}/status`, 'online', { retain: true, qos: 1 });
      for (const r of spec.relays) { c.subscribe(`home/${node}/relay/${r}/set`, { qos: 1 }); c.publish(`home/${node}/relay/${r}`, relay[r], { retain: true, qos: 1 }); }
    });
    c.on('message', (topic, buf) => {
      const r = topic.split('/')[3]; const cmd = buf.toString();
      relay[r] = cmd === 'toggle' ? (relay[r] === 'on' ? 'off' : 'on') : cmd;
      setTimeout(() => c.publish(`home/${node}/relay/${r}`, relay[r], { retain: true, qos: 1 }), 300);
    });
    setInterval(() => {
      t++;
      const pub = (kind, f) => spec[kind] && c.publish(`home/${node}/${kind}`, JSON.stringify(Object.fromEntries(spec[kind].map((s, i) => [s, f(i)]))), { qos: 1 });
      pub('temperature', (i) => +(20 + i + Math.sin(t / 10) * 2 + Math.random() * 0.2).toFixed(2));
      pub('humidity', () => +(45 + Math.sin(t / 15) * 5).toFixed(1));
      pub('moisture', (i) => +(38 - i * 5 + Math.cos(t / 20) * 3).toFixed(1));
      pub('gas', () => (t % 60 > 50 ? 520 : 110));
      pub('motion', () => (t % 7 === 0 ? 1 : 0));
    }, 2000).unref?.();
  }
}
