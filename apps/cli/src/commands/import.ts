import { writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { parseByteLimit } from '#event-store';
import { referenceData } from '#reference';
import {
  DEFAULT_BATCH_SIZE,
  IMPORT_FORMATS,
  ImportFile,
  ImportFormatError,
  InvalidUtf8Error,
  LineTooLongError,
  isImportFormat,
  type BatchCommit,
  type ImportReport,
} from '#importers';
import { loadConfig } from '#runtime';
import { Progress } from '../progress.js';
import { forTerminal, jsonForTerminal } from '../terminal.js';
import { openEventStore } from '../stores.js';

interface ImportCommandOptions {
  format?: string;
  batchSize: string;
  maxLineBytes?: string;
  maxFieldBytes?: string;
  json?: boolean;
  progress: boolean;
}

/** A failure that ends the import with exit code 1 and a one-line message (no stack). */
export class ImportCommandError extends Error {}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'bulk-import statements from a file into the event store, with a progress display and a report ' +
        '(imported, skipped by reason, rejected with line numbers); re-importing the same file adds nothing',
    )
    .argument('<file>', 'the file to import')
    .requiredOption('--format <format>', `the file's format: ${IMPORT_FORMATS.join(', ')}`)
    .option('--batch-size <n>', 'statements per append transaction', String(DEFAULT_BATCH_SIZE))
    .option(
      '--json',
      'print NDJSON on stdout: a "start" line, one "batch" line per committed batch (lines covered, ' +
        'statements appended, last position), then the "report" line',
    )
    .option('--no-progress', 'do not show progress on stderr')
    .option(
      '--max-line-bytes <n>',
      'refuse a line (a CSV record) longer than this (default COMMUNIQUE_MAX_LINE_BYTES)',
    )
    .option(
      '--max-field-bytes <n>',
      'refuse a CSV field longer than this (default COMMUNIQUE_MAX_FIELD_BYTES)',
    )
    .action(async (file: string, options: ImportCommandOptions) => {
      const started = performance.now();
      const report = await runImport(file, options);
      const seconds = (performance.now() - started) / 1000;
      if (options.json) writeJsonLine({ type: 'report', ...reportJson(report, file, seconds) });
      else process.stdout.write(forTerminal(formatReport(report, file, seconds)));
    });
}

async function runImport(file: string, options: ImportCommandOptions): Promise<ImportReport> {
  const format = options.format ?? '';
  if (!isImportFormat(format)) {
    throw new ImportCommandError(`--format must be one of ${IMPORT_FORMATS.join(', ')}, got "${format}"`);
  }
  const batchSize = Number(options.batchSize);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new ImportCommandError(`--batch-size must be an integer >= 1, got "${options.batchSize}"`);
  }
  let source;
  try {
    source = ImportFile.open(file);
  } catch (error) {
    throw new ImportCommandError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const config = loadConfig();
  let limits;
  try {
    limits = {
      maxLineBytes: parseByteLimit(
        options.maxLineBytes,
        '--max-line-bytes',
        config.readerLimits.maxLineBytes,
      ),
      maxFieldBytes: parseByteLimit(
        options.maxFieldBytes,
        '--max-field-bytes',
        config.readerLimits.maxFieldBytes,
      ),
    };
  } catch (error) {
    throw new ImportCommandError((error as Error).message);
  }
  let store;
  try {
    store = openEventStore(config);
  } catch (error) {
    if (isStorageFull(error)) throw new ImportCommandError(diskFullMessage(config.eventsFile, 0, 0));
    throw error;
  }
  const progress = options.progress
    ? new Progress(`import ${basename(file)}`, { unit: 'bytes', total: source.size })
    : undefined;
  if (options.json) writeJsonLine({ type: 'start', file, format, batchSize });
  let committed = { batches: 0, statements: 0 };
  try {
    // the file is read, parsed and decided on a worker thread; this thread appends (ImportFile, DESIGN 11.25)
    const report = await source.importInto(store, format, {
      limits,
      reference: referenceData,
      recordedBy: `import:${basename(file)}`,
      batchSize,
      onBatch: () => progress?.update(source.bytesRead()),
      onRecords: () => progress?.update(source.bytesRead()),
      onCommit: (commit) => {
        committed = { batches: commit.batch, statements: commit.imported };
        if (options.json) writeJsonLine(commitJson(commit));
      },
    });
    progress?.finish(source.bytesRead());
    return report;
  } catch (error) {
    if (isStorageFull(error)) {
      progress?.finish(source.bytesRead());
      throw new ImportCommandError(
        diskFullMessage(config.eventsFile, committed.batches, committed.statements),
      );
    }
    if (
      error instanceof ImportFormatError ||
      error instanceof LineTooLongError ||
      error instanceof InvalidUtf8Error
    ) {
      throw new ImportCommandError(`${file}: ${error.message}; the import stopped there`);
    }
    if (
      (error as NodeJS.ErrnoException).code !== undefined &&
      (error as NodeJS.ErrnoException).syscall === 'read'
    ) {
      throw new ImportCommandError(`cannot read ${file}: ${(error as Error).message}`);
    }
    throw error;
  } finally {
    await store.close();
  }
}

/**
 * One NDJSON line on stdout, written synchronously to a file or pipe: once a "batch" line is out, the batch
 * it names is committed, so the lines seen before a crash are a safe account of what is stored.
 */
function writeJsonLine(value: Record<string, unknown>): void {
  writeSync(process.stdout.fd, `${jsonForTerminal(value)}\n`);
}

/** A committed batch as a `--json` line. */
export function commitJson(commit: BatchCommit): Record<string, unknown> {
  return {
    type: 'batch',
    batch: commit.batch,
    lines: [commit.firstLine, commit.lastLine],
    statements: commit.statements,
    alreadyImported: commit.alreadyImported,
    rejected: commit.rejected,
    lastPosition: commit.lastPosition === undefined ? null : commit.lastPosition.toString(),
    imported: commit.imported,
    records: commit.records,
  };
}

/** What the import says when the store's disk fills up: where, what was stored, what to do. */
export function diskFullMessage(eventsFile: string, batches: number, statements: number): string {
  const stored = `${batches} batch${batches === 1 ? '' : 'es'} (${statements} statement${statements === 1 ? '' : 's'})`;
  return `the disk holding ${eventsFile} is full; ${stored} were stored, free space and re-run the import to continue`;
}

/** SQLite's "database or disk is full" (SQLITE_FULL) or the system's ENOSPC, whichever the store reports. */
function isStorageFull(error: unknown): boolean {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

/** The report as a JSON value (the last line of `--json`). */
export function reportJson(report: ImportReport, file: string, seconds: number): Record<string, unknown> {
  return {
    file,
    records: report.records,
    imported: report.imported,
    skipped: report.skipped,
    rejected: report.rejected,
    rejections: report.rejections,
    events: report.events,
    lastPosition: report.lastPosition.toString(),
    seconds: Number(seconds.toFixed(3)),
    recordsPerSecond: Math.round(report.records / Math.max(seconds, 1e-3)),
  };
}

/** The human-readable report. */
export function formatReport(report: ImportReport, file: string, seconds: number): string {
  const lines = [
    `${file}: ${report.records} records`,
    `  imported: ${report.imported}`,
    `  skipped:  ${Object.values(report.skipped).reduce((a, b) => a + b, 0)}`,
  ];
  for (const [reason, count] of Object.entries(report.skipped).sort((a, b) => b[1] - a[1])) {
    lines.push(`    ${reason}: ${count}`);
  }
  lines.push(`  rejected: ${report.rejected}`);
  for (const rejection of report.rejections) {
    lines.push(`    line ${rejection.line}: ${rejection.field}: ${rejection.reason}`);
  }
  if (report.rejected > report.rejections.length) {
    lines.push(
      `    ... and ${report.rejected - report.rejections.length} more (only the first ${report.rejections.length} are listed)`,
    );
  }
  if (report.events > 0)
    lines.push(`  events appended: ${report.events}, last position ${report.lastPosition}`);
  const rate = (n: number) => Math.round(n / Math.max(seconds, 1e-3)).toLocaleString('en-US');
  lines.push(
    `  time: ${seconds.toFixed(1)} s (${rate(report.records)} records/s, ${rate(report.imported)} statements imported/s)`,
  );
  return `${lines.join('\n')}\n`;
}
