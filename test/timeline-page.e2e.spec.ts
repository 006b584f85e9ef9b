import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { partialDateSortKey } from '#domain';
import { headlineNames } from '#reference';
import { demoStatements } from '../apps/api/src/demo/demo-statements.js';
import { ROOT, ServerProcess } from './support/server-process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present)
  console.log(`timeline page browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
const describeIfChromium = present ? describe : describe.skip;

/**
 * The first statement on Turkey's timeline, from the demo data set itself: the earliest by date said (a
 * partial date sorts at the start of its period), the earlier recorded one first on a tie.
 */
function firstDemoStatementOf(country: string) {
  const concerning = demoStatements
    .map((statement, order) => ({ ...statement, order }))
    .filter(({ input }) =>
      [
        input.speakerCountry ?? input.speaker.country,
        ...(input.targets ?? []),
        ...(input.mentions ?? []),
      ].includes(country),
    );
  concerning.sort(
    (a, b) =>
      partialDateSortKey(a.input.occurredOn).localeCompare(partialDateSortKey(b.input.occurredOn)) ||
      a.order - b.order,
  );
  const first = concerning[0];
  if (first === undefined) throw new Error(`the demo data set has nothing on ${country}`);
  return first.input;
}

describeIfChromium('the timeline page in headless Chromium', () => {
  let server: ServerProcess;
  let browser: BrowserContext;
  let dataDir: string;
  let profileDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-page-'));
    profileDir = mkdtempSync(join(tmpdir(), 'communique-chromium-'));
    server = await ServerProcess.start({
      COMMUNIQUE_DEMO: 'true',
      COMMUNIQUE_DATA_DIR: dataDir,
      COMMUNIQUE_LOG: 'silent',
    });
    // a fresh profile folder per run (playwright passes it to Chromium as --user-data-dir)
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profileDir, { recursive: true, force: true });
  });

  it('shows the TimelineJS slides of TR with the expected first headline, loading nothing from elsewhere', async () => {
    const expected = firstDemoStatementOf('TR');
    const speakerCountry = expected.speakerCountry ?? expected.speaker.country;
    // headlines name the countries (issue 13): "China → Türkiye: …"
    const name = (code: string | null | undefined): string =>
      headlineNames.country(code ?? '') ?? String(code);
    const expectedStart = `${name(speakerCountry)} → ${(expected.targets ?? []).map(name).join(', ')}: `;

    const page = await browser.newPage();
    const requests: string[] = [];
    const cspViolations: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });

    const response = await page.goto(`${server.url}/timeline?country=TR`);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('.tl-slide .tl-headline', { timeout: 30000 });
    const headlines = await page.$$eval('.tl-slide .tl-headline', (nodes) =>
      nodes.map((n) => n.textContent ?? ''),
    );
    expect(headlines[0]?.startsWith(expectedStart)).toBe(true);
    expect(await page.title()).toMatch(/^Timeline: .*\(TR\)/);
    expect(await page.locator('figure.activity svg rect').count()).toBeGreaterThan(0);

    const artifacts = join(ROOT, 'test', 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'timeline-TR.png'), fullPage: true });

    const origin = new URL(server.url).origin;
    const elsewhere = requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
    expect(elsewhere).toEqual([]);
    expect(requests).toEqual(expect.arrayContaining([`${origin}/assets/timelinejs/js/timeline.js`]));
    expect(cspViolations).toEqual([]);
    await page.close();
  });

  it('shows an error page for an unknown country', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${server.url}/timeline?country=Atlantis`);
    expect(response?.status()).toBe(400);
    expect(await page.textContent('main')).toContain('unknown country "Atlantis"');
    await page.close();
  });
});
