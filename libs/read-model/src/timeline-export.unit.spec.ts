import { csvRow, escapeHtml, headlineOf, htmlTextOf, timelineJsEvent } from './timeline-export.js';
import type { StatementView } from './types.js';

const view = (fields: Partial<StatementView> = {}): StatementView => ({
  id: '00000000-0000-4000-8000-000000000001',
  occurredOn: '2019-05-16',
  speaker: { name: 'Wang Yi', role: 'State Councilor', country: 'CN' },
  speakerCountry: 'CN',
  targets: ['TR'],
  mentions: [],
  topics: ['xinjiang'],
  kind: 'APPEAL',
  text: 'China hopes Turkey will "respect" <its> sovereignty & security',
  attribution: 'PARAPHRASE',
  sources: [{ url: 'https://example.org/a?x=1&y="2"', outlet: 'Example <News>' }],
  status: 'ACTIVE',
  version: 1,
  recordedAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  respondsTo: [],
  recordedPosition: 1n,
  lastPosition: 1n,
  ...fields,
});

describe('timeline export formatting', () => {
  it('quotes CSV fields as RFC 4180 says: only when needed, quotes doubled, CRLF line ends', () => {
    expect(csvRow(['plain', 'a,b', 'say "no"', 'two\nlines', 'cr\rhere', ''])).toBe(
      'plain,"a,b","say ""no""","two\nlines","cr\rhere",\r\n',
    );
  });

  it('escapes the statement in HTML and links only http(s) sources', () => {
    const html = htmlTextOf(view());
    expect(html).toContain(
      'China hopes Turkey will &quot;respect&quot; &lt;its&gt; sovereignty &amp; security',
    );
    expect(html).toContain(
      '<a href="https://example.org/a?x=1&amp;y=&quot;2&quot;" rel="noopener noreferrer">',
    );
    expect(html).toContain('Example &lt;News&gt;</a>');
    expect(html).toContain('<em>Paraphrase</em> · Wang Yi, State Councilor');
    const odd = htmlTextOf(view({ sources: [{ url: 'javascript:alert(1)' }], attribution: 'DIRECT_QUOTE' }));
    expect(odd).not.toContain('<a ');
    expect(odd).toContain('<blockquote>');
    expect(htmlTextOf(view({ status: 'RETRACTED' }))).toContain('retracted');
    expect(escapeHtml(`<'&">`)).toBe('&lt;&#39;&amp;&quot;&gt;');
  });

  it('gives TimelineJS only the date parts the statement has', () => {
    expect(timelineJsEvent(view()).start_date).toEqual({ year: 2019, month: 5, day: 16 });
    expect(timelineJsEvent(view({ occurredOn: '2019-05' })).start_date).toEqual({ year: 2019, month: 5 });
    expect(timelineJsEvent(view({ occurredOn: '2019' })).start_date).toEqual({ year: 2019 });
    expect(timelineJsEvent(view()).group).toBe('CN');
  });

  it('headlines say who, for which country, to whom and what kind', () => {
    expect(headlineOf(view())).toBe('Wang Yi (CN) to TR: Appeal');
    expect(headlineOf(view({ speakerCountry: undefined, targets: [], kind: 'REJECT' }))).toBe(
      'Wang Yi: Rejection',
    );
  });
});
