import { readGdelt } from './gdelt.js';
import { readIcews } from './icews.js';
import { readNdjson } from './ndjson.js';
import type { SourceRecord } from './records.js';
import { readStatementCsv } from './statement-csv.js';

export const IMPORT_FORMATS = ['ndjson', 'csv', 'gdelt', 'icews'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const isImportFormat = (value: string): value is ImportFormat =>
  (IMPORT_FORMATS as readonly string[]).includes(value);

/** The reader of each format: text chunks in, source records out (streaming). */
export const FORMAT_READERS: Readonly<
  Record<ImportFormat, (chunks: AsyncIterable<string>) => AsyncIterable<SourceRecord>>
> = {
  ndjson: readNdjson,
  csv: readStatementCsv,
  gdelt: readGdelt,
  icews: readIcews,
};
