// What every browser test file shares: the system under test (lib/target.mjs;
// exit 77 = skipped while hearthd has no web server), one headless Debian
// chromium, pages that record script errors and CSP violations, an MQTT
// client acting as a satellite, and logins.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import mqtt from 'mqtt';
import { start_hearthd, start_mock, skip_error } from './target.mjs';

export async function start_harness(name) {
  const artifacts = path.resolve(process.env.HEARTH_E2E_ARTIFACTS || 'e2e-artifacts');
  fs.mkdirSync(artifacts, { recursive: true });
  let target;
  try {
    target = process.env.HEARTH_E2E_TARGET === 'mock'
      ? await start_mock(artifacts, name) : await start_hearthd(process.env.HEARTHD, artifacts, name);
  } catch (e) {
    if (e instanceof skip_error) {
      console.log(`SKIPPED: ${e.message}`);
      process.exit(77);
    }
    throw e;
  }
  let browser;
  try {
    browser = await chromium.launch({ executablePath: process.env.HEARTH_CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  } catch (e) {
    await target.stop();
    throw e;
  }
  const page_errors = [];

  const h = {
    target, artifacts, browser,

    async stop() {
      await browser.close();
      await target.stop();
    },

    async new_page(viewport = { width: 1280, height: 900 }) {
      const context = await browser.newContext({ baseURL: target.base, ignoreHTTPSErrors: true, viewport });
      const page = await context.newPage();
      page.on('pageerror', (e) => page_errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        // A refused login or an expired session shows up as a 401 by design.
        if (m.type() === 'error' && !/status of 401/.test(m.text())) page_errors.push(`console: ${m.text()}`);
      });
      return { context, page };
    },

    // A page already logged in (through the API) as `user`.
    async logged_in_page(viewport, user = target.user, password = target.password) {
      const p = await h.new_page(viewport);
      const res = await p.context.request.post('/api/login', { data: { username: user, password } });
      assert.equal(res.status(), 200, `login as ${user}`);
      return p;
    },

    // Fails the calling test if any page logged an error (exceptions, CSP violations).
    no_page_errors() {
      const errs = page_errors.splice(0);
      assert.deepEqual(errs, [], 'the page logged errors (CSP violations, exceptions)');
    },

    // Through the login form, starting from the dashboard's redirect.
    async login_form(page, user = target.user, password = target.password) {
      await page.goto('/');
      await page.waitForURL(/\/login\.html\?next=/);
      await page.fill('#username', user);
      await page.fill('#password', password);
      await page.click('button[type=submit]');
    },

    // An MQTT client with the admin's login: it plays a satellite.
    mqtt_client() {
      return new Promise((resolve, reject) => {
        const c = mqtt.connect(target.mqtt_url, { username: target.user, password: target.password, reconnectPeriod: 0, connectTimeout: 5000 });
        c.once('connect', () => resolve(c));
        c.once('error', reject);
      });
    },
  };
  return h;
}
