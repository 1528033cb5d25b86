// Opens the dashboard on a running hub in headless Chromium (1366×768), with every
// request that leaves loopback blocked, once per language, gives it a token the ways
// the page offers, waits for its figures and prints one JSON report on stdout for
// tests/dashboard.rs to judge: what each language shows, every number the page drew
// (its data attributes), and a screenshot per language.
//
// German: the token typed into the token field. English: the same tab reloaded (the
// token is kept in sessionStorage), then the statistics table switched to one dimension
// with the keyboard and the region filter applied. Swedish: a new tab, where the token
// comes from client id and secret (POST oauth/token). Last, English in a new tab of a hub
// that writes the token into the page (`--dashboard-token`).
//
// Environment: PAGE_URL (the hub's /dashboard), OPERATOR_PAGE_URL (/dashboard of a hub
// with a dashboard token), TOKEN, CLIENT_ID, CLIENT_SECRET,
// FILTER_REGION (a region code to filter by), STATS_DIMENSION (one dimension for the
// statistics table), SCREENSHOT_DIR, CHROMIUM (the browser binary).

import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { PAGE_URL, OPERATOR_PAGE_URL, TOKEN, CLIENT_ID, CLIENT_SECRET, FILTER_REGION, STATS_DIMENSION, SCREENSHOT_DIR } =
  process.env;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_MS = 30_000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost']);

const report = {
  blocked: [],
  failed: [],
  consoleErrors: [],
  cspViolations: [],
  steps: [],
  views: [],
  screenshots: [],
  keyboard: null,
  error: null,
};

const step = (name) => report.steps.push(name);

// What the page shows now: its words, the state of each section, and every number it
// drew with the attributes that tie it to the API's answer.
async function view(page, name) {
  const seen = await page.evaluate(() => {
    const text = (selector) => document.querySelector(selector)?.textContent.trim() ?? null;
    return {
      htmlLang: document.documentElement.lang,
      title: text('h1'),
      headings: [...document.querySelectorAll('main h2')].map((h) => h.textContent.trim()),
      legend: [...document.querySelectorAll('#legend-marks li')].map((li) => li.textContent.trim()),
      disclosureNote: text('#disclosure-note'),
      accessStatus: text('#access-status'),
      sections: Object.fromEntries(
        [...document.querySelectorAll('main > section')].map((s) => [
          s.id,
          {
            status: s.dataset.status,
            message: s.querySelector('.message')?.textContent.trim() ?? null,
            rows: s.querySelectorAll('tbody tr').length,
            bars: s.querySelectorAll('svg rect.bar').length,
          },
        ]),
      ),
      statisticsGroupBy: document.querySelector('#statistics').dataset.groupBy ?? null,
      statisticsRows: [...document.querySelectorAll('#statistics tbody th[scope="row"]')].map((th) =>
        th.textContent.trim(),
      ),
      professionOptions: [...document.querySelectorAll('#f-profession option')]
        .filter((o) => o.value)
        .map((o) => ({ value: o.value, label: o.textContent })),
      figures: [...document.querySelectorAll('[data-figure]')].map((e) => ({
        figure: e.dataset.figure,
        key: e.dataset.key,
        value: e.dataset.value,
        display: e.dataset.display ?? null,
        flags: e.dataset.flags ?? null,
        currency: e.dataset.currency ?? null,
        element: e.tagName.toLowerCase(),
        text: e.tagName.toLowerCase() === 'rect' ? null : e.textContent.trim(),
      })),
    };
  });
  report.views.push({ name, ...seen });
}

async function ready(page, lang) {
  await page.waitForSelector(`main[data-status="ready"][data-lang="${lang}"]`, { timeout: STEP_MS });
}

async function screenshot(page, lang) {
  const path = join(SCREENSHOT_DIR, `dashboard-${lang}.png`);
  await page.screenshot({ path, fullPage: true });
  report.screenshots.push(path);
}

function watch(page) {
  page.on('requestfailed', (request) => {
    report.failed.push(`${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) {
      report.failed.push(`${response.url()}: HTTP ${response.status()}`);
    }
  });
  page.on('console', (message) => {
    if (message.type() === 'error') {
      report.consoleErrors.push(message.text());
    }
  });
  page.on('pageerror', (error) => report.consoleErrors.push(String(error)));
}

const userDataDir = mkdtempSync(join(tmpdir(), 'knotenpunkt-chromium-'));
let context;
try {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1366, height: 768 },
    serviceWorkers: 'block',
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    let host = '';
    try {
      host = new URL(url).hostname;
    } catch {
      // Not a URL with a host: blocked like any other outside request.
    }
    if (LOOPBACK.has(host)) {
      return route.continue();
    }
    report.blocked.push(url);
    return route.abort('blockedbyclient');
  });
  await context.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });

  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);

  step('de: open, keyboard to the language switch');
  await page.goto(PAGE_URL, { waitUntil: 'load', timeout: STEP_MS });
  await page.waitForSelector('main[data-status="idle"]', { timeout: STEP_MS });
  // From the top of the page: the skip link first, then the language switch.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  report.keyboard = await page.evaluate(() => {
    const focused = document.activeElement;
    const style = getComputedStyle(focused);
    return { focused: focused.id, outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth };
  });
  await page.selectOption('#lang', 'de');

  step('de: type the token');
  await page.fill('#token', TOKEN);
  await page.press('#token', 'Enter');
  await ready(page, 'de');
  await view(page, 'de');
  await screenshot(page, 'de');

  step('en: reload, the tab keeps the token');
  await page.reload({ waitUntil: 'load', timeout: STEP_MS });
  await ready(page, 'de');
  await page.selectOption('#lang', 'en');
  await ready(page, 'en');
  await view(page, 'en');
  await screenshot(page, 'en');

  step('en: statistics table by one dimension, with the keyboard');
  await page.selectOption('#s-rows', STATS_DIMENSION);
  await page.selectOption('#s-columns', '');
  await page.focus('#s-columns');
  await page.keyboard.press('Tab');
  report.keyboard.showButton = await page.evaluate(() => document.activeElement.textContent);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#statistics[data-status="ready"][data-group-by="${STATS_DIMENSION}"]`, { timeout: STEP_MS });
  await view(page, 'en-statistics');

  step('en: region filter');
  await page.selectOption('#f-region', FILTER_REGION);
  await page.click('#filters button[type="submit"]');
  await page.waitForSelector(`main[data-status="ready"][data-lang="en"][data-region="${FILTER_REGION}"]`, {
    timeout: STEP_MS,
  });
  await view(page, 'en-region');

  step('sv: a new tab, a token from client id and secret');
  const sv = await context.newPage();
  watch(sv);
  await sv.goto(`${PAGE_URL}?lang=sv`, { waitUntil: 'load', timeout: STEP_MS });
  await sv.waitForSelector('main[data-status="idle"][data-lang="sv"]', { timeout: STEP_MS });
  await sv.fill('#client-id', CLIENT_ID);
  await sv.fill('#client-secret', CLIENT_SECRET);
  await sv.click('#client-form button[type="submit"]');
  await ready(sv, 'sv');
  await view(sv, 'sv');
  await screenshot(sv, 'sv');

  step('en: the operator\'s token, written into the page');
  const operator = await context.newPage();
  watch(operator);
  await operator.goto(`${OPERATOR_PAGE_URL}?lang=en`, { waitUntil: 'load', timeout: STEP_MS });
  await ready(operator, 'en');
  report.operatorFormsHidden = await operator.evaluate(() => document.querySelector('#access-forms').hidden);
  await view(operator, 'en-operator');

  for (const p of context.pages()) {
    report.cspViolations.push(...(await p.evaluate(() => window.cspViolations)));
  }
} catch (error) {
  report.error = String(error?.stack ?? error);
  try {
    const pages = context?.pages() ?? [];
    const last = pages[pages.length - 1];
    if (last) {
      const path = join(SCREENSHOT_DIR, 'dashboard-failure.png');
      await last.screenshot({ path, fullPage: true });
      report.screenshots.push(path);
    }
  } catch {
    // The report already says what went wrong.
  }
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(report));
