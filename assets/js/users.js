// Users (admin): list, add (the password goes to the server once, over the
// page's own connection) and delete web/MQTT users.

import { get, post, del, seg } from './api.js';
import { start_page } from './nav.js';
import { el, clear, notify } from './format.js';

let me = null;

async function reload() {
  const users = await get('/api/users');
  const body = clear(document.getElementById('users'));
  for (const u of users) {
    const self = u.user === me.user;
    body.append(el('tr', { dataset: { user: u.user } },
      el('td', { text: u.user }), el('td', { text: u.role }),
      el('td', {}, self ? el('small', { text: 'you' }) : el('button', { type: 'button', class: 'danger', text: 'Delete',
        onclick: () => remove(u.user) }))));
  }
}

async function remove(name) {
  if (!confirm(`Delete user ${name}?`)) return;
  try {
    await del(`/api/users/${seg(name)}`);
    notify(`Deleted ${name}.`, 'ok');
  } catch (e) {
    notify(`Delete failed: ${e.message}`, 'error');
  }
  await reload();
}

async function main() {
  me = await start_page({ admin_only: true });
  const form = document.getElementById('add-user');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const username = form.username.value.trim();
    try {
      await post('/api/users', { username, password: form.password.value, role: form.role.value });
      notify(`Added ${username}.`, 'ok');
      form.reset();
    } catch (e) {
      notify(`Adding ${username} failed: ${e.message}`, 'error');
    }
    await reload();
  });
  await reload();
}

main().catch((e) => notify(e.message, 'error'));
