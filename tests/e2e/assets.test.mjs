// Static checks of assets/ (no browser): assets/assets.cmake lists exactly the
// files that are served; every page and module refers only to listed files on
// the same origin; no inline script, inline style or event handler attribute
// (the CSP forbids them); no eval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../assets');
const not_served = new Set(['package.json', 'package-lock.json', '.gitignore', 'assets.cmake']);

const listed = (() => {
  const text = fs.readFileSync(path.join(root, 'assets.cmake'), 'utf8');
  const body = /set\(HEARTH_WEB_ASSETS([^)]*)\)/.exec(text)[1];
  return body.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
})();

function walk(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) { if (e.name !== 'node_modules' && e.name !== 'vendor') out.push(...walk(path.join(dir, e.name), r)); }
    else if (!not_served.has(r)) out.push(r);
  }
  return out;
}

test('assets.cmake lists every served file, and only existing ones', () => {
  assert.deepEqual([...listed].sort(), [...new Set(listed)].sort(), 'no duplicates');
  const own = walk(root).sort();
  assert.deepEqual(listed.filter((f) => !f.startsWith('vendor/')).sort(), own);
  for (const f of listed) assert.ok(fs.existsSync(path.join(root, f)), `${f} exists (vendor/ comes from packaging/setup-debian.sh)`);
});

test('pages refer only to listed same-origin files and carry no inline code', () => {
  for (const page of listed.filter((f) => f.endsWith('.html'))) {
    const html = fs.readFileSync(path.join(root, page), 'utf8');
    for (const [, ref] of html.matchAll(/(?:src|href)="([^"]*)"/g)) {
      if (ref === '#' || ref === '/') continue;
      assert.ok(ref.startsWith('/') && !ref.startsWith('//'), `${page}: ${ref} is a local absolute path`);
      const file = ref.slice(1).split('?')[0];
      assert.ok(listed.includes(file), `${page}: ${ref} is served`);
    }
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${page}: no inline script`);
    assert.doesNotMatch(html, /<style|\sstyle=/, `${page}: no inline style`);
    assert.doesNotMatch(html, /\son[a-z]+=/, `${page}: no event handler attributes`);
  }
});

test('modules import only listed modules and never evaluate strings', () => {
  for (const mod of listed.filter((f) => f.startsWith('js/'))) {
    const js = fs.readFileSync(path.join(root, mod), 'utf8');
    for (const [, spec] of js.matchAll(/^import [^'"]*['"]([^'"]+)['"]/gm)) {
      const file = path.posix.join(path.posix.dirname(mod), spec);
      assert.ok(listed.includes(file), `${mod}: import ${spec} is served`);
    }
    assert.doesNotMatch(js, /\beval\(|new Function\(|\.innerHTML\s*=|setAttribute\(\s*['"]style/, `${mod}: no eval, innerHTML or style attributes`);
    assert.doesNotMatch(js, /https?:\/\//, `${mod}: no absolute URLs`);
  }
});
