// REST client of the web API (/tmp/api.md contract): JSON in and out, the
// session cookie travels by itself (same origin), every state-changing request
// carries X-CSRF-Token. A 401 sends the browser to the login page.

let csrf_token = null;

export class api_error extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function to_login() {
  const next = location.pathname + location.search;
  location.replace('/login.html?next=' + encodeURIComponent(next));
}

export async function request(method, path, body, { raw = false, content_type = null } = {}) {
  const headers = {};
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD' && csrf_token) headers['X-CSRF-Token'] = csrf_token;
  if (body !== undefined) {
    if (typeof body === 'string') {
      headers['Content-Type'] = content_type || 'text/plain; charset=utf-8';
      init.body = body;
    } else {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  const res = await fetch(path, init);
  if (res.status === 401 && path !== '/api/login') {
    to_login();
    throw new api_error(401, 'login required');
  }
  if (raw) {
    if (!res.ok) throw new api_error(res.status, await error_text(res));
    return res;
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const msg = data && data.error ? data.error : `${res.status} ${res.statusText}`;
    throw new api_error(res.status, msg);
  }
  return data;
}

async function error_text(res) {
  try {
    const d = await res.json();
    return d.error || `${res.status}`;
  } catch {
    return `${res.status} ${res.statusText}`;
  }
}

export const get = (path) => request('GET', path);
export const post = (path, body, opts) => request('POST', path, body === undefined ? {} : body, opts);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);

// Who is logged in; remembers the CSRF token. Redirects to login on 401.
export async function me() {
  const m = await get('/api/me');
  csrf_token = m.csrf;
  return m;
}

export async function login(username, password) {
  const r = await request('POST', '/api/login', { username, password });
  csrf_token = r.csrf;
  return r;
}

export async function logout() {
  try { await post('/api/logout'); } finally { location.replace('/login.html'); }
}

// Path segment encoding for /api/sensors/<node>/<kind>/<sensor> and the like.
export const seg = (s) => encodeURIComponent(String(s));
