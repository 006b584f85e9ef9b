#!/usr/bin/env node
// Writes N valid statements as NDJSON (the import format), for measuring import speed:
//   node test/support/generate-ndjson.mjs <file> [count=100000] [seed=1]
// The output is deterministic for a given count and seed. Every third line has no id (the importer then
// derives one from the content); the others carry a UUID made from the seed and the line number.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const [file, countArg = '100000', seedArg = '1'] = process.argv.slice(2);
if (!file) {
  console.error('usage: generate-ndjson.mjs <file> [count] [seed]');
  process.exit(2);
}
const count = Number(countArg);
let state = Number(seedArg) >>> 0 || 1;
/** xorshift32: a small deterministic generator, good enough to vary test data */
const random = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 0x100000000;
};
const pick = (list) => list[Math.floor(random() * list.length)];

const COUNTRIES = [
  'CN',
  'TR',
  'US',
  'RU',
  'DE',
  'FR',
  'GB',
  'IN',
  'BR',
  'JP',
  'IR',
  'SA',
  'EG',
  'NG',
  'ZA',
  'UA',
];
const CODES = [
  '010',
  '012',
  '013',
  '020',
  '0214',
  '030',
  '036',
  '040',
  '042',
  '043',
  '046',
  '050',
  '051',
  '100',
  '111',
  '112',
  '120',
  '130',
  '141',
];
const ATTRIBUTIONS = ['DIRECT_QUOTE', 'PARAPHRASE', 'READOUT', 'SUMMARY'];
const TOPICS = ['xinjiang', 'trade', 'sovereignty', 'energy', 'counter-terrorism', 'climate', 'migration'];
const NAMES = ['Foreign Minister', 'Spokesperson', 'President', 'Prime Minister', 'Ambassador'];

const hex = (n, width) => n.toString(16).padStart(width, '0').slice(-width);

const out = createWriteStream(file);
for (let i = 1; i <= count; i++) {
  const speaker = pick(COUNTRIES);
  let target = pick(COUNTRIES);
  if (target === speaker) target = COUNTRIES[(COUNTRIES.indexOf(speaker) + 1) % COUNTRIES.length];
  const year = 2000 + Math.floor(random() * 25);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  const statement = {
    ...(i % 3 === 0 ? {} : { id: `${hex(Number(seedArg), 8)}-0000-4000-8000-${hex(i, 12)}` }),
    occurredOn: date,
    speaker: { name: `${pick(NAMES)} of ${speaker}`, role: pick(NAMES), country: speaker },
    targets: [target],
    topics: [pick(TOPICS)],
    cameoCode: pick(CODES),
    text: `Generated statement ${i} by ${speaker} about ${target} on ${date}.`,
    attribution: pick(ATTRIBUTIONS),
    sources: [
      { url: `https://example.org/generated/${i}`, outlet: 'Generated', publishedAt: `${date}T12:00:00Z` },
    ],
  };
  if (!out.write(`${JSON.stringify(statement)}\n`)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
