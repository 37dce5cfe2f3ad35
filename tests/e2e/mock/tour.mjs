// DEV-ONLY: screenshots of every page against the mock, for a human to look at.
// HEARTH_E2E_ARTIFACTS=dir node tests/e2e/mock/tour.mjs
import path from 'node:path';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import mqtt from 'mqtt';
import { start_mock } from '../lib/target.mjs';

const out = path.resolve(process.env.HEARTH_E2E_ARTIFACTS || 'tour');
fs.mkdirSync(out, { recursive: true });
const t = await start_mock(out);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
try {
  const ctx = await browser.newContext({ baseURL: t.base, viewport: { width: 1100, height: 800 } });
  const page = await ctx.newPage();
  page.on('console', (m) => console.log('console:', m.type(), m.text()));
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto('/login.html');
  await page.screenshot({ path: path.join(out, 'login.png') });
  await page.fill('#username', t.user);
  await page.fill('#password', t.password);
  await page.click('button[type=submit]');
  await page.locator('.card').first().waitFor();
  await page.waitForTimeout(2500);
  const c = await mqtt.connectAsync(t.mqtt_url);
  await c.publishAsync('home/kitchen/gas', JSON.stringify({ 'mq2-kitchen': 900 }), { qos: 1 });
  await c.endAsync();
  await page.locator('#alarms:not([hidden])').waitFor();
  await page.screenshot({ path: path.join(out, 'alarm.png') });
  await page.goto('/room.html?id=1');
  await page.locator('#chart canvas').waitFor();
  await page.click('.presets button[data-hours="168"]');
  await page.locator('#chart[data-resolution="hour"] canvas').waitFor();
  await page.screenshot({ path: path.join(out, 'room-7d.png'), fullPage: true });
  await page.goto('/pairing.html');
  await page.locator('#new-devices form').first().waitFor();
  await page.screenshot({ path: path.join(out, 'pairing.png'), fullPage: true });
  await page.goto('/users.html');
  await page.locator('#users tr').first().waitFor();
  await page.screenshot({ path: path.join(out, 'users.png'), fullPage: true });
  await page.goto('/audit.html');
  await page.locator('#audit tr').first().waitFor();
  await page.screenshot({ path: path.join(out, 'audit.png'), fullPage: true });
} finally {
  await browser.close();
  await t.stop();
}
