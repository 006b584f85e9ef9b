import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR, settings } from './config.js';

export type Figure = number | string | null;
export type Figures = Record<string, Figure>;

/** The value at percentile `p` (0-100) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const round = (value: number, digits = 0): number => Number(value.toFixed(digits));

/** Prints a scenario's figures as a table and writes them to `bench/results/<scenario>.json`. */
export function report(scenario: string, figures: Figures, notes: string[] = [], print = true): void {
  if (print) {
    console.log(`\n== ${scenario}`);
    console.table(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, { value: v }])));
    for (const note of notes) console.log(`   ${note}`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${scenario}.json`);
  const body = { scenario, date: new Date().toISOString(), node: process.version, settings, figures, notes };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
}

/** Size of an SQLite file with its WAL, in bytes. */
export function fileBytes(file: string): number {
  return ['', '-wal']
    .map((suffix) => file + suffix)
    .filter((path) => existsSync(path))
    .reduce((sum, path) => sum + statSync(path).size, 0);
}
