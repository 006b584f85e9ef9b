/**
 * Text from a file or an argument, made safe to print on a terminal: control characters (C0 except line
 * feed and tab, DEL, C1 such as the 8-bit CSI U+009B) and the bidirectional controls are written as visible
 * `\u{…}` escapes, so a file cannot move the cursor, recolour, retitle or rewrite the terminal through an
 * error message that quotes it. Every CLI message that may echo input goes through this.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function forTerminal(text: string): string {
  return text.replace(UNSAFE, (ch) => `\\u{${ch.charCodeAt(0).toString(16).padStart(4, '0')}}`);
}

/**
 * JSON for a terminal or a pipe: JSON.stringify already escapes C0, but writes C1 and the bidirectional
 * controls as they are; they are written as `\u` escapes here (still valid JSON, the same value).
 */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
