import { escapeHtml } from '#read-model';

/**
 * The HTML of the timeline page and its own script. Everything comes from this service: TimelineJS's
 * build under /assets/timelinejs/ and the page's script; the timeline's data is in the page itself, in a
 * `<script type="application/json">` block that is data, not code, so the Content-Security-Policy can allow
 * scripts from 'self' only, and a page fetched with a key (`COMMUNIQUE_PUBLIC_READS=false`) needs no second
 * request that the browser could not send the key with.
 */

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // TimelineJS positions its slides with inline style attributes; the page's chart uses SVG attributes only
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

export interface TimelinePageModel {
  /** e.g. "Turkey (TR)" or "topic xinjiang" */
  title: string;
  /** the query string of the export and of this page, e.g. "country=TR" */
  query: string;
  totalCount: number;
  chart: string;
}

/**
 * The page in chunks: the head, the TimelineJS JSON `data` (chunks as `exportTimeline` makes them) escaped for a
 * script data block, and the tail. An empty timeline has no data block.
 */
export function* timelinePageChunks(page: TimelinePageModel, data: Iterable<string>): Generator<string> {
  const title = `Timeline: ${page.title} · Communiqué`;
  const dataUrl = `/exports/timeline.timelinejs.json?${page.query}`;
  yield `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/assets/timelinejs/css/timeline.css">
<link rel="stylesheet" href="/assets/timeline-page.css">
</head>
<body>
<header>
<h1>${escapeHtml(page.title)}</h1>
<p>${page.totalCount} statement${page.totalCount === 1 ? '' : 's'} ·
<a href="/exports/timeline.csv?${escapeHtml(page.query)}">CSV</a> ·
<a href="/exports/timeline.json?${escapeHtml(page.query)}">JSON</a> ·
<a href="${escapeHtml(dataUrl)}">TimelineJS JSON</a></p>
${page.chart}
</header>
`;
  if (page.totalCount === 0) {
    yield '<main><p class="empty">No statements on this timeline yet.</p></main>\n';
  } else {
    yield '<main><div id="timeline-embed"></div></main>\n<script type="application/json" id="timeline-data">';
    for (const chunk of data) yield jsonForScriptBlock(chunk);
    yield '</script>\n';
  }
  yield `<script src="/assets/timelinejs/js/timeline.js"></script>
<script src="/assets/timeline-page.js"></script>
</body>
</html>
`;
}

/** The whole page as one string (for tests and small timelines). */
export function timelinePageHtml(page: TimelinePageModel, data: Iterable<string> = []): string {
  return [...timelinePageChunks(page, data)].join('');
}

/**
 * JSON text made safe inside a `<script>` data block: `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026` (so no
 * `</script>` or `<!--` can end or change the block), and U+2028/U+2029 escaped. The JSON means the same.
 */
export function jsonForScriptBlock(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function errorPageHtml(status: number, message: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Timeline: ${status === 400 ? 'bad request' : 'error'} · Communiqué</title>
<link rel="stylesheet" href="/assets/timeline-page.css">
</head>
<body>
<header><h1>No timeline</h1></header>
<main><p class="error">${escapeHtml(message)}</p>
<p>Ask for <code>/timeline?country=TR</code> (alpha-2, alpha-3 or an English name) or <code>/timeline?topic=xinjiang</code>.</p></main>
</body>
</html>
`;
}

/** Starts TimelineJS on the page's data; tells TimelineJS to load its locale and fonts from this service. */
export const TIMELINE_PAGE_SCRIPT = `'use strict';
(function () {
  var embed = document.getElementById('timeline-embed');
  var block = document.getElementById('timeline-data');
  if (!embed || !block || typeof TL === 'undefined') return;
  Promise.resolve()
    .then(function () {
      return JSON.parse(block.textContent);
    })
    .then(function (data) {
      window.timeline = new TL.Timeline('timeline-embed', data, {
        script_path: new URL('/assets/timelinejs/js/', window.location.href).href,
        language: 'en',
        font: null,
        theme: null,
        ga_property_id: null,
        ga_measurement_id: null,
        hash_bookmark: false,
        timenav_position: 'bottom',
        // rows of 18 px (TimelineJS's default is 30): with a row per group (kinds, up to 11) the time navigation
        // then leaves the slides at least half of the frame (measured in test/explorer.e2e.spec.ts)
        marker_height_min: 18,
      });
    })
    .catch(function (error) {
      embed.textContent = String(error && error.message ? error.message : error);
    });
})();
`;

export const TIMELINE_PAGE_CSS = `body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; }
header { padding: 1rem 1.5rem 0; }
h1 { margin: 0 0 0.25rem; font-size: 1.5rem; }
figure.activity { margin: 0.5rem 0 1rem; overflow-x: auto; }
figcaption { font-size: 0.8rem; color: #555; }
#timeline-embed { width: 100%; height: 600px; }
.empty, .error { padding: 1rem 1.5rem; }
`;
