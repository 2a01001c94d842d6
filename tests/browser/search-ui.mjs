// search-ui.mjs: drives the site search of a rendered archive in Chromium, served over
// HTTP from 127.0.0.1 by `desk-archive serve` (the binary named by DESK_ARCHIVE_BIN; the
// archive is the folder above <site-data-dir>), or by serve.mjs when DESK_ARCHIVE_BIN is
// not set, and checks what a user sees:
//   - each query (given as QUERY=STEM) lists a result for session STEM; following it
//     with the keyboard lands on that session's page with a message targeted (#m-N) that
//     is on screen and contains the query;
//   - no console error, no page error, no request outside the server, the page's CSP in
//     force (Pagefind runs under it);
//   - axe-core finds no serious or critical violation with results shown (light, dark);
//   - opened from file://, the box says to run `desk-archive serve`.
// Each query that lands prints `landed<TAB>QUERY<TAB>STEM<TAB>#m-N` on standard output.
// With SEARCH_SNAPSHOT=DIR, the index page with results shown is saved as
// DIR/search-results.html, for the Nu HTML checker.
//
//   node tests/browser/search-ui.mjs <site-data-dir> QUERY=STEM [QUERY=STEM…]
//
// Exit 0 when every check holds, 1 with a list of failures otherwise, 2 on a set-up error.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { serve } from './serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];
const TIMEOUT_MS = 30_000;

const [siteArg, ...pairs] = process.argv.slice(2);
if (!siteArg || !existsSync(path.join(siteArg, 'index.html')) || pairs.length === 0) {
  console.error('usage: node tests/browser/search-ui.mjs <site-data-dir> QUERY=STEM [QUERY=STEM…]');
  process.exit(2);
}
const queries = pairs.map((p) => {
  const at = p.lastIndexOf('=');
  return { query: p.slice(0, at), stem: p.slice(at + 1) };
});
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (err) {
  console.error(`search-ui.mjs: cannot load playwright-core (${err.message}): run scripts/test.sh`);
  process.exit(2);
}
const axePath = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
if (!existsSync(axePath)) {
  console.error(`search-ui.mjs: no ${axePath}: run scripts/test.sh`);
  process.exit(2);
}

const site = realpathSync(siteArg);
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
};

/** Opens a page that reports its errors and any request that leaves the server. */
async function watched(context, origin) {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  // Remote https images in messages are the only requests a page may make outside the
  // archive: aborted here, and their load errors ignored.
  const aborted = new Set();
  await page.route(/^https:/, (route) => {
    if (route.request().resourceType() === 'image') {
      aborted.add(route.request().url());
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  page.on('pageerror', (err) => failures.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (aborted.has(msg.location()?.url) && /Failed to load resource/.test(msg.text())) return;
    failures.push(`console error: ${msg.text()}`);
  });
  page.on('request', (req) => {
    const url = req.url();
    if (aborted.has(url) || (url.startsWith('https:') && req.resourceType() === 'image')) return;
    if (origin && !url.startsWith(origin) && !url.startsWith('data:')) {
      failures.push(`request outside the archive: ${url}`);
    }
  });
  return page;
}

/** Waits for the status line to announce results (or none). */
async function settled(page) {
  await page.waitForFunction(
    () => {
      const s = document.getElementById('search-status');
      return s && s.textContent && !/…|\.\.\./.test(s.textContent);
    },
    null,
    { timeout: TIMEOUT_MS },
  );
}

const hrefsOf = (page) =>
  page.$$eval('#search-results .result-title a', (as) => as.map((a) => a.getAttribute('href')));

/** Types a query, waits for results, returns the result links' hrefs. */
async function search(page, query) {
  await page.fill('#search-q', query);
  await page.press('#search-q', 'Enter');
  await settled(page);
  return hrefsOf(page);
}

/**
 * The agent filter: choosing an agent of the wanted result's session keeps it, choosing
 * an agent it does not have drops it.
 */
async function checkAgentFilter(page, query, stem, accounts) {
  await page.click('#search-filters summary');
  await page.waitForFunction(() => document.querySelector('select[data-filter="agent"]').options.length > 1);
  const agents = await page.$$eval('select[data-filter="agent"] option', (os) => os.map((o) => o.value).filter(Boolean));
  const theirs = agents.find((a) => accounts.split(', ').includes(a));
  const other = agents.find((a) => !accounts.split(', ').includes(a));
  const has = async () => (await hrefsOf(page)).some((h) => h.includes(`sessions/${stem}.html`));
  for (const [agent, expected] of [[theirs, true], [other, false]]) {
    if (!agent) continue;
    await page.evaluate(() => { document.getElementById('search-status').textContent = ''; });
    await page.selectOption('select[data-filter="agent"]', agent);
    await settled(page);
    check((await has()) === expected, `"${query}" with agent ${agent}: session ${stem} ${expected ? 'missing' : 'still listed'}`);
  }
  check(theirs !== undefined, `"${query}": the agent filter does not list the session's agents (${accounts})`);
  await page.selectOption('select[data-filter="agent"]', '');
}

async function axe(page, label) {
  await page.addScriptTag({ content: readFileSync(axePath, 'utf8') });
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const results = await page.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document.getElementById('site-search'), { resultTypes: ['violations'] }),
    );
    for (const v of results.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') {
        const targets = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
        failures.push(`${label} ${scheme}: axe ${v.impact} ${v.id}: ${v.help} — ${targets}`);
      }
    }
  }
}

/**
 * Starts `desk-archive serve` on the archive above `data` on a free loopback port; resolves
 * to { url, close() } once it has printed its address.
 */
function serveWithBinary(bin, data) {
  const child = spawn(bin, ['serve', path.dirname(data), '--bind', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { NO_COLOR: '1', PATH: process.env.PATH },
  });
  let stderr = '';
  child.stderr.on('data', (b) => { stderr += b; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`desk-archive serve printed no address: ${stderr}`)), TIMEOUT_MS);
    child.on('exit', (code) => reject(new Error(`desk-archive serve exited ${code}: ${stderr}`)));
    child.stdout.on('data', (b) => {
      out += b;
      const m = /http:\/\/127\.0\.0\.1:[0-9]+\//.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[0],
        close: () => new Promise((done) => {
          child.removeAllListeners('exit');
          child.on('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    });
  });
}

const server = process.env.DESK_ARCHIVE_BIN
  ? await serveWithBinary(process.env.DESK_ARCHIVE_BIN, site)
  : await serve(site);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  for (const [n, { query, stem }] of queries.entries()) {
    const page = await watched(context, server.url);
    await page.goto(`${server.url}index.html`, { waitUntil: 'load' });
    check(await page.isVisible('#site-search'), 'the search box is not shown');
    const hrefs = await search(page, query);
    const status = await page.textContent('#search-status');
    const wanted = hrefs.findIndex((h) => h && h.includes(`sessions/${stem}.html#m-`));
    check(wanted >= 0, `"${query}": no result for session ${stem} (status "${status}", results ${hrefs.join(' ')})`);
    const snippet = wanted >= 0 ? await page.locator('#search-results .search-result').nth(wanted).locator('.result-snippet').innerHTML() : '';
    check(wanted < 0 || snippet.includes('<mark>'), `"${query}": the snippet marks no match: ${snippet}`);
    if (wanted >= 0 && n === 0) {
      const accounts = await page.locator('#search-results .search-result').nth(wanted).locator('.result-accounts').textContent();
      await checkAgentFilter(page, query, stem, accounts);
      await search(page, query);
    }
    if (wanted >= 0) {
      // Keyboard: focus the result link and follow it with Enter.
      await page.locator('#search-results .result-title a').nth(wanted).focus();
      await Promise.all([page.waitForURL(/sessions\//), page.keyboard.press('Enter')]);
      const hash = new URL(page.url()).hash;
      check(/^#m-[0-9]+$/.test(hash), `"${query}": landed on ${page.url()}, not on a message`);
      // For the caller, which asks `desk-archive search` the same query.
      console.log(`landed\t${query}\t${stem}\t${hash}`);
      const target = await page.$(':target');
      check(target !== null, `"${query}": no element is the target of ${hash}`);
      if (target) {
        const inView = await target.evaluate((el) => {
          const r = el.getBoundingClientRect();
          return r.bottom > 0 && r.top < window.innerHeight && r.height > 0;
        });
        check(inView, `"${query}": the targeted message ${hash} is not on screen`);
        const said = (await target.textContent()).toLowerCase();
        check(said.includes(query.toLowerCase()), `"${query}": message ${hash} does not contain it: ${said.slice(0, 200)}`);
      }
    }
    await page.close();
  }

  // axe on the box with results shown, CSP bypassed only to inject axe.
  const axeContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await watched(axeContext, server.url);
  await page.goto(`${server.url}index.html`, { waitUntil: 'load' });
  await search(page, queries[0].query);
  if (process.env.SEARCH_SNAPSHOT) {
    mkdirSync(process.env.SEARCH_SNAPSHOT, { recursive: true });
    const html = await page.evaluate(() => `<!DOCTYPE html>\n${document.documentElement.outerHTML}`);
    writeFileSync(path.join(process.env.SEARCH_SNAPSHOT, 'search-results.html'), html);
  }
  await axe(page, 'with results');
  await axeContext.close();

  // From a file the index cannot load: the box says what to do.
  const filePage = await watched(context, null);
  await filePage.goto(pathToFileURL(path.join(site, 'index.html')).href, { waitUntil: 'load' });
  const note = (await filePage.textContent('#search-status')) || '';
  check(note.includes('desk-archive serve'), `from file://, the search box says "${note}"`);
  check(await filePage.isDisabled('#search-q'), 'from file://, the search field is not disabled');
} catch (err) {
  failures.push(`error: ${err.message}`);
} finally {
  await browser.close();
  await server.close();
}

if (failures.length) {
  console.log(`search-ui.mjs: ${failures.length} failure(s)`);
  for (const f of failures) console.log(`  - ${f}`);
  process.exit(1);
}
console.log(`search-ui.mjs: ${queries.length} queries found their messages`);
