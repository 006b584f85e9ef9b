import { readGdelt } from './gdelt.js';
import { readIcews } from './icews.js';
import { readNdjson } from './ndjson.js';
import type { SourceRecord } from './records.js';
import type { ReaderLimits } from './text-source.js';
import { readStatementCsv } from './statement-csv.js';

export const IMPORT_FORMATS = ['ndjson', 'csv', 'gdelt', 'icews'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const isImportFormat = (value: string): value is ImportFormat =>
  (IMPORT_FORMATS as readonly string[]).includes(value);

/** The reader of each format: text chunks in, source records out (streaming, within the reader limits). */
export const FORMAT_READERS: Readonly<
  Record<ImportFormat, (chunks: AsyncIterable<string>, limits?: ReaderLimits) => AsyncIterable<SourceRecord>>
> = {
  ndjson: readNdjson,
  csv: readStatementCsv,
  gdelt: readGdelt,
  icews: readIcews,
};
