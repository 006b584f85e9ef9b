/**
 * Progress of a long command (import, rebuild, export). On a terminal it redraws one line with a bar, the
 * count, the rate and, when the total is known, the time left; otherwise (CI, a pipe, a log file) it prints a
 * plain line every `intervalMs` and a last one at the end, so logs stay readable.
 */
export interface ProgressOptions {
  /** what is counted, e.g. "events" or "lines" */
  unit: string;
  /** the count at completion, when known beforehand */
  total?: number;
  /** where to draw; stderr by default, so stdout stays free for data */
  stream?: NodeJS.WriteStream;
  /** forces the terminal (true) or plain-line (false) display; by default the stream's own `isTTY` */
  tty?: boolean;
  /** minimum time between two redraws (terminal) or two lines (plain); 100 ms / 2000 ms */
  intervalMs?: number;
  /** clock in ms, for tests */
  now?: () => number;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private done = 0;

  constructor(
    private readonly label: string,
    private readonly options: ProgressOptions,
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? this.stream.isTTY === true;
    this.intervalMs = options.intervalMs ?? (this.tty ? 100 : 2000);
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Sets the count done so far; draws when the last draw is older than the interval. */
  update(done: number): void {
    this.done = done;
    const at = this.now();
    if (at - this.lastDrawAt < this.intervalMs) return;
    this.lastDrawAt = at;
    this.draw(at, false);
  }

  /** Draws the final state on its own line and returns the elapsed seconds and the mean rate. */
  finish(done = this.done): { seconds: number; perSecond: number } {
    this.done = done;
    const at = this.now();
    this.draw(at, true);
    const seconds = (at - this.startedAt) / 1000;
    return { seconds, perSecond: seconds > 0 ? done / seconds : done };
  }

  private draw(at: number, final: boolean): void {
    const seconds = Math.max((at - this.startedAt) / 1000, 1e-3);
    const rate = this.done / seconds;
    const { total, unit } = this.options;
    const count =
      total === undefined ? `${format(this.done)} ${unit}` : `${format(this.done)}/${format(total)} ${unit}`;
    const speed = `${format(Math.round(rate))} ${unit}/s`;
    if (!this.tty) {
      const percent = total ? ` (${Math.floor((100 * this.done) / total)}%)` : '';
      this.stream.write(
        `${this.label}: ${count}${percent}, ${speed}${final ? `, ${seconds.toFixed(1)} s` : ''}\n`,
      );
      return;
    }
    const width = 30;
    const fraction = total ? Math.min(this.done / total, 1) : 0;
    const bar = total ? `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ` : '';
    const eta =
      total && rate > 0 && !final
        ? `, ${Math.ceil((total - this.done) / rate)} s left`
        : final
          ? `, ${seconds.toFixed(1)} s`
          : '';
    this.stream.write(`\r\x1b[2K${this.label} ${bar}${count}, ${speed}${eta}${final ? '\n' : ''}`);
  }
}

function format(n: number): string {
  return n.toLocaleString('en-US');
}
