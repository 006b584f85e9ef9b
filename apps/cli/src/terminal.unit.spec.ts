import { forTerminal, jsonForTerminal } from './terminal.js';

describe('forTerminal', () => {
  it('writes escape sequences, C1 controls and bidi controls as visible escapes, keeping line feeds and tabs', () => {
    expect(forTerminal('a\u001b[2J\u001b]0;owned\u0007b')).toBe('a\\u{001b}[2J\\u{001b}]0;owned\\u{0007}b');
    expect(forTerminal('x\u009b31m\u202eevil\r')).toBe('x\\u{009b}31m\\u{202e}evil\\u{000d}');
    expect(forTerminal('line 1\n\tline 2 é 中')).toBe('line 1\n\tline 2 é 中');
  });
});

describe('jsonForTerminal', () => {
  it('is JSON for the same value with no raw control character', () => {
    const value = { reason: 'a\u001b[31m\u009b\u202eb' };
    const text = jsonForTerminal(value);
    expect(JSON.parse(text)).toEqual(value);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });
});
