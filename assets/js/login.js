// Login form: POST /api/login, then on to ?next= (same-origin paths only).

import { login } from './api.js';
import { notify } from './format.js';

function next_page() {
  const next = new URLSearchParams(location.search).get('next') || '/';
  // Only a local path: never an open redirect to another origin.
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

document.getElementById('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = ev.currentTarget;
  const button = form.querySelector('button');
  button.disabled = true;
  notify('');
  try {
    await login(form.username.value, form.password.value);
    location.replace(next_page());
  } catch (e) {
    const msg = e.status === 401 ? 'Wrong user name or password.'
      : e.status === 429 ? 'Too many attempts. Wait a minute and try again.' : `Login failed: ${e.message}`;
    notify(msg, 'error');
    form.password.value = '';
    form.password.focus();
  } finally {
    button.disabled = false;
  }
});
