import { escapeHtml, type ActivityBucket } from '#read-model';

/**
 * The monthly activity of a timeline as a small inline SVG bar chart, drawn on the server (no script, no chart
 * library). Months without statements are drawn as gaps; statements dated only to a year are counted in the
 * caption, not in a month.
 */
export function activityChartSvg(buckets: readonly ActivityBucket[]): string {
  const months = buckets.filter((bucket) => bucket.period.length === 7);
  const yearOnly = buckets.filter((bucket) => bucket.period.length === 4).reduce((n, b) => n + b.count, 0);
  if (months.length === 0) return '<p class="chart-empty">No dated activity to chart.</p>';
  const series = everyMonth(months[0]?.period ?? '', months.at(-1)?.period ?? '');
  const counts = new Map(months.map((bucket) => [bucket.period, bucket]));
  const max = Math.max(...months.map((bucket) => bucket.count));
  const barWidth = 12;
  const gap = 2;
  const height = 120;
  const top = 10;
  const bottom = 24;
  // room after the last bar for a year label that starts there (four digits at font-size 10)
  const labelRoom = 28;
  const width = Math.max(series.length * (barWidth + gap) + labelRoom, 200);
  const bars = series
    .map((period, i) => {
      const bucket = counts.get(period);
      const count = bucket?.count ?? 0;
      const h = count === 0 ? 0 : Math.max(2, Math.round((count / max) * height));
      const x = i * (barWidth + gap);
      const y = top + height - h;
      const mean = bucket?.meanGoldstein;
      const title = `${period}: ${count} statement${count === 1 ? '' : 's'}${
        mean === null || mean === undefined ? '' : `, mean Goldstein ${mean}`
      }`;
      const fill = mean === null || mean === undefined ? '#7a869a' : mean < 0 ? '#c0392b' : '#2e86c1';
      const label =
        period.endsWith('-01') || i === 0
          ? `<text x="${x}" y="${top + height + 16}" font-size="10" fill="#333">${escapeHtml(period.slice(0, 4))}</text>`
          : '';
      return `<g><title>${escapeHtml(title)}</title><rect x="${x}" y="${y}" width="${barWidth}" height="${h}" fill="${fill}"></rect>${label}</g>`;
    })
    .join('');
  const caption =
    `Statements per month (most in one month: ${max}); red: mean Goldstein score below zero, blue: zero or above` +
    (yearOnly === 0
      ? ''
      : `; ${yearOnly} statement${yearOnly === 1 ? ' dated only to a year is' : 's dated only to a year are'} not drawn`) +
    '.';
  return (
    `<figure class="activity"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Statements per month" ` +
    `width="${width}" height="${top + height + bottom}" viewBox="0 0 ${width} ${top + height + bottom}">${bars}</svg>` +
    `<figcaption>${escapeHtml(caption)}</figcaption></figure>`
  );
}

/** '2019-11' .. '2020-02' -> ['2019-11', '2019-12', '2020-01', '2020-02'] */
export function everyMonth(first: string, last: string): string[] {
  const months: string[] = [];
  let [year, month] = first.split('-').map(Number) as [number, number];
  const [lastYear, lastMonth] = last.split('-').map(Number) as [number, number];
  while (year < lastYear || (year === lastYear && month <= lastMonth)) {
    months.push(`${year}-${String(month).padStart(2, '0')}`);
    month += 1;
    if (month === 13) {
      month = 1;
      year += 1;
    }
  }
  return months;
}
