import { LineTooLongError, byteLength } from '#event-store';
import { DEFAULT_READER_LIMITS, type ReaderLimits } from './text-source.js';

/** One CSV record: its fields, or why it could not be read. `line` is the 1-based line where it starts. */
export type CsvRecord =
  { line: number; fields: string[]; error?: undefined } | { line: number; error: string };

const enum State {
  /** at the start of a field */
  FieldStart,
  /** inside an unquoted field */
  Unquoted,
  /** inside a quoted field */
  Quoted,
  /** just after a quote inside a quoted field: an escaped quote, or the end of the field */
  QuoteInQuoted,
  /** the record is broken; skip to the end of its line */
  Broken,
}

/**
 * An RFC 4180 CSV reader fed with chunks of text: comma-separated fields, fields in double quotes may hold
 * commas, line breaks and doubled quotes (`""`); records end with CRLF or LF; a last record without a line
 * break counts. A UTF-8 byte-order mark at the start is dropped. Lines that are completely empty are skipped.
 *
 * A malformed record (a quote inside an unquoted field, text after a closing quote, a quoted field still open
 * at the end of the input) is returned with an `error`, and reading goes on at the next line.
 *
 * Bounded: a field longer than `maxFieldBytes` or a record longer than `maxLineBytes` (UTF-8 bytes, counted as
 * the text arrives, in time linear in the input) is a `LineTooLongError` naming the line and the column, so a
 * file with no line break or an unclosed quote cannot make the reader hold more than the caps.
 */
export class CsvParser {
  private state = State.FieldStart;
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  private error: string | undefined;
  private started = false;
  private pendingCr = false;
  /** UTF-8 bytes of the current field and of the current record so far */
  private fieldBytes = 0;
  private recordBytes = 0;

  constructor(
    private readonly delimiter = ',',
    private readonly limits: ReaderLimits = DEFAULT_READER_LIMITS,
  ) {}

  /** Counts `text` into the current field and record, refusing either past its cap. */
  private grow(text: string): void {
    const bytes = text.length === 1 && text.charCodeAt(0) < 0x80 ? 1 : byteLength(text);
    this.fieldBytes += bytes;
    this.recordBytes += bytes;
    if (this.fieldBytes > this.limits.maxFieldBytes) {
      throw new LineTooLongError(
        this.recordLine,
        this.limits.maxFieldBytes,
        `column ${this.fields.length + 1}: the field`,
        'COMMUNIQUE_MAX_FIELD_BYTES or --max-field-bytes',
      );
    }
    if (this.recordBytes > this.limits.maxLineBytes) {
      throw new LineTooLongError(this.recordLine, this.limits.maxLineBytes, 'the record');
    }
  }

  /** The records completed by this chunk. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c === '\n') continue; // the LF of a CRLF already ended the record
      }
      switch (this.state) {
        case State.FieldStart:
          if (c === '"') this.state = State.Quoted;
          else if (c === this.delimiter) this.endField();
          else if (c === '\r' || c === '\n') this.endRecord(out, c);
          else {
            this.grow(c);
            this.field = c;
            this.state = State.Unquoted;
          }
          break;
        case State.Unquoted: {
          // Copy the run of ordinary characters at once.
          let j = i;
          while (j < text.length) {
            const d = text[j];
            if (d === this.delimiter || d === '\r' || d === '\n' || d === '"') break;
            j++;
          }
          const run = text.slice(i, j);
          this.grow(run);
          this.field += run;
          i = j - 1;
          if (j >= text.length) break;
          const d = text[j];
          i = j;
          if (d === this.delimiter) this.endField();
          else if (d === '"')
            this.breakRecord(`column ${this.fields.length + 1}: a quote inside an unquoted field`);
          else this.endRecord(out, d);
          break;
        }
        case State.Quoted: {
          const close = text.indexOf('"', i);
          const end = close === -1 ? text.length : close;
          const part = text.slice(i, end);
          this.grow(part);
          this.field += part;
          this.countLineBreaks(part);
          i = end;
          if (close !== -1) this.state = State.QuoteInQuoted;
          break;
        }
        case State.QuoteInQuoted:
          if (c === '"') {
            this.grow(c);
            this.field += '"';
            this.state = State.Quoted;
          } else if (c === this.delimiter) this.endField();
          else if (c === '\r' || c === '\n') this.endRecord(out, c);
          else this.breakRecord(`column ${this.fields.length + 1}: text after the closing quote`);
          break;
        case State.Broken:
          if (c === '\r' || c === '\n') this.endRecord(out, c);
          else this.grow(c);
          break;
      }
    }
    return out;
  }

  /** The last record, when the input does not end with a line break. */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    if (this.state === State.Quoted) {
      this.breakRecord(
        `column ${this.fields.length + 1}: a quoted field is not closed before the end of the file`,
      );
    }
    if (this.state !== State.FieldStart || this.fields.length > 0) this.endRecord(out, '');
    return out;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.fieldBytes = 0;
    this.recordBytes += 1; // the delimiter; the next field's growth checks the record cap
    this.state = State.FieldStart;
  }

  private breakRecord(error: string): void {
    this.error ??= error;
    this.state = State.Broken;
  }

  private countLineBreaks(text: string): void {
    for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) this.line += 1;
    // A lone CR inside a quoted field is kept as data and not counted as a line.
  }

  private endRecord(out: CsvRecord[], terminator: string): void {
    const empty = this.fields.length === 0 && this.field === '' && this.state === State.FieldStart;
    if (this.error !== undefined) out.push({ line: this.recordLine, error: this.error });
    else if (!empty) {
      this.fields.push(this.field);
      out.push({ line: this.recordLine, fields: this.fields });
    }
    this.fields = [];
    this.field = '';
    this.fieldBytes = 0;
    this.recordBytes = 0;
    this.error = undefined;
    this.state = State.FieldStart;
    if (terminator === '\r') this.pendingCr = true;
    if (terminator !== '') this.line += 1;
    this.recordLine = this.line;
  }
}

/** Reads CSV records from a stream of text chunks (see `CsvParser`). */
export async function* readCsvRecords(
  chunks: AsyncIterable<string>,
  delimiter = ',',
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): AsyncIterable<CsvRecord> {
  const parser = new CsvParser(delimiter, limits);
  for await (const chunk of chunks) yield* parser.push(chunk);
  yield* parser.end();
}
