import { escapeHtml } from '#read-model';

/**
 * The HTML of the timeline page and its own script. Everything comes from this service: TimelineJS's
 * build under /assets/timelinejs/, the data from /exports/timeline.timelinejs.json; no inline script, so the
 * Content-Security-Policy can allow scripts from 'self' only.
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

export function timelinePageHtml(page: TimelinePageModel): string {
  const title = `Timeline: ${page.title} · Communiqué`;
  const dataUrl = `/exports/timeline.timelinejs.json?${page.query}`;
  const body =
    page.totalCount === 0
      ? '<p class="empty">No statements on this timeline yet.</p>'
      : `<div id="timeline-embed" data-source="${escapeHtml(dataUrl)}"></div>`;
  return `<!doctype html>
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
<main>${body}</main>
<script src="/assets/timelinejs/js/timeline.js"></script>
<script src="/assets/timeline-page.js"></script>
</body>
</html>
`;
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
  if (!embed || typeof TL === 'undefined') return;
  fetch(embed.getAttribute('data-source'), { headers: { accept: 'application/json' } })
    .then(function (response) {
      if (!response.ok) throw new Error('the timeline data could not be loaded (' + response.status + ')');
      return response.json();
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
