// bench/index-scale.mjs: how fast the index sorts and filters every session of a large
// archive in Chromium (index.js with index-rows.js). Opens data/index.html from the file
// system, waits until index.js has every row, then sorts by several columns and filters,
// and reports each operation's time as index.js measures it (performance.measure around
// the sort or filter and the drawing of the first rows; the typing delay excluded).
//
//   node bench/index-scale.mjs <site-data-dir>
//
// Prints `operation<TAB>ms` lines, then `max<TAB>ms`.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, '..', 'tests', 'browser', 'package.json'));
const { chromium } = require('playwright-core');

const site = process.argv[2];
if (!site) {
  console.error('usage: node bench/index-scale.mjs <site-data-dir>');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(300_000);
  const started = Date.now();
  await page.goto(pathToFileURL(path.join(path.resolve(site), 'index.html')).href, { waitUntil: 'load' });
  await page.waitForSelector('#sessions[data-rows="all"]');
  const rows = await page.textContent('#index-tools output');
  console.log(`load\t${Date.now() - started}\t(${rows.trim()})`);
  const last = async (name) => page.evaluate((n) => {
    const all = performance.getEntriesByName(n, 'measure');
    return all.length ? all[all.length - 1].duration : NaN;
  }, name);
  const times = [];
  const header = (col) => page.locator('#sessions thead th').nth(col).locator('button.sort');
  for (const [label, col] of [['sort by start', 0], ['sort by start again (reverse)', 0],
    ['sort by SessionId', 1], ['sort by customer', 2], ['sort by total messages', 7],
    ['sort by first response', 9], ['sort by status', -1]]) {
    const n = col >= 0 ? col : (await page.$$eval('#sessions thead th', (ths) => ths.length)) - 1;
    await header(n).click();
    const ms = await last('desk-sort');
    times.push(ms);
    console.log(`${label}\t${ms.toFixed(1)}`);
  }
  for (const [label, q] of [['filter an agent', 'agent_kim'], ['filter a month', '2026-03'], ['filter that matches nothing', 'zzzz-none']]) {
    const before = await page.evaluate(() => performance.getEntriesByName('desk-filter', 'measure').length);
    await page.fill('#index-tools input[type=search]', q);
    await page.waitForFunction((b) => performance.getEntriesByName('desk-filter', 'measure').length > b, before);
    const ms = await last('desk-filter');
    times.push(ms);
    console.log(`${label}\t${ms.toFixed(1)}`);
  }
  console.log(`max\t${Math.max(...times).toFixed(1)}`);
} finally {
  await browser.close();
}
