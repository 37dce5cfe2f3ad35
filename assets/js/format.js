// Display helpers shared by the pages: units, relative times, DOM building.

const kind_order = ['temperature', 'humidity', 'moisture', 'gas', 'motion'];
export const kind_rank = (k) => {
  const i = kind_order.indexOf(k);
  return i < 0 ? kind_order.length : i;
};

const kind_labels = {
  temperature: 'Temperature', humidity: 'Humidity', moisture: 'Soil moisture', gas: 'Gas', motion: 'Motion',
};
export const kind_label = (k) => kind_labels[k] || k.charAt(0).toUpperCase() + k.slice(1);

const default_units = { temperature: '°C', humidity: '%', moisture: '%' };

export function format_value(s) {
  if (s.value === null || s.value === undefined) return '–';
  if (s.kind === 'motion') return s.value ? 'motion' : 'still';
  const unit = s.unit || default_units[s.kind] || '';
  const v = typeof s.value === 'number' ? round(s.value, s.kind) : String(s.value);
  return unit ? `${v} ${unit}` : `${v}`;
}

function round(v, kind) {
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(kind === 'temperature' ? 1 : Math.abs(v) < 10 ? 2 : 1);
}

// "12 s ago", "5 min ago", "3 h ago", or a date for older times.
export function ago(ts, now = Date.now()) {
  if (!ts) return 'never';
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ts).toLocaleString();
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

// Shows a transient message in the page's #status element.
export function notify(text, kind = 'info') {
  const box = document.getElementById('status');
  if (!box) return;
  box.textContent = text;
  box.className = `status ${kind}`;
  box.hidden = !text;
}
