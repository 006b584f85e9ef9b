import { Writable } from 'node:stream';
import { Progress } from './progress.js';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

describe('Progress', () => {
  it('prints plain lines at the interval and a final line with the rate when not on a terminal', () => {
    let now = 0;
    const out = capture();
    const progress = new Progress('import', {
      unit: 'lines',
      total: 1000,
      stream: out.stream,
      tty: false,
      intervalMs: 2000,
      now: () => now,
    });
    now = 1000;
    progress.update(100); // first update draws
    now = 1500;
    progress.update(150); // within the interval: no line
    now = 4000;
    progress.update(400);
    now = 10000;
    expect(progress.finish(1000)).toEqual({ seconds: 10, perSecond: 100 });
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      'import: 100/1,000 lines (10%), 100 lines/s',
      'import: 400/1,000 lines (40%), 100 lines/s',
      'import: 1,000/1,000 lines (100%), 100 lines/s, 10.0 s',
    ]);
  });

  it('redraws one line with a bar on a terminal and ends it with a newline', () => {
    let now = 0;
    const out = capture();
    const progress = new Progress('rebuild', {
      unit: 'events',
      total: 10,
      stream: out.stream,
      tty: true,
      now: () => now,
    });
    now = 1000;
    progress.update(5);
    now = 2000;
    progress.finish(10);
    const text = out.text();
    expect(text).toContain(
      '\r\x1b[2Krebuild [###############...............] 5/10 events, 5 events/s, 1 s left',
    );
    expect(text.endsWith('rebuild [##############################] 10/10 events, 5 events/s, 2.0 s\n')).toBe(
      true,
    );
  });
});
