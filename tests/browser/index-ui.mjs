// index-ui.mjs: drives the index page's JavaScript in Chromium — sorting by a numeric
// column, the text filter and the date-range filter — and checks what the user sees; and
// the charts' captions and axis labels (legible, not overlapping) at 1280 and 375 px.
//
// With JavaScript the index loads index-rows.js and sorts and filters every session of the
// archive: the script waits for that, checks that the rows it draws are the rows the page
// has without JavaScript, and with `--all N --find ID` that the count covers N sessions,
// that a SessionId from another index page is found and sorted to the top, and that the
// next rows come with the "more" button.
//
//   node tests/browser/index-ui.mjs <site-data-dir> [--all N --find ID]
//
// Exit 0 when every check holds, 1 with a list of failures otherwise, 2 on a set-up error.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

const [siteArg, ...rest] = process.argv.slice(2);
if (!siteArg || !existsSync(path.join(siteArg, 'index.html'))) {
  console.error('usage: node tests/browser/index-ui.mjs <site-data-dir with index.html> [--all N --find ID]');
  process.exit(2);
}
const option = (name) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
const allRows = option('--all') ? Number(option('--all')) : null;
const findId = option('--find');
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (err) {
  console.error(`index-ui.mjs: cannot load playwright-core (${err.message}): run scripts/test.sh`);
  process.exit(2);
}

const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
try {
  const page = await browser.newPage();
  // Remote images are the only outside requests a page may make; none are needed here.
  await page.route(/^https?:/, (route) => route.abort());
  const url = pathToFileURL(path.join(realpathSync(siteArg), 'index.html')).href;

  // The rows the page has without JavaScript.
  const still = await browser.newContext({ javaScriptEnabled: false });
  const plain = await still.newPage();
  await plain.goto(url, { waitUntil: 'load' });
  const cellsOf = (p) => p.$$eval('#sessions tbody tr', (trs) => trs.slice(0, 200).map((tr) =>
    [...tr.cells].map((td) => `${td.className}|${td.getAttribute('data-sort')}|${td.innerHTML.trim()}`).join('\t')));
  const staticRows = await cellsOf(plain);
  await still.close();

  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('#sessions[data-rows="all"]', { timeout: 60_000 }).catch(() => {
    failures.push('index.js never took every row of the archive (index-rows.js did not load)');
  });
  const drawn = await cellsOf(page);
  check(drawn.length === staticRows.length, `index.js draws ${drawn.length} rows where the page has ${staticRows.length}`);
  const differs = drawn.findIndex((row, i) => row !== staticRows[i]);
  check(differs === -1, `row ${differs} drawn by index.js differs from the page's:\n    ${drawn[differs]}\n    ${staticRows[differs]}`);
  check(!(await page.isVisible('.pager')), 'the page links are still shown with every row in hand');

  if (allRows !== null) {
    const shownCount = async () => (await page.textContent('#index-tools output')) || '';
    check((await shownCount()).includes(` / ${allRows} `), `the count "${await shownCount()}" does not cover ${allRows} sessions`);
    await page.fill('#index-tools input[type=search]', findId);
    await page.waitForFunction((id) => {
      const rows = document.querySelectorAll('#sessions tbody tr');
      return rows.length === 1 && rows[0].textContent.includes(id);
    }, findId, { timeout: 5_000 }).catch(() => failures.push(`filtering for ${findId} does not find it among all sessions`));
    await page.fill('#index-tools input[type=search]', '');
    await page.waitForTimeout(400);
    const idButton = page.locator('#sessions thead th').nth(1).locator('button.sort');
    await idButton.click();
    const first = await page.$eval('#sessions tbody tr td.id', (td) => td.textContent.trim());
    check(first === findId, `sorting by SessionId puts ${first} first, not ${findId}`);
    const before = await page.$$eval('#sessions tbody tr', (trs) => trs.length);
    check(before === 200, `${before} rows drawn at first, expected 200`);
    await page.click('button.more-rows');
    const after = await page.$$eval('#sessions tbody tr', (trs) => trs.length);
    check(after === 400, `the more button draws ${after - before} more rows, expected 200`);
    await idButton.click();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('#sessions[data-rows="all"]', { timeout: 60_000 });
  }

  const visibleRows = () => page.$$eval('#sessions tbody tr', (trs) => trs.filter((tr) => !tr.hidden).length);
  const total = await page.$$eval('#sessions tbody tr', (trs) => trs.length);
  check(total > 2, `expected several session rows, found ${total}`);

  // Sorting: the first numeric column's button orders rows largest first, missing last;
  // a second click reverses the order.
  const col = await page.$$eval('#sessions thead th', (ths) => ths.findIndex((th) => th.getAttribute('data-type') === 'num'));
  check(col >= 0, 'no numeric column to sort');
  if (col >= 0) {
    const values = () => page.$$eval('#sessions tbody tr', (trs, c) => trs.map((tr) => {
      const raw = tr.cells[c] && tr.cells[c].getAttribute('data-sort');
      return raw === null || raw === '' ? null : Number(raw);
    }), col);
    const button = page.locator('#sessions thead th').nth(col).locator('button.sort');
    const hasButton = await button.count() === 1;
    check(hasButton, 'no sort button in the numeric header (index.js did not run)');
    if (hasButton) await button.click();
    const down = (await values()).filter((v) => v !== null);
    check(down.every((v, i) => i === 0 || down[i - 1] >= v), `first click is not largest first: ${down.join(',')}`);
    const all = await values();
    const firstMissing = all.indexOf(null);
    check(firstMissing === -1 || all.slice(firstMissing).every((v) => v === null), 'missing values are not last');
    if (hasButton) await button.click();
    const up = (await values()).filter((v) => v !== null);
    check(up.every((v, i) => i === 0 || up[i - 1] <= v), `second click is not smallest first: ${up.join(',')}`);
    const sorted = await page.locator('#sessions thead th').nth(col).getAttribute('aria-sort');
    check(sorted === 'ascending', `aria-sort is ${sorted} after the second click`);
  }

  // Text filter: a SessionId fragment leaves exactly the rows containing it.
  const firstId = await page.$eval('#sessions tbody tr td.id', (td) => td.textContent.trim());
  const needle = firstId.slice(0, 8).toLowerCase();
  const expected = await page.$$eval('#sessions tbody tr', (trs, n) => trs.filter((tr) => tr.textContent.toLowerCase().includes(n)).length, needle);
  if (await page.locator('#index-tools input[type=search]').count() === 0) {
    failures.push('no filter box (index.js did not run)');
    throw new Error('stop');
  }
  await page.fill('#index-tools input[type=search]', needle);
  await page.waitForTimeout(400);
  check(await visibleRows() === expected, `filter "${needle}" shows ${await visibleRows()} rows, expected ${expected}`);
  await page.fill('#index-tools input[type=search]', '');
  await page.waitForTimeout(400);
  check(await visibleRows() === total, 'clearing the filter does not show every row again');

  // Date range: only rows whose local start day lies in the range stay visible.
  const days = (await page.$$eval('#sessions tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-day') || ''))).filter(Boolean).sort();
  if (days.length > 1) {
    const day = days[Math.floor(days.length / 2)];
    const inRange = days.filter((d) => d === day).length;
    await page.fill('#index-tools input[type=date] >> nth=0', day);
    await page.fill('#index-tools input[type=date] >> nth=1', day);
    await page.dispatchEvent('#index-tools input[type=date] >> nth=1', 'change');
    check(await visibleRows() === inRange, `date range ${day} shows ${await visibleRows()} rows, expected ${inRange}`);
  }
  // Charts: each has a visible caption, and its axis labels neither overlap nor shrink
  // below legibility on a desktop and on a 375 px phone.
  for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 812 }]) {
    await page.setViewportSize(viewport);
    const charts = await page.$$eval('figure.chart-figure', (figs) => figs.map((fig) => {
      const caption = fig.querySelector('figcaption');
      const labels = [...fig.querySelectorAll('.labels text')]
        .filter((t) => getComputedStyle(t).display !== 'none')
        .map((t) => {
          const r = t.getBoundingClientRect();
          return { text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        });
      const captionVisible = !!caption && caption.getBoundingClientRect().height > 0 && caption.textContent.trim() !== '';
      return { caption: caption ? caption.textContent.trim() : '', captionVisible, labels };
    }));
    const at = `at ${viewport.width} px`;
    check(charts.length >= 3, `${at}: expected three charts, found ${charts.length}`);
    for (const chart of charts) {
      check(chart.captionVisible, `${at}: a chart has no visible caption`);
      check(chart.labels.length > 1, `${at}: chart "${chart.caption}" shows ${chart.labels.length} axis labels`);
      for (const [i, a] of chart.labels.entries()) {
        check(a.bottom - a.top >= 8, `${at}: chart "${chart.caption}" label ${a.text} is ${(a.bottom - a.top).toFixed(1)} px high`);
        for (const b of chart.labels.slice(i + 1)) {
          const apart = a.right <= b.left + 0.5 || b.right <= a.left + 0.5 || a.bottom <= b.top + 0.5 || b.bottom <= a.top + 0.5;
          check(apart, `${at}: chart "${chart.caption}" labels ${a.text} and ${b.text} overlap`);
        }
      }
    }
  }
} catch (err) {
  if (err.message !== 'stop') failures.push(`error: ${err.message}`);
} finally {
  await browser.close();
}

if (failures.length) {
  console.log(`index-ui.mjs: ${failures.length} failure(s)`);
  for (const f of failures) console.log(`  - ${f}`);
  process.exit(1);
}
console.log('index-ui.mjs: sorting and filtering work');
