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

/** A page that shows a TimelineJS export with the service's own TimelineJS and page script, as `/timeline` does. */
function storySlidesHtml(timelineJson: string): string {
  const block = timelineJson.replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>story slides</title>
<link rel="stylesheet" href="/assets/timelinejs/css/timeline.css"><link rel="stylesheet" href="/assets/timeline-page.css">
</head><body><main><div id="timeline-embed"></div></main>
<script type="application/json" id="timeline-data">${block}</script>
<script src="/assets/timelinejs/js/timeline.js"></script><script src="/assets/timeline-page.js"></script></body></html>`;
}

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

/**
 * What sticks out sideways: the page's width over the viewport's, and the outermost elements past the right edge
 * (outside a scrolling table or chart), empty when the page fits.
 */
async function overflowsSideways(page: Page): Promise<string[]> {
  return page.$eval('html', (html) => {
    if (html.scrollWidth <= html.clientWidth + 1) return [];
    const past = [...html.querySelectorAll('body *')].filter(
      (e) =>
        e.getBoundingClientRect().right > html.clientWidth + 1 &&
        !e.closest('.table-scroll, .chart-scroll') &&
        !(e.parentElement && e.parentElement.getBoundingClientRect().right > html.clientWidth + 1),
    );
    return [
      `page ${html.scrollWidth} px in ${html.clientWidth} px`,
      ...past
        .slice(0, 5)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${(e.textContent ?? '').slice(0, 60)}`),
    ];
  });
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

  it("a journalist's day: search, filter, a story of three with a note, publish, correct one, see the notice", async () => {
    const page = await browser.newPage();
    const log = record(page);
    const title = 'Xinjiang: what Turkey and China said';
    const note = 'Turkey spoke up in Geneva; Beijing answered in Ankara.';

    // her editor's key, pasted once for this tab
    await page.goto(`${server.url}/#/key`);
    await page.getByLabel('Key', { exact: true }).fill(EDITOR_KEY);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByRole('status').getByText('Key kept').waitFor();

    // a new story, which becomes the one "Add to story" adds to
    await page.goto(`${server.url}/#/stories`);
    await page.getByLabel('Title (required)').fill(title);
    await page.getByRole('button', { name: 'Create story' }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: 30000 });
    const storyId = decodeURIComponent(new URL(page.url()).hash.replace('#/stories/', ''));
    expect(storyId).toMatch(/^[0-9a-f-]{36}$/);

    // search "Xinjiang", filter to Turkey (typed as a name: the picker resolves it)
    await page.goto(`${server.url}/#/search`);
    await page.getByLabel('Words').fill('Xinjiang');
    await page.getByLabel('Country', { exact: true }).fill('Turkey');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('heading', { name: /^2 statements/ }).waitFor({ timeout: 30000 });
    expect(decodeURIComponent(page.url())).toContain('q=Xinjiang&country=TR');
    await shot(page, 'day-1-search-xinjiang-turkey');
    const added: string[] = [];
    for (let i = 0; i < 2; i++) {
      const item = page.locator('ol.statements > li').nth(i);
      added.push((await item.locator('blockquote').textContent()) ?? '');
      await item.getByRole('button', { name: /^Add to story/ }).click();
      if (i === 0) await item.getByLabel('Your note (optional)').fill(note);
      await item.getByRole('button', { name: `Add to “${title}”` }).click();
      await item.getByRole('status').getByText(`Added to “${title}”`).waitFor({ timeout: 30000 });
    }
    // a third from another list: Turkey's statements on the topic, one the word search did not find
    await page.goto(`${server.url}/#/search?country=TR&topic=xinjiang`);
    await page.getByRole('heading', { name: /^\d+ statements/ }).waitFor({ timeout: 30000 });
    const quotes = await page.locator('ol.statements > li blockquote').allTextContents();
    const index = quotes.findIndex((quote) => !/Xinjiang/.test(quote));
    expect(index).toBeGreaterThanOrEqual(0);
    // by position: the open form names the story, whose title says "Xinjiang"
    const third = page.locator('ol.statements > li').nth(index);
    added.push((await third.locator('blockquote').textContent()) ?? '');
    await third.getByRole('button', { name: /^Add to story/ }).click();
    await third.getByRole('button', { name: `Add to “${title}”` }).click();
    await third.getByRole('status').getByText('Added to').waitFor({ timeout: 30000 });

    // the story editor: three statements by date said, the note kept; publish
    await page.goto(`${server.url}/#/stories/${encodeURIComponent(storyId)}`);
    await page.getByRole('heading', { name: 'Working copy (3 statements)' }).waitFor({ timeout: 30000 });
    const working = page.locator('section[aria-labelledby="working-heading"] ol.story-items > li');
    await working.nth(2).locator('blockquote').waitFor({ timeout: 30000 });
    expect(await working.count()).toBe(3);
    expect(await page.getByText(`Note: ${note}`).count()).toBe(1);
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('heading', { name: 'As published' }).waitFor({ timeout: 30000 });
    await shot(page, 'day-2-story-published');

    // the public page shows the published wording
    const reader = await browser.newPage();
    const readerLog = record(reader);
    const publicUrl = `${server.url}/stories/${encodeURIComponent(storyId)}`;
    expect((await reader.goto(publicUrl))?.status()).toBe(200);
    const before = (await reader.locator('main').textContent()) ?? '';
    expect(before).toContain(title);
    expect(before).toContain(note);
    for (const text of added) expect(before).toContain(text.trim());
    expect(await reader.locator('.notice').count()).toBe(0);
    await shot(reader, 'day-3-public-page');

    // she corrects one statement through the editor's form
    const corrected = added[0]?.trim() ?? '';
    const newWording = `${corrected} (Corrected: said on 26 February, not 25.)`;
    await page.locator('ol.story-items > li', { hasText: corrected }).first().locator('p.meta a').click();
    await page.getByRole('link', { name: 'Correct this statement' }).click();
    await page.getByRole('heading', { name: 'Correct a statement' }).waitFor({ timeout: 30000 });
    await page.getByLabel('Text: the quote or paraphrase (required)').fill(newWording);
    await page.getByLabel('Reason for the correction (required)').fill('the date in the text was wrong');
    await shot(page, 'day-4-correction-form');
    await page.getByRole('button', { name: 'Save correction' }).click();
    await page.locator('blockquote.big', { hasText: newWording }).waitFor({ timeout: 30000 });

    // the published page: still the published wording, and the correction notice beside it
    await reader.reload();
    const after = (await reader.locator('main').textContent()) ?? '';
    expect(after).toContain(corrected);
    const notice = reader.locator('li', { hasText: corrected }).locator('.notice');
    expect(await notice.count()).toBe(1);
    expect(await notice.textContent()).toMatch(/Correct/);
    expect(await reader.locator('.notice').count()).toBe(1);
    await shot(reader, 'day-5-public-page-with-notice');
    // the author sees it in the explorer too
    await page.goto(`${server.url}/#/stories/${encodeURIComponent(storyId)}`);
    await page.getByRole('note', { name: 'Correction notice' }).waitFor({ timeout: 30000 });
    expect(await page.getByRole('note', { name: 'Correction notice' }).textContent()).toContain('text');
    await shot(page, 'day-6-story-editor-notice');

    // the story's slides (its TimelineJS export, shown by the service's TimelineJS as the country view is)
    const slides = await browser.newPage();
    const exported = await (await fetch(`${publicUrl}/export?format=timelinejs`)).text();
    await slides.route(`${server.url}/test-story-slides`, (route) =>
      route.fulfill({ contentType: 'text/html; charset=utf-8', body: storySlidesHtml(exported) }),
    );
    await slides.goto(`${server.url}/test-story-slides`);
    await slides.waitForSelector('.tl-slide .tl-headline', { timeout: 30000 });
    const { frame, shares } = await slideShares(slides);
    console.log(`story slides: frame ${frame} px, shares ${shares.map((x) => x.toFixed(2)).join(' ')}`);
    expect(shares.length).toBeGreaterThanOrEqual(3);
    expect(Math.min(...shares)).toBeGreaterThanOrEqual(0.5);
    await shot(slides, 'day-7-story-slides');

    for (const l of [log, readerLog]) {
      expect(offOrigin(l.requests, origin)).toEqual([]);
      expect(l.errors).toEqual([]);
      expect(l.failed).toEqual([]);
    }
    await Promise.all([page.close(), reader.close(), slides.close()]);
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
      expect(await overflowsSideways(page)).toEqual([]);
      await shot(page, `search-${name}`);

      await page.locator('ol.statements h3 a').first().click();
      await page.getByRole('heading', { name: 'History' }).waitFor({ timeout: 30000 });
      expect(await page.locator('section[aria-labelledby="sources-heading"] li').count()).toBeGreaterThan(0);
      expect(await overflowsSideways(page)).toEqual([]);
      await shot(page, `statement-${name}`);

      await page.goto(`${server.url}/#/country/TR`);
      await page.getByRole('heading', { name: 'Relations' }).waitFor({ timeout: 30000 });
      expect(await page.locator('figure.chart svg rect').count()).toBeGreaterThan(0);
      expect(await unlabelled(page)).toEqual([]);
      await shot(page, `country-${name}`);

      await page.goto(`${server.url}/#/record`);
      await page.getByRole('heading', { name: 'Record a statement' }).waitFor();
      expect(await unlabelled(page)).toEqual([]);
      expect(await overflowsSideways(page)).toEqual([]);
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
    expect(log.failed).toEqual([]);
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

  it('the US country view keeps at least half of each slide frame for its content', async () => {
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
      expect(await overflowsSideways(page)).toEqual([]);
      await shot(page, `gdelt-search-US-${name}`);
    }
    // the list pages forwards and back to the same pages, also from a link opened afresh (Previous asks the
    // service for the page before the first result, it does not remember the way it came)
    const titles = () => page.locator('ol.statements h3').allTextContents();
    const firstPage = await titles();
    await page.getByRole('button', { name: 'Next page →' }).click();
    await page.getByText('page 2').waitFor();
    const secondPage = await titles();
    expect(secondPage).toHaveLength(20);
    await page.getByRole('button', { name: 'Next page →' }).click();
    await page.getByText('page 3').waitFor();
    expect(await page.locator('ol.statements').getAttribute('start')).toBe('41');
    await page.reload();
    await page.getByText('page 3').waitFor({ timeout: 30000 });
    await page.getByRole('button', { name: '← Previous page' }).click();
    await page.getByText('page 2').waitFor();
    expect(await titles()).toEqual(secondPage);
    await page.getByRole('button', { name: '← Previous page' }).click();
    await page.getByText('page 1').waitFor();
    expect(await titles()).toEqual(firstPage);
    expect(await page.getByRole('button', { name: '← Previous page' }).isDisabled()).toBe(true);
    expect(log.errors).toEqual([]);
    await page.close();
  });
});
