// End-to-end test of the search page: starts the real search-service (with
// its HTTP gateway) and ingest-service on 127.0.0.1 port 0 with temporary
// data folders, loads the sample posts with scrctl, and drives the page in
// headless Chromium (Debian's, via playwright-core). Saves screenshots at
// desktop (1280 px) and phone (390 px) widths.
//
// Run through tests/e2e/run.sh (CTest: web_e2e), which sets:
//   SCR_BUILD_DIR      build folder holding the three binaries (required)
//   SCR_SOURCE_DIR     checkout, for samples/ (default: ../.. from here)
//   SCR_E2E_NODE_DIR   folder whose node_modules holds playwright-core
//   SCR_CHROMIUM       browser binary (default /usr/bin/chromium)
//   SCR_E2E_SCREENSHOTS where to save PNGs (default $SCR_BUILD_DIR/e2e-screenshots)
//
// Every process started here is killed when the test ends, whatever happens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const buildDir = process.env.SCR_BUILD_DIR;
assert.ok(buildDir, 'set SCR_BUILD_DIR to the build folder');
const sourceDir = process.env.SCR_SOURCE_DIR || path.resolve(here, '../..');
const chromiumPath = process.env.SCR_CHROMIUM || '/usr/bin/chromium';
const shotsDir = process.env.SCR_E2E_SCREENSHOTS || path.join(buildDir, 'e2e-screenshots');
const require = createRequire(path.join(process.env.SCR_E2E_NODE_DIR || here, 'package.json'));
const { chromium } = require('playwright-core');

const bin = {
  search: path.join(buildDir, 'search-service/search-service'),
  ingest: path.join(buildDir, 'ingest-service/ingest-service'),
  scrctl: path.join(buildDir, 'scrctl/scrctl'),
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scr-web-e2e-'));
const children = [];
let context = null;
let baseUrl = '';
let usedSamples = false;

// Kills every child synchronously: the last line of defence on exit.
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function startProcess(name, argv) {
  const log = fs.openSync(path.join(tmp, `${name}.log`), 'a');
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', log, log] });
  child.logPath = path.join(tmp, `${name}.log`);
  child.processName = name;
  children.push(child);
  return child;
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitForPortFile(file, child, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${child.processName} exited early:\n${tail(child.logPath)}`);
    }
    try {
      const port = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
      if (port > 0) return port;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${child.processName}: no port in ${file} after ${timeoutMs} ms:\n${tail(child.logPath)}`);
}

// The inputs to ingest: the project's samples/ once it holds posts, else a
// few small posts written here.
function inputs() {
  const samples = path.join(sourceDir, 'samples');
  const files = fs.existsSync(samples)
    ? fs.readdirSync(samples).filter((f) => !f.startsWith('.') && !f.startsWith('README'))
    : [];
  if (files.length > 0) {
    usedSamples = true;
    return samples;
  }
  const dir = path.join(tmp, 'inputs');
  fs.mkdirSync(dir);
  const post = (title, body, category) =>
    `Title: ${title}\nCategories: ${category}\nDate: 2012-03-04\n\n${body}\n`;
  fs.writeFileSync(path.join(dir, 'a.txt'), post('Ofsted and the serious case review',
    'Ofsted evaluated every serious case review until 2011. The grades said little about learning.', 'policy'));
  fs.writeFileSync(path.join(dir, 'b.txt'), post('What Ofsted inspections miss',
    'An inspection by Ofsted cannot see the daily work of a social worker with a family.', 'practice'));
  fs.writeFileSync(path.join(dir, 'c.txt'), post('The Munro review one year on',
    'Munro asked for less compliance and more professional judgement in child protection.', 'policy'));
  return dir;
}

before(async () => {
  for (const [name, file] of Object.entries(bin)) {
    assert.ok(fs.existsSync(file), `${name} is not built: ${file}`);
  }
  fs.mkdirSync(shotsDir, { recursive: true });

  const search = startProcess('search', [bin.search, '--listen=127.0.0.1:0',
    `--port_file=${tmp}/search.port`, '--http_listen=127.0.0.1:0',
    `--http_port_file=${tmp}/http.port`, `--data_dir=${tmp}/search`]);
  const searchPort = await waitForPortFile(`${tmp}/search.port`, search);
  const httpPort = await waitForPortFile(`${tmp}/http.port`, search);
  baseUrl = `http://127.0.0.1:${httpPort}`;

  const ingest = startProcess('ingest', [bin.ingest, '--listen=127.0.0.1:0',
    `--port_file=${tmp}/ingest.port`, `--search=127.0.0.1:${searchPort}`,
    `--data_dir=${tmp}/ingest`]);
  const ingestPort = await waitForPortFile(`${tmp}/ingest.port`, ingest);

  const source = inputs();
  const loaded = spawnSync(bin.scrctl, [`--ingest=127.0.0.1:${ingestPort}`,
    `--search=127.0.0.1:${searchPort}`, 'ingest', '--wait', source],
  { encoding: 'utf8', timeout: 180000 });
  assert.equal(loaded.status, 0,
    `scrctl ingest --wait ${source} failed:\n${loaded.stdout}\n${loaded.stderr}\n` +
    `search log:\n${tail(search.logPath)}\ningest log:\n${tail(ingest.logPath)}`);

  const health = await fetch(`${baseUrl}/healthz`);
  assert.equal(health.status, 200);

  context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
    timeout: 60000,
  });
});

after(async () => {
  if (context) await context.close().catch(() => {});
  for (const c of children.reverse()) await stopProcess(c);
  if (process.env.SCR_E2E_KEEP_TMP) {
    console.log(`kept ${tmp}`);
  } else {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

async function shot(page, name) {
  const file = path.join(shotsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Waits until the search view has answered: hits, the empty state or an error.
async function settled(page) {
  await page.waitForFunction(() => {
    const view = document.getElementById('search-view');
    return !view.hidden && !view.hasAttribute('aria-busy');
  });
}

test('search page', { timeout: 240000 }, async (t) => {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });

  await t.test('loads the page with the index size', async () => {
    await page.goto(`${baseUrl}/`);
    await settled(page);
    assert.equal(await page.title(), 'SCR commentary search');
    await page.waitForFunction(() => /posts? indexed/.test(document.getElementById('stats').textContent));
  });

  await t.test('slash focuses the search box and suggestions open and close', async () => {
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'q');
    await page.keyboard.type('Ofs', { delay: 30 });
    const list = page.locator('#suggestions');
    const shown = await list.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false);
    if (shown) {
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.locator('#suggestions [aria-selected="true"]').count(), 1);
      assert.equal(await page.locator('#q').getAttribute('aria-expanded'), 'true');
      await page.keyboard.press('Escape');
      await list.waitFor({ state: 'hidden' });
    } else {
      t.diagnostic('no suggestions for "Ofs" in this index');
    }
    await page.locator('#q').fill('');
  });

  await t.test('searches Ofsted and highlights matches', async () => {
    await page.locator('#q').fill('Ofsted');
    await page.keyboard.press('Enter');
    await page.waitForURL(/[?&]q=Ofsted/);
    await settled(page);
    await page.locator('#hits .hit').first().waitFor();
    const marks = await page.locator('#hits mark').allTextContents();
    assert.ok(marks.length > 0, 'expected <mark> highlights');
    assert.ok(marks.some((m) => /ofsted/i.test(m)), `marks: ${marks.join(', ')}`);
    assert.match(await page.locator('#summary').textContent(), /posts?/);
    await shot(page, 'desktop-results');
  });

  await t.test('clicks a category facet and un-clicks it', async () => {
    const first = page.locator('#facets [data-facet="category"] .facet-value').first();
    await first.waitFor();
    const value = await first.getAttribute('data-value');
    await first.click();
    await page.waitForURL((u) => new URL(u).searchParams.getAll('category').includes(value));
    await settled(page);
    const selected = page.locator(`#facets [data-facet="category"] .facet-value[data-value="${value}"]`);
    assert.equal(await selected.getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('#active-filters li').count(), 1);
    // Every hit carries the category.
    const hitCount = await page.locator('#hits .hit').count();
    assert.ok(hitCount > 0);
    for (let i = 0; i < hitCount; i++) {
      const chips = (await page.locator('#hits .hit').nth(i).locator('.chips .chip').allTextContents())
        .map((c) => c.toLowerCase());
      assert.ok(chips.includes(value.toLowerCase()), `hit ${i} lacks category ${value}: ${chips}`);
    }
    await shot(page, 'desktop-facet-selected');
    await selected.click();
    await page.waitForURL((u) => !new URL(u).searchParams.has('category'));
    await settled(page);
    assert.equal(await page.locator(`#facets [data-facet="category"] .facet-value[data-value="${value}"]`)
      .getAttribute('aria-pressed'), 'false');
    assert.equal(await page.locator('#active-filters li').count(), 0);
  });

  await t.test('back button restores the previous search', async () => {
    await page.goBack();
    await page.waitForURL((u) => new URL(u).searchParams.has('category'));
    await settled(page);
    await page.goForward();
    await page.waitForURL((u) => !new URL(u).searchParams.has('category'));
    await settled(page);
  });

  await t.test('pages forward and back when there is a next page', async () => {
    // Every post, newest first: the largest result list.
    await page.goto(`${baseUrl}/?sort=newest`);
    await settled(page);
    const next = page.locator('#next-page');
    if (await next.isVisible() && await next.isEnabled()) {
      const firstTitle = await page.locator('#hits .hit-title').first().textContent();
      await next.click();
      await page.waitForURL(/page_token=/);
      await settled(page);
      assert.equal(await page.locator('#page-info').textContent(), 'Page 2');
      assert.notEqual(await page.locator('#hits .hit-title').first().textContent(), firstTitle);
      await page.locator('#prev-page').click();
      await page.waitForURL((u) => !new URL(u).searchParams.has('page_token'));
      await settled(page);
      assert.equal(await page.locator('#page-info').textContent(), 'Page 1');
      assert.equal(await page.locator('#hits .hit-title').first().textContent(), firstTitle);
    } else {
      t.diagnostic('one page of results only: paging not exercised');
    }
  });

  await t.test('opens a post and lists where it was seen', async () => {
    await page.goto(`${baseUrl}/?q=Ofsted`);
    await settled(page);
    const link = page.locator('#hits .hit-link').first();
    const title = (await link.textContent()).trim();
    await link.click();
    await page.waitForURL(/[?&]post=/);
    await page.locator('#post-content').waitFor({ state: 'visible' });
    assert.equal((await page.locator('#post-title').textContent()).trim(), title);
    assert.ok(await page.locator('#post-body p').count() >= 1);
    const seen = await page.locator('#seen-at li').allTextContents();
    assert.ok(seen.length >= 1, 'expected "seen at" addresses');
    if (usedSamples) assert.ok(seen.some((s) => /https?:\/\//.test(s)), seen.join('\n'));
    await shot(page, 'desktop-post');
  });

  await t.test('follows more like this', async () => {
    await page.locator('#post-similar').click();
    await page.waitForURL(/[?&]similar=/);
    await page.waitForFunction(() => {
      const hits = document.querySelectorAll('#similar-hits .hit').length;
      const status = document.getElementById('similar-status');
      return /Posts like/.test(document.getElementById('similar-title').textContent) &&
        (hits > 0 || (!status.hidden && !status.classList.contains('status-loading')));
    });
    const hits = await page.locator('#similar-hits .hit').count();
    if (usedSamples) assert.ok(hits > 0, 'expected similar posts among the samples');
    await shot(page, 'desktop-similar');
    await page.goBack();
    await page.locator('#post-content').waitFor({ state: 'visible' });
  });

  await t.test('shows the empty state for a query with no results', async () => {
    await page.goto(`${baseUrl}/`);
    await settled(page);
    await page.locator('#q').fill('zqxjkvw');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=zqxjkvw/);
    await settled(page);
    await page.locator('#status.status-empty').waitFor();
    assert.match(await page.locator('#status').textContent(), /No posts match/);
    assert.equal(await page.locator('#hits .hit').count(), 0);
    await shot(page, 'desktop-empty');
  });

  await t.test('shows the server message for a bad request', async () => {
    await page.goto(`${baseUrl}/?q=${'a'.repeat(1100)}`);
    await settled(page);
    await page.locator('#status.status-error').waitFor();
    assert.match(await page.locator('#status').textContent(), /query/);
  });

  await t.test('is readable at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${baseUrl}/?q=Ofsted`);
    await settled(page);
    await page.locator('#hits .hit').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
    await shot(page, 'phone-results');
    await page.locator('#toggle-facets').click();
    await page.locator('#facets').waitFor({ state: 'visible' });
    await shot(page, 'phone-filters');
    await page.locator('#hits .hit-link').first().click();
    await page.locator('#post-content').waitFor({ state: 'visible' });
    const postOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(postOverflow <= 0, `post view is ${postOverflow}px wider than the phone screen`);
    await shot(page, 'phone-post');
  });

  await t.test('no script errors', () => {
    assert.deepEqual(problems, []);
  });
  await page.close();
});
