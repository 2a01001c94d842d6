// bench/search-bytes.mjs: how much of the search index one query fetches, in Chromium.
// Serves an archive's data/ on 127.0.0.1 (tests/browser/serve.mjs), opens index.html,
// types the query, waits for the results, and reports the bytes the server sent from
// data/search/ for it (the page and its assets excluded), and the time to the results.
//
//   node bench/search-bytes.mjs <site-data-dir> <query> [<query>…]
//
// Prints one line per query: `query<TAB>bytes<TAB>files<TAB>ms<TAB>results`.
// Needs tests/browser/node_modules (scripts/test.sh installs them).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BROWSER = path.join(HERE, '..', 'tests', 'browser');
const require = createRequire(path.join(BROWSER, 'package.json'));
const { chromium } = require('playwright-core');
const { serve } = await import(pathToFileURL(path.join(BROWSER, 'serve.mjs')).href);

const [site, ...queries] = process.argv.slice(2);
if (!site || queries.length === 0) {
  console.error('usage: node bench/search-bytes.mjs <site-data-dir> <query> [<query>…]');
  process.exit(2);
}
const server = await serve(site);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  for (const query of queries) {
    // A new context per query: nothing cached from the one before.
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    await page.route(/^https:/, (route) => route.abort());
    await page.goto(`${server.url}index.html`, { waitUntil: 'load' });
    server.reset();
    const started = Date.now();
    await page.fill('#search-q', query);
    await page.press('#search-q', 'Enter');
    await page.waitForFunction(() => {
      const s = document.getElementById('search-status');
      return s && s.textContent && !/…/.test(s.textContent);
    });
    const ms = Date.now() - started;
    // Let the filter menus finish loading: they belong to the query's cost.
    await page.waitForTimeout(500);
    const status = await page.textContent('#search-status');
    let bytes = 0;
    let files = 0;
    const kinds = {};
    for (const [file, n] of server.sent()) {
      if (file.startsWith('search/')) {
        bytes += n;
        files += 1;
        const kind = /\.(pf_\w+|js|pagefind|json)$/.exec(file)?.[1] || 'other';
        kinds[kind] = (kinds[kind] || 0) + n;
      }
    }
    const parts = Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(', ');
    console.log(`${query}\t${bytes}\t${files}\t${ms}\t${status}\t${parts}`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
