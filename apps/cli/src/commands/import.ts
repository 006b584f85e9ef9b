import { basename } from 'node:path';
import type { Command } from 'commander';
import { referenceData } from '#reference';
import {
  DEFAULT_BATCH_SIZE,
  FORMAT_READERS,
  IMPORT_FORMATS,
  ImportFormatError,
  importStatements,
  isImportFormat,
  openTextFile,
  type ImportReport,
} from '#importers';
import { loadConfig } from '../../../api/src/config/app-config.js';
import { Progress } from '../progress.js';
import { openEventStore } from '../stores.js';

interface ImportCommandOptions {
  format?: string;
  batchSize: string;
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
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'do not show progress on stderr')
    .action(async (file: string, options: ImportCommandOptions) => {
      const started = performance.now();
      const report = await runImport(file, options);
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        options.json
          ? `${JSON.stringify(reportJson(report, file, seconds), null, 2)}\n`
          : formatReport(report, file, seconds),
      );
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
    source = openTextFile(file);
  } catch (error) {
    throw new ImportCommandError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const store = openEventStore(loadConfig());
  const progress = options.progress
    ? new Progress(`import ${basename(file)}`, { unit: 'bytes', total: source.size })
    : undefined;
  try {
    const report = await importStatements(FORMAT_READERS[format](source.chunks), store, {
      reference: referenceData,
      recordedBy: `import:${basename(file)}`,
      batchSize,
      onBatch: () => progress?.update(source.bytesRead()),
      onRecords: () => progress?.update(source.bytesRead()),
    });
    progress?.finish(source.bytesRead());
    return report;
  } catch (error) {
    if (error instanceof ImportFormatError) throw new ImportCommandError(`${file}: ${error.message}`);
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

/** The report as a JSON value (`--json`). */
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
