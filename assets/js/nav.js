// The header every signed-in page shares: who is logged in, the page links
// (admin pages only for admins) and logout. start_page() resolves to /api/me.

import { me, logout } from './api.js';
import { el, clear } from './format.js';

const pages = [
  { href: '/', label: 'House', admin: false },
  { href: '/pairing.html', label: 'Devices', admin: true },
  { href: '/users.html', label: 'Users', admin: true },
  { href: '/audit.html', label: 'Audit log', admin: true },
];

export async function start_page({ admin_only = false } = {}) {
  const who = await me();
  const top = document.getElementById('top');
  const here = location.pathname === '/index.html' ? '/' : location.pathname;
  const links = pages
    .filter((p) => !p.admin || who.role === 'admin')
    .map((p) => el('a', { href: p.href, class: p.href === here ? 'current' : null, 'aria-current': p.href === here ? 'page' : null, text: p.label }));
  clear(top).append(
    el('a', { href: '/', class: 'brand', text: 'Hearth' }),
    el('nav', {}, links),
    el('span', { class: 'who', text: `${who.user} (${who.role})` }),
    el('button', { type: 'button', class: 'link', id: 'logout', onclick: () => logout(), text: 'Log out' }),
  );
  if (admin_only && who.role !== 'admin') {
    const main = document.querySelector('main');
    clear(main).append(el('p', { class: 'empty', text: 'This page is for administrators.' }));
    throw new Error('admin only');
  }
  return who;
}
