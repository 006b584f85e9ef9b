import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDifference, firstDifference } from './compare.js';
import { ReadModel } from './read-model.js';
import type { SearchDocument } from './types.js';

/*
 * Full-text search is contentless: the comparison sees it through the documents' sizes and the terms'
 * statistics. Two read models that indexed different words, or different documents, must differ.
 */

let dir: string;
let models: ReadModel[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'communique-compare-'));
  models = [];
});

afterEach(() => {
  for (const model of models) model.close();
  rmSync(dir, { recursive: true, force: true });
});

function modelWith(documents: SearchDocument[]): ReadModel {
  const model = ReadModel.open(join(dir, `m${models.length}.db`));
  models.push(model);
  model.transaction(() => {
    for (const document of documents) {
      model.apply(document.recordedPosition, [{ type: 'putSearchDocument', document, replaces: false }]);
    }
  });
  return model;
}

const doc = (position: bigint, text: string): SearchDocument => ({
  recordedPosition: position,
  text,
  speaker: 'Wang Yi',
  sources: 'https://example.org/1',
});

describe('comparing read models with contentless search', () => {
  it('finds them equal when the same words were indexed, whatever the order of writing', () => {
    const a = modelWith([doc(1n, 'trade talks resumed'), doc(2n, 'sanctions lifted')]);
    const b = modelWith([doc(2n, 'sanctions lifted'), doc(1n, 'trade talks resumed')]);
    expect(firstDifference(a, b)).toBeUndefined();
  });

  it('finds a word changed within a document of the same length', () => {
    const a = modelWith([doc(1n, 'trade talks resumed')]);
    const b = modelWith([doc(1n, 'trade talks stalled')]);
    const difference = firstDifference(a, b);
    expect(difference?.table).toBe('statement_search_terms');
    expect(describeDifference(difference!)).toMatch(/resum|stall/);
  });

  it('finds a document missing, or indexed under another position', () => {
    const a = modelWith([doc(1n, 'trade talks resumed'), doc(2n, 'sanctions lifted')]);
    expect(firstDifference(a, modelWith([doc(1n, 'trade talks resumed')]))?.table).toBe(
      'statement_search_docsize',
    );
    const moved = modelWith([doc(1n, 'trade talks resumed'), doc(3n, 'sanctions lifted')]);
    expect(firstDifference(a, moved)?.table).toBe('statement_search_docsize');
  });

  it('sees a document replaced as its new words only', () => {
    const replaced = modelWith([doc(1n, 'trade talks resumed')]);
    replaced.transaction(() =>
      replaced.apply(5n, [{ type: 'putSearchDocument', document: doc(1n, 'talks stalled'), replaces: true }]),
    );
    expect(firstDifference(replaced, modelWith([doc(1n, 'talks stalled')]))).toBeUndefined();
  });
});
