import { useQuery } from 'urql';
import { ErrorNotice, nameOf } from './common.js';
import { DASHBOARD, KINDS, words, type ActivityBucket, type CountryRelation } from './graphql.js';
import { emptySearch, formatRoute } from './routes.js';
import { goldsteinWord, sqrtScale } from './scale.js';

/** One colour per kind, cooperative kinds cool, conflictual warm (the legend names them, colour is not needed). */
export const KIND_COLOURS: Record<string, string> = {
  STATEMENT: '#7a8696',
  APPEAL: '#4c78a8',
  INTENT_TO_COOPERATE: '#72b7b2',
  CONSULT: '#54a24b',
  DIPLOMATIC_COOPERATION: '#88d27a',
  DEMAND: '#eeca3b',
  DISAPPROVE: '#f58518',
  REJECT: '#e45756',
  THREATEN: '#b8334a',
  PROTEST: '#9d755d',
  OTHER: '#bab0ac',
};

export function CountryPage({
  country,
  interval,
  navigate,
}: {
  country: string;
  interval: 'MONTH' | 'YEAR';
  navigate: (hash: string) => void;
}) {
  const [{ data, error, fetching }] = useQuery({ query: DASHBOARD, variables: { country, interval } });
  return (
    <section aria-labelledby="country-heading">
      <h1 id="country-heading">{nameOf(country)}</h1>
      <p>
        <a href={formatRoute({ view: 'search', params: { ...emptySearch(), country } })}>
          All statements concerning {country}
        </a>
      </p>
      <ErrorNotice error={error} />
      <div className="field inline">
        <label htmlFor="interval">Per</label>
        <select
          id="interval"
          value={interval}
          onChange={(e) =>
            navigate(
              formatRoute({
                view: 'country',
                country,
                interval: e.target.value === 'YEAR' ? 'YEAR' : 'MONTH',
              }),
            )
          }
        >
          <option value="MONTH">month</option>
          <option value="YEAR">year</option>
        </select>
      </div>
      {fetching && !data && <p>Loading…</p>}
      {data && <ActivityChart buckets={data.activity} country={country} />}
      {data && <Relations country={country} relations={data.relations} />}
    </section>
  );
}

const CHART_HEIGHT = 160;
const GOLDSTEIN_BAND = 36;

export function ActivityChart({ buckets, country }: { buckets: ActivityBucket[]; country: string }) {
  if (buckets.length === 0) return <p>No activity.</p>;
  const max = Math.max(...buckets.map((b) => b.count));
  const scale = sqrtScale(max, CHART_HEIGHT);
  const barWidth = Math.max(6, Math.min(40, Math.floor(960 / buckets.length)));
  const left = 44;
  const width = left + buckets.length * barWidth + 8;
  const top = 8;
  const height = top + CHART_HEIGHT + 8 + GOLDSTEIN_BAND + 28;
  const labelEvery = Math.ceil((buckets.length * 48) / (width - left));
  const kindsShown = KINDS.filter((k) => buckets.some((b) => b.byKind.some((c) => c.kind === k)));
  return (
    <figure className="chart" aria-labelledby="chart-caption">
      <figcaption id="chart-caption">
        <h2>Activity</h2>
        Statements per period (square-root scale, so a busy period does not hide the rest), by kind; below,
        the mean Goldstein score (−10 hostile … +10 cooperative).
      </figcaption>
      <div className="chart-scroll">
        <svg
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
          role="img"
          aria-label={`Activity of ${country}: ${buckets.length} periods, at most ${max} statements in one`}
        >
          {scale.ticks.map((t) => (
            <g key={t.count}>
              <line
                x1={left}
                x2={width}
                y1={top + CHART_HEIGHT - t.y}
                y2={top + CHART_HEIGHT - t.y}
                className="grid"
              />
              <text x={left - 4} y={top + CHART_HEIGHT - t.y + 4} textAnchor="end" className="tick">
                {t.count}
              </text>
            </g>
          ))}
          {buckets.map((b, i) => {
            const x = left + i * barWidth;
            const total = scale.height(b.count);
            let y = top + CHART_HEIGHT;
            const gy = top + CHART_HEIGHT + 8;
            return (
              <g key={b.period}>
                <title>{`${b.period}: ${b.count} statements${b.byKind.map((k) => `, ${k.count} ${words(k.kind)}`).join('')}; mean Goldstein ${b.meanGoldstein ?? 'none'}`}</title>
                {b.byKind.map((k) => {
                  const h = (total * k.count) / b.count;
                  y -= h;
                  return (
                    <rect
                      key={k.kind}
                      x={x + 1}
                      y={y}
                      width={barWidth - 2}
                      height={h}
                      fill={KIND_COLOURS[k.kind] ?? '#999'}
                    />
                  );
                })}
                <rect x={x + 1} y={gy} width={barWidth - 2} height={GOLDSTEIN_BAND} className="band" />
                {b.meanGoldstein !== null && (
                  <rect
                    x={x + 1}
                    width={barWidth - 2}
                    y={gy + GOLDSTEIN_BAND / 2 - Math.max(0, b.meanGoldstein) * (GOLDSTEIN_BAND / 20)}
                    height={Math.max(1, (Math.abs(b.meanGoldstein) * GOLDSTEIN_BAND) / 20)}
                    fill={b.meanGoldstein < 0 ? '#c0392b' : '#1e8449'}
                  />
                )}
                {i % labelEvery === 0 && (
                  <text x={x + barWidth / 2} y={height - 6} textAnchor="middle" className="tick">
                    {b.period}
                  </text>
                )}
              </g>
            );
          })}
          <line
            x1={left}
            x2={width}
            y1={top + CHART_HEIGHT + 8 + GOLDSTEIN_BAND / 2}
            y2={top + CHART_HEIGHT + 8 + GOLDSTEIN_BAND / 2}
            className="axis"
          />
          <text
            x={left - 4}
            y={top + CHART_HEIGHT + 8 + GOLDSTEIN_BAND / 2 + 4}
            textAnchor="end"
            className="tick"
          >
            0
          </text>
        </svg>
      </div>
      <ul className="legend" aria-label="Kinds">
        {kindsShown.map((k) => (
          <li key={k}>
            <span className="swatch" style={{ background: KIND_COLOURS[k] }} aria-hidden="true" />
            {words(k)}
          </li>
        ))}
      </ul>
      <details>
        <summary>The numbers as a table</summary>
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col">Statements</th>
                <th scope="col">By kind</th>
                <th scope="col">Mean Goldstein</th>
              </tr>
            </thead>
            <tbody>
              {buckets.map((b) => (
                <tr key={b.period}>
                  <th scope="row">{b.period}</th>
                  <td>{b.count}</td>
                  <td>{b.byKind.map((k) => `${words(k.kind)} ${k.count}`).join(', ')}</td>
                  <td>
                    {b.meanGoldstein ?? '—'} ({goldsteinWord(b.meanGoldstein)})
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

export function Relations({ country, relations }: { country: string; relations: CountryRelation[] }) {
  return (
    <section aria-labelledby="relations-heading">
      <h2 id="relations-heading">Relations</h2>
      {relations.length === 0 ? (
        <p>No other country appears with {country}.</p>
      ) : (
        <div className="table-scroll">
          <table className="relations">
            <caption className="sr-only">
              Countries {country} spoke to or about, or was spoken to or about by; busiest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Country</th>
                <th scope="col">{country} → them</th>
                <th scope="col">them → {country}</th>
                <th scope="col">Kinds</th>
                <th scope="col">Mean Goldstein</th>
              </tr>
            </thead>
            <tbody>
              {relations.map((r) => (
                <tr key={r.counterpart}>
                  <th scope="row">
                    <a
                      href={formatRoute({
                        view: 'search',
                        params: { ...emptySearch(), country, counterpart: r.counterpart },
                      })}
                    >
                      {nameOf(r.counterpart)}
                    </a>
                  </th>
                  <td>{r.outgoing}</td>
                  <td>{r.incoming}</td>
                  <td>
                    {r.byKind
                      .slice(0, 3)
                      .map((k) => `${words(k.kind)} ${k.count}`)
                      .join(', ')}
                  </td>
                  <td>
                    {r.meanGoldstein ?? '—'} <small>({goldsteinWord(r.meanGoldstein)})</small>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
