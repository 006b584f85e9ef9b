/**
 * The activity chart's bar scale: square root, so that one busy month does not flatten the rest to nothing
 * (on the GDELT 2015 file one US month holds many times the median), with ticks labelled in real counts.
 * Every period with a statement gets at least a visible sliver.
 */
export interface BarScale {
  /** height in pixels of a bar of `count` */
  height(count: number): number;
  /** counts at which to draw a labelled gridline, each with its height */
  ticks: { count: number; y: number }[];
}

export function sqrtScale(max: number, pixels: number): BarScale {
  const top = Math.max(1, max);
  const height = (count: number): number =>
    count <= 0 ? 0 : Math.max(2, Math.round((Math.sqrt(count) / Math.sqrt(top)) * pixels));
  // labels at least 12 px apart (a square root crowds the small counts), the largest always kept
  const ticks: { count: number; y: number }[] = [];
  for (const count of niceTicks(top).reverse()) {
    const y = height(count);
    if (ticks.every((t) => Math.abs(t.y - y) >= 12)) ticks.push({ count, y });
  }
  return { height, ticks: ticks.reverse() };
}

/** Round counts up to `max` (1, 2, 5, 10, 20, 50, …), at most five, always including the largest. */
export function niceTicks(max: number): number[] {
  const ticks: number[] = [];
  for (let magnitude = 1; magnitude <= max; magnitude *= 10) {
    for (const step of [1, 2, 5]) if (step * magnitude <= max) ticks.push(step * magnitude);
  }
  const kept = ticks.filter((_, i) => i % Math.ceil(ticks.length / 4) === 0);
  if (kept[kept.length - 1] !== max) kept.push(max);
  return kept;
}

/** A Goldstein mean (-10 … +10) as a word a reader can take in at a glance. */
export function goldsteinWord(mean: number | null | undefined): string {
  if (mean === null || mean === undefined) return 'no score';
  if (mean <= -5) return 'hostile';
  if (mean < -1) return 'critical';
  if (mean <= 1) return 'neutral';
  if (mean < 5) return 'cooperative';
  return 'very cooperative';
}
