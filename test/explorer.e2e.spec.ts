import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { communique } from './support/cli.js';
import {
  CHROMIUM,
  SCREENSHOTS,
  chromiumPresent,
  launchOffline,
  offOrigin,
  record,
  slideShares,
} from './support/browser.js';
import { ROOT, ServerProcess } from './support/server-process.js';

if (!chromiumPresent) {
  console.log(`explorer browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}
const describeIfChromium = chromiumPresent ? describe : describe.skip;

const EDITOR_KEY = 'editor-key-for-the-explorer-browser-test';
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });

/** Controls without an accessible name (no label, no aria-label): each is a defect. */
async function unlabelled(page: Page): Promise<string[]> {
  return page.$$eval('input, select, textarea', (controls) =>
    controls
      .filter((control) => {
        const labels = (control as unknown as { labels: { length: number } | null }).labels;
        return (labels === null || labels.length === 0) && !control.getAttribute('aria-label');
      })
      .map((control) => control.outerHTML.slice(0, 120)),
  );
}

/** Whether the page scrolls sideways (content wider than the viewport). */
async function overflowsSideways(page: Page): Promise<boolean> {
  return page.$eval('html', (html) => html.scrollWidth > html.clientWidth + 1);
}

describeIfChromium('the explorer in headless Chromium (demo data)', () => {
  let server: ServerProcess;
  let browser: BrowserContext;
  let close: () => Promise<void>;
  let dataDir: string;
  let origin: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-explorer-'));
    server = await ServerProcess.start({
      COMMUNIQUE_DEMO: 'true',
      COMMUNIQUE_DATA_DIR: dataDir,
      COMMUNIQUE_LOG: 'silent',
      COMMUNIQUE_API_KEYS: `jo:editor:${EDITOR_KEY}`,
    });
    origin = new URL(server.url).origin;
    ({ browser, close } = await launchOffline());
  });

  afterAll(async () => {
    await close?.();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GraphiQL runs a query with the network off, and every request it makes stays on the service', async () => {
    const page = await browser.newPage();
    const log = record(page);
    const response = await page.goto(`${server.url}/graphiql`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('.graphiql-execute-button').click({ timeout: 30000 });
    const result = page.locator('.result-window');
    await result.getByText('totalCount').waitFor({ timeout: 30000 });
    expect(await result.textContent()).toMatch(/"totalCount":\s*3/);
    await shot(page, 'graphiql');
    expect(offOrigin(log.requests, origin)).toEqual([]);
    expect(log.requests).toEqual(expect.arrayContaining([`${origin}/graphiql/assets/graphiql.min.js`]));
    expect(log.requests.some((url) => url === `${origin}/graphql`)).toBe(true);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it('reads at 1280×800 and at phone width: landmarks, a label on every control, keyboard focus, nothing off the origin', async () => {
    const page = await browser.newPage();
    const log = record(page);
    for (const [width, height, name] of [
      [1280, 800, 'desktop'],
      [390, 844, 'phone'],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.goto(`${server.url}/#/search?q=Xinjiang&country=TR`);
      await page.getByRole('heading', { name: /^2 statements/ }).waitFor({ timeout: 30000 });
      expect(await page.getByRole('main').count()).toBe(1);
      expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(1);
      expect(await page.getByRole('search').count()).toBe(1);
      expect(await unlabelled(page)).toEqual([]);
      expect(await overflowsSideways(page)).toBe(false);
      await shot(page, `search-${name}`);

      await page.goto(`${server.url}/#/country/TR`);
      await page.getByRole('heading', { name: 'Relations' }).waitFor({ timeout: 30000 });
      expect(await page.locator('figure.chart svg rect').count()).toBeGreaterThan(0);
      expect(await unlabelled(page)).toEqual([]);
      await shot(page, `country-${name}`);

      await page.goto(`${server.url}/#/record`);
      await page.getByRole('heading', { name: 'Record a statement' }).waitFor();
      expect(await unlabelled(page)).toEqual([]);
      expect(await overflowsSideways(page)).toBe(false);
      await shot(page, `record-${name}`);
    }
    // keyboard: the first Tab reaches the skip link, which moves focus to the content
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${server.url}/#/search`);
    await page.reload(); // a fresh load: the hash navigation above kept the focus where the last view put it
    await page.getByRole('heading', { name: 'Search statements' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.locator(':focus').getAttribute('id')).toBe('main');
    expect(offOrigin(log.requests, origin)).toEqual([]);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it('the country view (TimelineJS) keeps at least half of each slide frame for its content', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/timeline?country=TR`);
    await page.waitForSelector('.tl-slide .tl-headline', { timeout: 30000 });
    const { frame, shares } = await slideShares(page);
    console.log(
      `country view TR (demo): frame ${frame} px, slide shares ${shares.map((s) => s.toFixed(2)).join(' ')}`,
    );
    expect(shares.length).toBeGreaterThan(0);
    expect(Math.min(...shares)).toBeGreaterThanOrEqual(0.5);
    await shot(page, 'timeline-TR');
    await page.close();
  });
});

const GDELT = join(ROOT, '..', 'shared', 'data', 'gdelt', '20151027220000.export.CSV');
const gdeltPresent = existsSync(GDELT);
if (chromiumPresent && !gdeltPresent) {
  console.log(`explorer GDELT browser test skipped: ${GDELT} is absent`);
}

(chromiumPresent && gdeltPresent ? describe : describe.skip)('the explorer on the GDELT 2015 file', () => {
  let server: ServerProcess;
  let browser: BrowserContext;
  let close: () => Promise<void>;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-explorer-gdelt-'));
    const imported = communique(dataDir, ['import', GDELT, '--format', 'gdelt', '--no-progress']);
    if (imported.status !== 0) throw new Error(`import failed: ${imported.stderr}`);
    server = await ServerProcess.start({ COMMUNIQUE_DATA_DIR: dataDir, COMMUNIQUE_LOG: 'silent' });
    ({ browser, close } = await launchOffline());
  });

  afterAll(async () => {
    await close?.();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Known gap, measured here: the export makes one TimelineJS group per speaker country (16 on this file), so
  // the time navigation takes most of the frame (issue 13, item 3: groups by kind). `it.failing` passes while the
  // gap is there and fails once it is closed: then make this an `it`.
  it.failing('the US country view keeps at least half of each slide frame for its content', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/timeline?country=US`);
    await page.waitForSelector('.tl-slide .tl-headline', { timeout: 60000 });
    const { frame, shares } = await slideShares(page);
    console.log(
      `country view US (GDELT 2015): frame ${frame} px, ${shares.length} slides, smallest share ${Math.min(...shares).toFixed(2)}`,
    );
    await shot(page, 'timeline-US-gdelt');
    expect(shares.length).toBeGreaterThan(100);
    expect(Math.min(...shares)).toBeGreaterThanOrEqual(0.5);
    await page.close();
  });

  it('the explorer shows the US activity and relations, and a search, at both widths', async () => {
    const page = await browser.newPage();
    const log = record(page);
    for (const [width, name] of [
      [1280, 'desktop'],
      [390, 'phone'],
    ] as const) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(`${server.url}/#/country/US`);
      await page.getByRole('heading', { name: 'Relations' }).waitFor({ timeout: 30000 });
      expect(await page.locator('table.relations tbody tr').count()).toBeGreaterThan(5);
      await shot(page, `gdelt-country-US-${name}`);
      await page.goto(`${server.url}/#/search?country=US`);
      await page.getByRole('heading', { name: /^\d+ statements/ }).waitFor({ timeout: 30000 });
      expect(await page.locator('ol.statements > li').count()).toBe(20);
      expect(await overflowsSideways(page)).toBe(false);
      await shot(page, `gdelt-search-US-${name}`);
    }
    // the list pages forwards and back to the same first page
    const first = await page.locator('ol.statements h3').first().textContent();
    await page.getByRole('button', { name: 'Next page →' }).click();
    await page.getByText('page 2').waitFor();
    expect(await page.locator('ol.statements > li').count()).toBe(20);
    await page.getByRole('button', { name: '← Previous page' }).click();
    await page.getByText('page 1').waitFor();
    expect(await page.locator('ol.statements h3').first().textContent()).toBe(first);
    expect(log.errors).toEqual([]);
    await page.close();
  });
});
