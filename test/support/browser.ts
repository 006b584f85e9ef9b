import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './server-process.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumPresent = existsSync(CHROMIUM);

/** Screenshots of the browser tests (gitignored); look at them. */
export const SCREENSHOTS = join(ROOT, 'test-output', 'explorer');

/**
 * Headless Chromium on a fresh profile with the outside world unreachable: every host name but the loopback
 * address resolves to nothing (`--host-resolver-rules`), so a page that needs a CDN shows it.
 */
export async function launchOffline(): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'communique-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Every request a page makes; the page's errors and console errors; the responses that failed (status 400 or
 * more), by URL. A browser's own `/favicon.ico` probe is not the page's.
 */
export function record(page: Page): { requests: string[]; errors: string[]; failed: string[] } {
  const log = { requests: [] as string[], errors: [] as string[], failed: [] as string[] };
  page.on('request', (request) => log.requests.push(request.url()));
  page.on('response', (response) => {
    if (response.status() >= 400 && new URL(response.url()).pathname !== '/favicon.ico') {
      log.failed.push(`${response.status()} ${response.url()}`);
    }
  });
  page.on('pageerror', (error) => log.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // a failed load is in `failed`, with its URL
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      log.errors.push(`console: ${message.text()}`);
    }
  });
  return log;
}

/** The requests that left `origin` (data: URLs are not requests to anywhere). */
export const offOrigin = (requests: string[], origin: string): string[] =>
  requests.filter(
    (url) => !url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin,
  );

/**
 * For a TimelineJS page: the frame's height and each slide's share of it. The slides sit in the story slider
 * above the time navigation; a slide's share is the height its content gets over the whole frame.
 */
export async function slideShares(page: Page): Promise<{ frame: number; shares: number[] }> {
  const frame = await page.$eval('.tl-timeline', (element) => element.getBoundingClientRect().height);
  const slides = await page.$$eval('.tl-storyslider .tl-slide', (elements) =>
    elements.map((element) => element.getBoundingClientRect().height),
  );
  return { frame, shares: slides.map((height) => (frame > 0 ? height / frame : 0)) };
}
