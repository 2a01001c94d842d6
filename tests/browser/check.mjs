#!/usr/bin/env node
// Browser check of a rendered desk-archive site (the `data/` folder of an archive).
//
// Usage: node tests/browser/check.mjs [--no-remote] <site-data-dir> [<screenshot-out-dir>]
//
// Loads data/index.html (and any other data/*.html), every data/sessions/*.html and
// data/agents/*.html from file:// in Debian's Chromium (driven by playwright-core) and
// fails on:
//   - a JavaScript dialog, a console error, an uncaught page error;
//   - any request that is not a file:// URL inside the site folder, except https://
//     images (remote message images, shown by sites rendered with --remote-images), which
//     are aborted and whose load errors are ignored; with --no-remote, those too (the
//     default site makes no request outside it). Prints how many there were.
//   - a file:// resource or link inside the site that does not exist;
//   - a missing or weak Content-Security-Policy <meta>, a missing no-referrer <meta>,
//     inline <script>, <style>, style="" or on*="" attributes;
//   - an axe-core violation of impact serious or critical (light and dark scheme);
//   - horizontal overflow at a 375 px wide mobile viewport (screenshot pages).
// Takes light, dark and 375 px mobile screenshots of index.html and up to three session
// pages (the largest and two others) into <screenshot-out-dir>, when one is given (its
// old *.png files are removed first).
//
// Environment: CHROMIUM_PATH overrides /usr/bin/chromium.
// Exit status: 0 all checks passed, 1 a check failed, 2 usage or set-up error.

import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
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
const DESKTOP = { width: 1280, height: 900 };
const MOBILE = { width: 375, height: 812 };
const NAV_TIMEOUT_MS = 60_000;
const WATCHDOG_MS = 15 * 60_000;
const SCREENSHOT_MAX_HEIGHT = 12_000;
const AXE_FAIL_IMPACTS = new Set(['serious', 'critical']);

function usage(message) {
  console.error(`check.mjs: ${message}`);
  console.error('usage: node tests/browser/check.mjs [--no-remote] <site-data-dir> [<screenshot-out-dir>]');
  process.exit(2);
}

async function loadPlaywright() {
  try {
    return await import('playwright-core');
  } catch (err) {
    console.error(`check.mjs: cannot load playwright-core (${err.message})`);
    console.error('check.mjs: run scripts/test.sh, which installs the browser-test tools');
    process.exit(2);
  }
}

/** Lists the pages to check, relative to the site folder, in a stable order. */
function listPages(siteDir) {
  // index.html first, then any other top-level page, then the session and agent pages.
  const top = readdirSync(siteDir).filter((n) => n.endsWith('.html') && n !== 'index.html').sort();
  const pages = existsSync(path.join(siteDir, 'index.html')) ? ['index.html', ...top] : top;
  for (const sub of ['sessions', 'agents']) {
    const dir = path.join(siteDir, sub);
    if (!existsSync(dir)) continue;
    const names = readdirSync(dir).filter((n) => n.endsWith('.html')).sort();
    for (const name of names) pages.push(`${sub}/${name}`);
  }
  return pages;
}

/** Index, the largest session page, and the first and middle of the others. */
function pickScreenshotPages(siteDir, pages) {
  const picked = pages.includes('index.html') ? ['index.html'] : [];
  const sessions = pages.filter((p) => p.startsWith('sessions/'));
  if (sessions.length === 0) return picked;
  const size = (p) => statSync(path.join(siteDir, p)).size;
  const largest = sessions.reduce((a, b) => (size(b) > size(a) ? b : a));
  const rest = sessions.filter((p) => p !== largest);
  const others = [rest[0], rest[Math.floor(rest.length / 2)]].filter(Boolean);
  return [...picked, largest, ...new Set(others)];
}

/** Whether a file:// URL names a path inside the site folder. */
function fileUrlInside(siteDir, url) {
  let file;
  try {
    const u = new URL(url);
    u.hash = '';
    u.search = '';
    file = path.resolve(fileURLToPath(u));
  } catch {
    return { inside: false, file: url };
  }
  const inside = file === siteDir || file.startsWith(siteDir + path.sep);
  return { inside, file };
}

/** Static checks of the loaded DOM: CSP and referrer metas, nothing inline. */
async function domChecks(page) {
  return page.evaluate(() => {
    const problems = [];
    const csp = [...document.querySelectorAll('meta[http-equiv]')].filter(
      (m) => m.httpEquiv.toLowerCase() === 'content-security-policy',
    );
    if (csp.length === 0) {
      problems.push('no Content-Security-Policy <meta>');
    } else {
      const policy = csp.map((m) => m.content).join('; ');
      if (!/(^|;)\s*default-src\s+'none'/.test(policy)) {
        problems.push(`CSP lacks "default-src 'none'": ${policy}`);
      }
      for (const weak of ["'unsafe-inline'", "'unsafe-eval'", '*']) {
        if (policy.split(/[\s;]+/).includes(weak)) problems.push(`CSP allows ${weak}: ${policy}`);
      }
      if (csp.some((m) => !document.head.contains(m))) problems.push('CSP <meta> outside <head>');
    }
    const referrer = document.querySelector('meta[name="referrer"]');
    if (!referrer || referrer.content !== 'no-referrer') {
      problems.push('no <meta name="referrer" content="no-referrer">');
    }
    const inlineScripts = document.querySelectorAll('script:not([src])').length;
    if (inlineScripts) problems.push(`${inlineScripts} inline <script> element(s)`);
    const styles = document.querySelectorAll('style').length;
    if (styles) problems.push(`${styles} <style> element(s)`);
    const styled = document.querySelectorAll('[style]').length;
    if (styled) problems.push(`${styled} element(s) with a style attribute`);
    for (const el of document.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        if (/^on/i.test(attr.name)) problems.push(`event-handler attribute ${attr.name} on <${el.localName}>`);
      }
    }
    const links = [...document.querySelectorAll('a[href], link[href], img[src], script[src]')]
      .map((el) => el.href || el.src)
      .filter((u) => u.startsWith('file:'));
    return { problems, links };
  });
}

/** Remote https images the pages asked for (all aborted). */
let remoteImages = 0;
/** --no-remote: a remote image request is a problem too. */
let noRemote = false;

/** Records everything a page does that the checks care about. */
function watchPage(page, siteDir, problems) {
  const aborted = new Set();
  page.on('dialog', async (dialog) => {
    problems.push(`JavaScript ${dialog.type()} dialog: ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location()?.url || '';
    if (aborted.has(where) && /Failed to load resource/.test(msg.text())) return;
    problems.push(`console error: ${msg.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('request', (req) => {
    const url = req.url();
    if (url.startsWith('file:')) {
      const { inside, file } = fileUrlInside(siteDir, url);
      if (!inside) problems.push(`request outside the site folder: ${file}`);
    } else if (url.startsWith('https:') && req.resourceType() === 'image') {
      remoteImages += 1;
      if (noRemote) problems.push(`remote image requested: ${url}`);
    } else if (!url.startsWith('data:')) {
      problems.push(`request to ${url} (${req.resourceType()})`);
    }
  });
  page.on('requestfailed', (req) => {
    const url = req.url();
    if (aborted.has(url)) return;
    if (url.startsWith('file:')) problems.push(`failed to load ${url}: ${req.failure()?.errorText}`);
  });
  return page.route(/^(?!file:)/, async (route) => {
    const req = route.request();
    aborted.add(req.url());
    await route.abort('blockedbyclient');
  });
}

/** Loads one page with the CSP enforced; returns the problems found. */
async function checkPage(context, siteDir, rel) {
  const problems = [];
  const page = await context.newPage();
  try {
    await watchPage(page, siteDir, problems);
    await page.goto(pathToFileURL(path.join(siteDir, rel)).href, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    // Give deferred scripts and late console messages a moment.
    await page.waitForTimeout(100);
    const dom = await domChecks(page);
    problems.push(...dom.problems);
    for (const link of new Set(dom.links)) {
      const { inside, file } = fileUrlInside(siteDir, link);
      if (!inside) problems.push(`link outside the site folder: ${link}`);
      else if (!existsSync(file)) problems.push(`broken link: ${path.relative(siteDir, file)}`);
    }
  } catch (err) {
    problems.push(`could not load: ${err.message}`);
  } finally {
    await page.close();
  }
  return problems;
}

/** Runs axe-core on one page in light and dark schemes (CSP bypassed so axe can be injected). */
async function axePage(context, siteDir, rel, axeSource) {
  const problems = [];
  const page = await context.newPage();
  try {
    await page.route(/^(?!file:)/, (route) => route.abort('blockedbyclient'));
    await page.goto(pathToFileURL(path.join(siteDir, rel)).href, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    await page.addScriptTag({ content: axeSource });
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      const results = await page.evaluate(() =>
        // eslint-disable-next-line no-undef
        axe.run(document, { resultTypes: ['violations'] }),
      );
      for (const v of results.violations) {
        if (!AXE_FAIL_IMPACTS.has(v.impact)) continue;
        const targets = v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(' | ');
        const more = v.nodes.length > 5 ? ` (+${v.nodes.length - 5} more)` : '';
        problems.push(`${scheme}: axe ${v.impact} ${v.id}: ${v.help} — ${targets}${more}`);
      }
    }
  } catch (err) {
    problems.push(`axe could not run: ${err.message}`);
  } finally {
    await page.close();
  }
  return problems;
}

/** Screenshots one page in one context; checks mobile pages for horizontal overflow. */
async function screenshot(context, siteDir, rel, outFile, mobile) {
  const problems = [];
  const page = await context.newPage();
  try {
    await page.route(/^(?!file:)/, (route) => route.abort('blockedbyclient'));
    await page.goto(pathToFileURL(path.join(siteDir, rel)).href, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    const { scrollWidth, clientWidth, scrollHeight } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      scrollHeight: document.documentElement.scrollHeight,
    }));
    if (mobile && scrollWidth > clientWidth) {
      problems.push(`overflows a ${clientWidth} px viewport horizontally (${scrollWidth} px wide)`);
    }
    const width = mobile ? MOBILE.width : DESKTOP.width;
    const height = Math.min(scrollHeight, SCREENSHOT_MAX_HEIGHT);
    await page.screenshot({ path: outFile, fullPage: true, clip: { x: 0, y: 0, width, height } });
  } catch (err) {
    problems.push(`screenshot failed: ${err.message}`);
  } finally {
    await page.close();
  }
  return problems;
}

/** Light, dark and mobile screenshots of index.html and a few session pages. */
async function screenshots(browser, siteDir, pages, shotDir, add) {
  const shots = pickScreenshotPages(siteDir, pages);
  const variants = [
    ['light', { viewport: DESKTOP, colorScheme: 'light' }, false],
    ['dark', { viewport: DESKTOP, colorScheme: 'dark' }, false],
    ['mobile', { viewport: MOBILE, colorScheme: 'light', isMobile: true, hasTouch: true }, true],
  ];
  for (const [variant, options, mobile] of variants) {
    const ctx = await browser.newContext(options);
    for (const rel of shots) {
      const name = rel.replace(/\.html$/, '').replace(/[^A-Za-z0-9-]+/g, '-');
      const out = path.join(shotDir, `${name}-${variant}.png`);
      add(rel, await screenshot(ctx, siteDir, rel, out, mobile));
    }
    await ctx.close();
  }
  console.log(`check.mjs: ${shots.length * variants.length} screenshots in ${shotDir}`);
}

async function main() {
  const args = process.argv.slice(2);
  noRemote = args[0] === '--no-remote';
  const [siteArg, shotArg, ...rest] = noRemote ? args.slice(1) : args;
  if (!siteArg || rest.length > 0) usage('expected one or two arguments');
  if (!existsSync(siteArg) || !statSync(siteArg).isDirectory()) usage(`not a folder: ${siteArg}`);
  if (!existsSync(CHROMIUM)) usage(`no Chromium at ${CHROMIUM}: run scripts/test.sh`);
  const axePath = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
  if (!existsSync(axePath)) usage(`no ${axePath}: run scripts/test.sh`);
  const axeSource = readFileSync(axePath, 'utf8');
  const siteDir = realpathSync(siteArg);
  const pages = listPages(siteDir);
  if (!pages.includes('index.html')) usage(`no index.html in ${siteDir}`);

  const shotDir = shotArg ? path.resolve(shotArg) : null;
  if (shotDir) {
    mkdirSync(shotDir, { recursive: true });
    for (const name of readdirSync(shotDir)) {
      if (name.endsWith('.png')) rmSync(path.join(shotDir, name));
    }
  }

  const watchdog = setTimeout(() => {
    console.error(`check.mjs: gave up after ${WATCHDOG_MS / 60_000} minutes`);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();

  const { chromium } = await loadPlaywright();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const failures = new Map();
  const add = (rel, problems) => {
    if (problems.length) failures.set(rel, [...(failures.get(rel) || []), ...problems]);
  };
  try {
    const strict = await browser.newContext({ viewport: DESKTOP, colorScheme: 'light' });
    for (const rel of pages) add(rel, await checkPage(strict, siteDir, rel));
    await strict.close();

    const axeContext = await browser.newContext({ viewport: DESKTOP, bypassCSP: true });
    for (const rel of pages) add(rel, await axePage(axeContext, siteDir, rel, axeSource));
    await axeContext.close();

    if (shotDir) await screenshots(browser, siteDir, pages, shotDir, add);
  } finally {
    await browser.close();
  }

  for (const rel of pages) console.log(`${failures.has(rel) ? 'FAIL' : 'ok  '} ${rel}`);
  for (const [rel, problems] of failures) {
    console.log(`\n${rel}:`);
    for (const p of problems) console.log(`  - ${p}`);
  }
  const failed = failures.size;
  console.log(`\ncheck.mjs: ${remoteImages} remote image requests (aborted)`);
  console.log(`check.mjs: ${pages.length - failed} pages passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(`check.mjs: ${err.stack || err}`);
  process.exit(2);
});
