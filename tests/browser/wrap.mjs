#!/usr/bin/env node
// Word-wrapping check of a rendered desk-archive site's tables.
//
// Usage: node tests/browser/wrap.mjs <site-data-dir>
//
// Loads index.html, every agents/*.html and every sessions/*.html that holds a table
// from file:// in Debian's Chromium (playwright-core), at 1280 px and 375 px wide on
// screen and in print media on an A4 page (718 px: 210 mm less 10 mm margins), and
// fails when a line break falls inside a word of a table header or cell ("Custo|mer").
//
// A word is a run of characters between white space and hyphens (where a line may break
// anyway). Only over-long tokens may break inside: ids and URLs of more than
// LONG_TOKEN characters. Words of Han, Kana or Hangul script are left out: those scripts
// break between any two characters. A word is split when its characters lie on more than
// one line (the tops of its Range's client rects differ). Also fails when a table is
// wider than the page (it would scroll on screen, and be cut off in print).
//
// Environment: CHROMIUM_PATH overrides /usr/bin/chromium.
// Exit status: 0 no problem, 1 a split word or a table too wide, 2 usage or set-up error.

import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
// [name, viewport, media]
const LAYOUTS = [
  ['1280 px', { width: 1280, height: 900 }, 'screen'],
  ['375 px', { width: 375, height: 812 }, 'screen'],
  ['A4 print', { width: 718, height: 1047 }, 'print'],
];
const LONG_TOKEN = 24;
const NAV_TIMEOUT_MS = 60_000;

function usage(message) {
  console.error(`wrap.mjs: ${message}`);
  console.error('usage: node tests/browser/wrap.mjs <site-data-dir>');
  process.exit(2);
}

/** index.html, agent pages, and session pages that hold a table. */
function listPages(siteDir) {
  const pages = ['index.html'];
  for (const sub of ['agents', 'sessions']) {
    const dir = path.join(siteDir, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.html')).sort()) {
      const rel = `${sub}/${name}`;
      if (readFileSync(path.join(siteDir, rel), 'utf8').includes('<table')) pages.push(rel);
    }
  }
  return pages;
}

/** Runs in the page: every word of a visible th/td that a line break splits. */
function splitWords(longToken) {
  const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
  const found = [];
  for (const cell of document.querySelectorAll('th, td')) {
    if (cell.getClientRects().length === 0) continue; // not displayed
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const words = /[^\s\-\u2010-\u2014]+/gu;
      for (let m = words.exec(node.data); m; m = words.exec(node.data)) {
        const word = m[0];
        if ([...word].length > longToken || cjk.test(word)) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + word.length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
        const tops = rects.map((r) => r.top).sort((a, b) => a - b);
        if (tops.length > 1 && tops[tops.length - 1] - tops[0] > rects[0].height / 2) {
          const parts = rects.length;
          const cls = cell.closest('table')?.className;
          const where = `${cell.localName} of a table${cls ? ` of class "${cls}"` : ''}`;
          found.push(`"${word}" broken over ${parts} lines in a ${where} (${Math.round(cell.getBoundingClientRect().width)} px wide)`);
        }
      }
    }
  }
  // A table wider than the page scrolls on screen and is cut off in print.
  const width = document.documentElement.clientWidth;
  for (const table of document.querySelectorAll('table')) {
    const right = Math.round(table.getBoundingClientRect().right);
    if (table.getClientRects().length && right > width) {
      found.push(`a table${table.className ? ` of class "${table.className}"` : ''} ends at ${right} px, beyond the page's ${width} px`);
    }
  }
  return found;
}

async function checkLayout(browser, siteDir, pages, [name, viewport, media]) {
  const context = await browser.newContext({ viewport });
  const problems = [];
  try {
    for (const rel of pages) {
      const page = await context.newPage();
      try {
        await page.route(/^(?!file:)/, (route) => route.abort('blockedbyclient'));
        await page.emulateMedia({ media });
        await page.goto(pathToFileURL(path.join(siteDir, rel)).href, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
        const found = await page.evaluate(splitWords, LONG_TOKEN);
        for (const f of [...new Set(found)]) problems.push(`${rel} (${name}): ${f}`);
      } finally {
        await page.close();
      }
    }
  } finally {
    await context.close();
  }
  return problems;
}

async function main() {
  const [siteArg] = process.argv.slice(2);
  if (!siteArg || process.argv.length > 3) usage('expected one argument');
  if (!existsSync(siteArg) || !statSync(siteArg).isDirectory()) usage(`not a folder: ${siteArg}`);
  if (!existsSync(CHROMIUM)) usage(`no Chromium at ${CHROMIUM}: run scripts/test.sh`);
  const siteDir = realpathSync(siteArg);
  if (!existsSync(path.join(siteDir, 'index.html'))) usage(`no index.html in ${siteDir}`);
  let playwright;
  try {
    playwright = await import('playwright-core');
  } catch (err) {
    usage(`cannot load playwright-core (${err.message}): run scripts/test.sh`);
  }
  const pages = listPages(siteDir);
  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const problems = [];
  try {
    for (const layout of LAYOUTS) problems.push(...(await checkLayout(browser, siteDir, pages, layout)));
  } finally {
    await browser.close();
  }
  for (const p of problems) console.log(`wrap: ${p}`);
  console.log(`wrap.mjs: ${pages.length} pages in ${LAYOUTS.length} layouts, ${problems.length} problems`);
  process.exit(problems.length ? 1 : 0);
}

main().catch((err) => {
  console.error(`wrap.mjs: ${err.stack || err}`);
  process.exit(2);
});
