// Browser tests of the admin pages against a real `hearthd --demo`: pairing
// (new devices, rooms, pairing.conf import), users and roles, and a relay
// whose device never answers. See ui.test.mjs for the dashboard itself.
// Run: HEARTHD=/path/to/hearthd HEARTH_E2E_ARTIFACTS=dir node admin.test.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { start_harness } from './lib/harness.mjs';

const h = await start_harness('admin');
after(() => h.stop());

test('pairing: a new device is named and put in a new room; pairing.conf imports', async () => {
  const c = await h.mqtt_client();
  await c.publishAsync('home/e2e-node/humidity', JSON.stringify({ 'e2e-new-1': 55.5 }), { qos: 1 });
  await c.publishAsync('home/e2e-node/status', 'online', { qos: 1, retain: true });
  const { context, page } = await h.logged_in_page();
  await page.goto('/pairing.html');
  await page.fill('#new-room input[name=name]', 'E2E Room');
  await page.click('#new-room button[type=submit]');
  await page.locator('#rooms input[name=name]').and(page.locator('[value="E2E Room"]')).waitFor();

  const device = page.locator('#new-devices form[data-sensor="e2e-new-1"]');
  for (let i = 0; !(await device.count()); i++) {
    assert.ok(i < 20, 'the new sensor is listed under new devices');
    await page.waitForTimeout(500);
    await page.reload();
  }
  await device.locator('input[name=name]').fill('E2E probe');
  await device.locator('select[name=room]').selectOption({ label: 'E2E Room' });
  await device.locator('button[type=submit]').click();
  await page.locator('#status', { hasText: 'e2e-new-1' }).waitFor();
  assert.equal(await page.textContent('#status'), 'Paired e2e-new-1');
  await device.waitFor({ state: 'detached' });

  await page.fill('#import-text', '[sensorspairing]\ne2e-new-2 = E2E Room\nthis line is not a pair\n');
  await page.click('#import button[type=submit]');
  await page.locator('#import-result li').first().waitFor();
  assert.match(await page.textContent('#import-result li:first-child'), /Imported 1 pairing\b/);
  assert.ok(await page.locator('#import-result li.error').count() >= 1, 'the bad line is reported');

  // The dashboard shows the paired sensor, by its name, in its room, live.
  await page.goto('/');
  const card = page.locator('.card', { has: page.locator('h2', { hasText: 'E2E Room' }) });
  const row = card.locator('.reading[data-sensor="e2e-new-1"]');
  await row.waitFor();
  assert.match(await row.textContent(), /E2E probe/);
  await page.locator('#live[data-state="live"]').waitFor();
  await c.publishAsync('home/e2e-node/humidity', JSON.stringify({ 'e2e-new-1': 61.5 }), { qos: 1 });
  await c.endAsync();
  await row.locator('.value', { hasText: '61.5' }).waitFor({ timeout: 10000 });
  await context.close();
  h.no_page_errors();
});

test('users: an admin adds a member, who can switch but not administer', async () => {
  const { context, page } = await h.logged_in_page();
  await page.goto('/users.html');
  await page.fill('#add-user input[name=username]', 'e2e-member');
  await page.fill('#add-user input[name=password]', 'member-password-1');
  await page.selectOption('#add-user select[name=role]', 'member');
  await page.click('#add-user button[type=submit]');
  await page.locator('#users tr[data-user="e2e-member"]').waitFor();
  await context.close();

  const m = await h.new_page();
  await m.page.goto('/');
  await m.page.waitForURL(/login\.html/);
  await m.page.fill('#username', 'e2e-member');
  await m.page.fill('#password', 'member-password-1');
  await m.page.click('button[type=submit]');
  await m.page.waitForURL((u) => u.pathname === '/');
  await m.page.locator('.card').first().waitFor();
  assert.deepEqual(await m.page.locator('.top nav a').allTextContents(), ['House']);
  const users = await m.context.request.get('/api/users');
  assert.equal(users.status(), 403);
  assert.deepEqual(await users.json(), { error: 'admin only' });
  await m.page.goto('/users.html');
  await m.page.locator('main .empty', { hasText: 'for administrators' }).waitFor();
  await m.context.close();
  h.no_page_errors();
});

test('a relay whose device never answers shows a failure', async () => {
  const { context, page } = await h.logged_in_page();
  await page.goto('/');
  await page.locator('#live[data-state="live"]').waitFor();
  // A relay state with no agent behind it: nobody will obey the command.
  const c = await h.mqtt_client();
  await c.publishAsync('home/e2e-ghost/relay/light', 'off', { qos: 1, retain: true });
  await c.endAsync();
  const row = page.locator('.relay[data-node="e2e-ghost"][data-relay="light"]');
  await row.waitFor({ timeout: 10000 });
  await row.locator('.switch').click();
  await page.locator('.relay[data-node="e2e-ghost"][data-state="pending"]').waitFor({ timeout: 2000 }).catch(() => {});
  await page.locator('.relay[data-node="e2e-ghost"][data-state="failed"]').waitFor({ timeout: 30000 });
  assert.match(await row.locator('.relay-state').textContent(), /^failed: /);
  assert.equal(await row.getAttribute('data-relay-state'), 'off');
  await context.close();
  h.no_page_errors();
});
