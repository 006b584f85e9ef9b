import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { isPartialDate } from '#domain';
import { ProjectionRunner } from '#projections';
import {
  EXPORT_FORMATS,
  InvalidArgumentError,
  countryArgument,
  exportTimeline,
  ReadModel,
  ReadModelUnusableError,
  topicArgument,
  type ExportFormat,
  type TimelineExportRequest,
} from '#read-model';
import { headlineNames, referenceData } from '#reference';
import { loadConfig } from '#runtime';
import { openEventStore } from '../stores.js';
import { forTerminal } from '../terminal.js';

/** A command-line argument that cannot be used; the message names the option. */
export class ExportUsageError extends Error {
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(`${option}: ${reason}`);
    this.name = 'ExportUsageError';
  }
}

interface TimelineOptions {
  country?: string;
  topic?: string;
  from?: string;
  to?: string;
  format: ExportFormat;
  out?: string;
}

/** The request the options stand for, or ExportUsageError naming the option. */
export function timelineRequestOf(options: TimelineOptions): TimelineExportRequest {
  if ((options.country === undefined) === (options.topic === undefined)) {
    throw new ExportUsageError('--country/--topic', 'give exactly one of --country and --topic');
  }
  for (const [option, value] of [
    ['--from', options.from],
    ['--to', options.to],
  ] as const) {
    if (value !== undefined && !isPartialDate(value)) {
      throw new ExportUsageError(option, `not a partial date (YYYY, YYYY-MM or YYYY-MM-DD): ${value}`);
    }
  }
  const range = { from: options.from, to: options.to };
  // the country and topic rules of every read query (libs/read-model query-arguments.ts)
  try {
    if (options.country !== undefined) {
      return {
        timeline: 'country',
        key: countryArgument(options.country, '--country', referenceData.countries),
        ...range,
      };
    }
    return { timeline: 'topic', key: topicArgument(options.topic ?? '', '--topic'), ...range };
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new ExportUsageError(error.field, error.reason);
    throw error;
  }
}

/**
 * `communique export timeline`: brings this data folder's read model up to the log (as the service does at
 * start-up; a service running on the same folder may share the file: each batch is applied once, under its
 * checkpoint), then streams the timeline to stdout or `--out`. A read model of another schema version is left
 * alone for its service to rebuild; the export then builds a temporary one from the log.
 */
export async function exportTimelineCommand(
  options: TimelineOptions,
  stdout: Writable = process.stdout,
): Promise<void> {
  const request = timelineRequestOf(options);
  const config = loadConfig();
  const store = openEventStore(config);
  let temporary: string | undefined;
  let readModel: ReadModel;
  try {
    readModel = ReadModel.open(config.readModelFile);
  } catch (error) {
    if (!(error instanceof ReadModelUnusableError)) throw error;
    console.error(
      forTerminal(`communique export: ${error.message}; building a temporary read model from the log`),
    );
    temporary = mkdtempSync(join(tmpdir(), 'communique-export-'));
    readModel = ReadModel.open(join(temporary, 'read-model.db'));
  }
  try {
    await new ProjectionRunner(store, readModel).catchUp();
    const chunks = Readable.from(exportTimeline(readModel, request, options.format, headlineNames));
    if (options.out === undefined) await pipeline(chunks, stdout, { end: false });
    else await pipeline(chunks, createWriteStream(options.out));
  } finally {
    readModel.close();
    await store.close();
    if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true });
  }
}

export function registerExport(program: Command): void {
  const exportCommand = program.command('export').description('write data out of the store');
  exportCommand
    .command('timeline')
    .description(
      'a country or topic timeline as CSV (TimelineJS columns), JSON (re-importable) or TimelineJS JSON',
    )
    .option('--country <CC>', 'the country: alpha-2, alpha-3 or English name')
    .option('--topic <T>', 'the topic slug')
    .option('--from <D>', 'from this partial date (YYYY, YYYY-MM or YYYY-MM-DD)')
    .option('--to <D>', 'up to the end of this partial date')
    .addOption(new Option('--format <F>', 'output format').choices(EXPORT_FORMATS).makeOptionMandatory())
    .option('--out <FILE>', 'write to FILE instead of stdout')
    .action(async (options: TimelineOptions) => {
      try {
        await exportTimelineCommand(options);
      } catch (error) {
        if (!(error instanceof ExportUsageError)) throw error;
        console.error(forTerminal(`communique export timeline: ${error.message}`));
        process.exitCode = 2;
      }
    });
}
