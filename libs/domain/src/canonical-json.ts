/**
 * Canonical JSON, the ONE rule of the project: the exact text the event hash chain hashes (DESIGN §7) and the
 * text from which importers derive ids, so two values that mean the same serialise to the same string whatever
 * order their keys were built in. To recompute it without this code:
 *
 * - `null`, `true`, `false` as themselves.
 * - A string as JSON.stringify (ES2019+) writes it: wrapped in `"`; `"` and `\` escaped with a backslash;
 *   U+0008, U+0009, U+000A, U+000C, U+000D as `\b \t \n \f \r`; other code points below U+0020 and lone
 *   surrogates as `\u` + 4 lowercase hex digits; every other character literally (no `\u` escaping of
 *   non-ASCII, no escaping of `/`).
 * - A number as JSON.stringify writes it (ECMAScript Number::toString: shortest round-trip digits, `1e+21`
 *   style exponents from 1e21 up and below 1e-6, `-0` as `0`). NaN and ±Infinity are rejected.
 * - An array as `[` + its elements in order, joined by `,` + `]`; an `undefined` element is written `null`
 *   (as JSON.stringify does).
 * - An object (plain objects only) as `{` + its members joined by `,` + `}`, each member `"key":value` with the
 *   key written as a string above. Members whose value is `undefined` are dropped. Members are sorted by key,
 *   comparing keys as strings by UTF-16 code units (JavaScript's default sort; in Python
 *   `sorted(keys, key=lambda k: k.encode('utf-16-be'))`), so `"10"` sorts before `"2"`.
 * - No whitespace anywhere. Anything else (bigint, function, symbol, Date, Map, class instances) is rejected.
 *
 * Hashes are taken over the UTF-8 bytes of this text.
 */
export function canonicalJson(value: unknown): string {
  const text = write(value, []);
  if (text === undefined) throw new TypeError('canonicalJson: the value is undefined');
  return text;
}

/**
 * The path to the value being written, as keys and indexes: kept as a stack and turned into text
 * (`$.a.b[2]`) only for an error message, so writing a value allocates nothing for its path.
 */
type Path = (string | number)[];

const pathText = (path: Path): string =>
  path.reduce<string>(
    (text, step) => (typeof step === 'number' ? `${text}[${step}]` : `${text}.${step}`),
    '$',
  );

function write(value: unknown, path: Path): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`canonicalJson: non-finite number at ${pathText(path)}`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) {
          path.push(i);
          text += (i === 0 ? '' : ',') + (write(value[i], path) ?? 'null');
          path.pop();
        }
        return `${text}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`canonicalJson: not a plain object at ${pathText(path)}`);
      }
      const record = value as Record<string, unknown>;
      let text = '{';
      for (const key of Object.keys(record).sort()) {
        path.push(key);
        const member = write(record[key], path);
        path.pop();
        if (member !== undefined) text += `${text.length === 1 ? '' : ','}${JSON.stringify(key)}:${member}`;
      }
      return `${text}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value} at ${pathText(path)}`);
  }
}

/**
 * Deep equality of JSON-like values by their canonical JSON; an absent value (`undefined`) equals `null`, as
 * both mean "not given" in a command.
 */
export const sameJson = (a: unknown, b: unknown): boolean =>
  canonicalJson(a ?? null) === canonicalJson(b ?? null);
