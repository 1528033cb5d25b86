// Opens GraphiQL on a running hub in headless Chromium, with every request that leaves
// loopback blocked, types a query and its variables into the editors, runs it, and
// prints one JSON report on stdout for tests/graphiql.rs to judge.
//
// Environment: PAGE_URL (the hub's /graphql), QUERY, VARIABLES (text to type),
// SCREENSHOT (where to keep the picture of the page), CHROMIUM (the browser binary).

import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const { PAGE_URL, QUERY, VARIABLES, SCREENSHOT } = process.env;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_MS = 30_000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost']);

const report = {
  blocked: [],
  failed: [],
  consoleErrors: [],
  cspViolations: [],
  steps: [],
  docsShowQuery: false,
  typedQuery: null,
  typedVariables: null,
  response: null,
  error: null,
};

const userDataDir = mkdtempSync(join(tmpdir(), 'knotenpunkt-chromium-'));
let context;
try {
  // A persistent context is how Playwright takes a user data directory of our own.
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
    viewport: { width: 1440, height: 900 },
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

  const page = context.pages()[0] ?? (await context.newPage());
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
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });

  const step = (name) => report.steps.push(name);
  // The text of the CodeMirror editor inside `selector`.
  const editorText = (selector) =>
    page.$eval(`${selector} .CodeMirror`, (element) => element.CodeMirror.getValue());

  step('open');
  await page.goto(PAGE_URL, { waitUntil: 'load', timeout: STEP_MS });

  step('docs explorer shows Query');
  await page
    .locator('.graphiql-doc-explorer')
    .getByText('Query', { exact: true })
    .first()
    .waitFor({ state: 'visible', timeout: STEP_MS });
  report.docsShowQuery = true;

  step('type the query');
  const queryEditor = '.graphiql-query-editor';
  await page.click(`${queryEditor} .CodeMirror`);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(QUERY);
  await page.keyboard.press('Escape');
  report.typedQuery = await editorText(queryEditor);

  step('type the variables');
  const variablesEditor = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
  await page.click(`${variablesEditor} .CodeMirror`);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(VARIABLES);
  await page.keyboard.press('Escape');
  report.typedVariables = await editorText(variablesEditor);

  step('prettify');
  // GraphiQL's own formatting, so the screenshot shows the query readably.
  await page.click(`${queryEditor} .CodeMirror`);
  await page.keyboard.press('Shift+Control+P');
  await page.keyboard.press('Escape');

  step('run');
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    () => {
      const editor = document.querySelector('.graphiql-response .CodeMirror');
      const text = editor ? editor.CodeMirror.getValue() : '';
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    },
    null,
    { timeout: STEP_MS },
  );
  report.response = JSON.parse(await editorText('.graphiql-response'));

  report.cspViolations = await page.evaluate(() => window.cspViolations);

  step('screenshot');
  await page.keyboard.press('Escape');
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
} catch (error) {
  report.error = String(error?.stack ?? error);
  try {
    const page = context?.pages()[0];
    if (page) {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
    }
  } catch {
    // The report already says what went wrong.
  }
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(report));
