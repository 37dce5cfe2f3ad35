// Starts the system under test for the browser tests and tells where it is.
//
// hearthd (CI): `hearthd passwd F admin` with a random password on stdin, then
// `hearthd --demo --data-dir D --https 127.0.0.1:0 --mqtt 127.0.0.1:0
// --password-file F`; the ports come from its "listening https|mqtt
// 127.0.0.1:PORT" log lines.
//
// mock (developers only, HEARTH_E2E_TARGET=mock): mosquitto on a free port
// plus tests/e2e/mock/mock-hearthd.mjs. Never used by ctest.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export class skip_error extends Error {}

const here = path.dirname(fileURLToPath(import.meta.url));

// Waits until every regex in `wanted` matched a line of the child's output.
function wait_for_lines(child, wanted, timeout_ms, what) {
  return new Promise((resolve, reject) => {
    const found = {};
    let out = '';
    const timer = setTimeout(() => done(new Error(`${what} did not log ${Object.keys(wanted).join(', ')} within ${timeout_ms} ms:\n${out}`)), timeout_ms);
    const done = (err) => {
      clearTimeout(timer);
      child.stdout.off('data', on_data);
      child.stderr.off('data', on_data);
      child.off('exit', on_exit);
      if (err) reject(err); else resolve(found);
    };
    const on_data = (chunk) => {
      out += chunk;
      for (const [name, re] of Object.entries(wanted)) {
        const m = re.exec(out);
        if (m && !(name in found)) found[name] = m[1];
      }
      if (Object.keys(found).length === Object.keys(wanted).length) done();
    };
    const on_exit = (code) => done(Object.assign(new Error(`${what} exited with ${code}:\n${out}`), { output: out, code }));
    child.stdout.on('data', on_data);
    child.stderr.on('data', on_data);
    child.on('exit', on_exit);
  });
}

function stopper(children, dirs) {
  return async () => {
    for (const c of children.reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  };
}

function keep_draining(child, log_file) {
  const sink = fs.createWriteStream(log_file);
  child.stdout.pipe(sink);
  child.stderr.pipe(sink);
}

export async function start_hearthd(hearthd, artifacts, name = 'e2e') {
  if (!hearthd || !fs.existsSync(hearthd)) throw new Error(`hearthd not found: set HEARTHD (got ${hearthd})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-'));
  const password_file = path.join(dir, 'passwd');
  const password = crypto.randomBytes(12).toString('base64url');
  // Twice: once more in case it asks for a confirmation, as mosquitto_passwd does.
  const pw = spawnSync(hearthd, ['passwd', password_file, 'admin'], { input: `${password}\n${password}\n`, encoding: 'utf8' });
  if (pw.status !== 0) throw new Error(`hearthd passwd failed (${pw.status}): ${pw.stderr}`);
  const users = fs.readFileSync(password_file, 'utf8');
  const user = users.split('\n').find((l) => l.includes(':')).split(':')[0];  // the login, from the file
  if (users.includes(password)) throw new Error('hearthd passwd stored the password in clear');

  const data = path.join(dir, 'data');
  const child = spawn(hearthd, ['--demo', '--data-dir', data, '--https', '127.0.0.1:0', '--mqtt', '127.0.0.1:0',
    '--password-file', password_file], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  const stop = stopper([child], [dir]);
  let ports;
  try {
    ports = await wait_for_lines(child, {
      https: /listening https 127\.0\.0\.1:(\d+)/, mqtt: /listening mqtt 127\.0\.0\.1:(\d+)/,
    }, 20000, 'hearthd --demo');
  } catch (e) {
    await stop();
    throw e;
  }
  keep_draining(child, path.join(artifacts, `hearthd-${name}.log`));
  return {
    base: `https://127.0.0.1:${ports.https}`,
    mqtt_url: `mqtt://127.0.0.1:${ports.mqtt}`,
    user, password, stop,
  };
}

function free_port() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

// DEV ONLY: mosquitto + the mock of hearthd's web API (see mock/README.md).
export async function start_mock(artifacts, name = 'e2e') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-mock-'));
  const port = await free_port();
  fs.writeFileSync(path.join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const broker = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  broker.stdout.resume();
  broker.stderr.resume();
  await new Promise((r) => setTimeout(r, 300));
  const password = crypto.randomBytes(12).toString('base64url');
  const mock = spawn(process.execPath, [path.join(here, '../mock/mock-hearthd.mjs'), '--mqtt', `mqtt://127.0.0.1:${port}`,
    '--port', '0', '--user', 'admin', '--password', password, '--simulate'], { stdio: ['ignore', 'pipe', 'pipe'] });
  mock.stdout.setEncoding('utf8');
  mock.stderr.setEncoding('utf8');
  const stop = stopper([broker, mock], [dir]);
  const found = await wait_for_lines(mock, { http: /listening http 127\.0\.0\.1:(\d+)/ }, 10000, 'mock').catch(async (e) => { await stop(); throw e; });
  keep_draining(mock, path.join(artifacts, `mock-${name}.log`));
  return { base: `http://127.0.0.1:${found.http}`, mqtt_url: `mqtt://127.0.0.1:${port}`, user: 'admin', password, stop, mock: true };
}
