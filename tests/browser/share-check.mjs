#!/usr/bin/env node
// Browser check of files written by `desk-archive share` (one self-contained HTML file each).
//
// Usage: node tests/browser/share-check.mjs <folder-of-shared-html-files>
//
// Opens every *.html of the folder from file:// in Debian's Chromium (playwright-core), in
// light and dark colour schemes and with print media, and fails on:
//   - any request other than the file itself and data: URLs (the file must load nothing);
//   - a console error (a CSP violation is one: the inlined style sheet must match its
//     hash), an uncaught page error, a JavaScript dialog;
//   - a <script>, an <img> whose src is not a data: URL, a link into a local folder
//     (`../`), a style sheet that did not apply (bubbles without their rounded corners);
//   - a missing CSP <meta> with default-src 'none' and a sha256 style-src.
//
// Environment: CHROMIUM_PATH overrides /usr/bin/chromium.
// Exit status: 0 all checks passed, 1 a check failed, 2 usage or set-up error.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tests/browser/share-check.mjs <folder>');
  process.exit(2);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (err) {
  console.error(`share-check.mjs: cannot load playwright-core (${err.message}): run scripts/test.sh`);
  process.exit(2);
}
const files = readdirSync(dir).filter((n) => n.endsWith('.html')).sort();
if (files.length === 0) {
  console.error(`share-check.mjs: no .html files in ${dir}`);
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
const problems = [];
try {
  for (const name of files) {
    const url = pathToFileURL(path.resolve(dir, name)).href;
    for (const scheme of ['light', 'dark']) {
      for (const media of ['screen', 'print']) {
        const context = await browser.newContext({ colorScheme: scheme });
        const page = await context.newPage();
        const where = `${name} (${scheme}, ${media})`;
        page.on('console', (m) => { if (m.type() === 'error') problems.push(`${where}: console: ${m.text()}`); });
        page.on('pageerror', (e) => problems.push(`${where}: page error: ${e.message}`));
        page.on('dialog', (d) => { problems.push(`${where}: dialog`); d.dismiss(); });
        await page.route('**/*', (route) => {
          const u = route.request().url();
          if (u === url || u.startsWith('data:')) return route.continue();
          problems.push(`${where}: request to ${u}`);
          return route.abort();
        });
        await page.emulateMedia({ media, colorScheme: scheme });
        await page.goto(url, { waitUntil: 'load' });
        const found = await page.evaluate(() => {
          const p = [];
          if (document.querySelector('script')) p.push('has a <script>');
          for (const img of document.querySelectorAll('img')) {
            if (!img.getAttribute('src').startsWith('data:')) p.push(`img src ${img.getAttribute('src')}`);
          }
          for (const a of document.querySelectorAll('[href],[src]')) {
            const v = a.getAttribute('href') || a.getAttribute('src');
            if (v.startsWith('../') || v.startsWith('media/')) p.push(`local link ${v}`);
          }
          const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
          if (!csp || !/default-src 'none'/.test(csp.content) || !/style-src 'sha256-/.test(csp.content)) {
            p.push(`CSP: ${csp && csp.content}`);
          }
          const bubble = document.querySelector('.bubble');
          if (!bubble || getComputedStyle(bubble).borderTopLeftRadius === '0px') p.push('style sheet not applied');
          return p;
        });
        problems.push(...found.map((f) => `${where}: ${f}`));
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.log(p);
  process.exit(1);
}
console.log(`share-check.mjs: ${files.length} files checked, no problems`);
