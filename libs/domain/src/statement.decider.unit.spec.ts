import type { StatementCommand, StatementInput } from './commands.js';
import { StatementConflictError, StatementNotFoundError, ValidationError } from './errors.js';
import type { StatementEvent, StatementRecorded } from './events.js';
import { normalizeStatementInput } from './normalize.js';
import { decide, evolve, foldStatement, initialStatementState } from './statement.decider.js';
import { fakeReference as ref } from './testing/fake-reference.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

const input: StatementInput = {
  occurredOn: '2019-05-16',
  speaker: { name: 'Wang Yi', role: 'State Councilor', country: 'CN' },
  targets: ['TUR'],
  topics: ['xinjiang'],
  cameoCode: '112',
  text: 'We firmly oppose interference in internal affairs.',
  attribution: 'PARAPHRASE',
  sources: [{ url: 'https://www.fmprc.gov.cn/eng/' }],
};

const recorded: StatementRecorded = {
  type: 'StatementRecorded',
  data: { id: ID, ...normalizeStatementInput(input, ref) },
};
const retracted: StatementEvent = {
  type: 'StatementRetracted',
  data: { statementId: ID, reason: 'duplicate' },
};

/** given events, when command, then events (or error). */
const given = (...events: StatementEvent[]) => ({
  when: (command: StatementCommand) => {
    const run = () => decide(command, foldStatement(events), ref);
    return {
      then: (expected: StatementEvent[]) => expect(run()).toEqual(expected),
      thenThrows: (type: new (...args: never[]) => Error, message?: string | RegExp) => {
        expect(run).toThrow(type);
        if (message !== undefined) expect(run).toThrow(message);
      },
    };
  },
});

describe('recording a statement', () => {
  it('records a new statement with its normalised fields', () => {
    given()
      .when({
        type: 'RecordStatement',
        id: ID,
        input: { ...input, targets: ['Turkey'], topics: ['Xinjiang'] },
      })
      .then([recorded]);
    expect(recorded.data).toMatchObject({
      targets: ['TR'],
      kind: 'DISAPPROVE',
      goldstein: -2,
      speakerCountry: 'CN',
    });
  });

  it('requires a UUID id', () => {
    given()
      .when({ type: 'RecordStatement', id: 'not-a-uuid', input })
      .thenThrows(ValidationError, /^input\.id: must be a UUID/);
  });

  it('reports invalid input with the path of the field', () => {
    given()
      .when({ type: 'RecordStatement', id: ID, input: { ...input, targets: ['TR', 'XX'] } })
      .thenThrows(ValidationError, /^input\.targets\.1: unknown country "XX"/);
  });

  it('is idempotent: recording the same content again changes nothing', () => {
    given(recorded)
      .when({
        type: 'RecordStatement',
        id: ID,
        input: { ...input, targets: ['TR'], speakerCountry: 'China' },
      })
      .then([]);
  });

  it('stays idempotent after the statement was changed since', () => {
    given(recorded, { type: 'StatementTopicsTagged', data: { statementId: ID, topics: ['sovereignty'] } })
      .when({ type: 'RecordStatement', id: ID, input })
      .then([]);
  });

  it('is a conflict to record other content under the same id', () => {
    given(recorded)
      .when({ type: 'RecordStatement', id: ID, input: { ...input, text: 'Something else.' } })
      .thenThrows(StatementConflictError, `statement ${ID} is already recorded with other content`);
  });
});

describe('commands on a statement that does not exist', () => {
  it.each<StatementCommand>([
    { type: 'CorrectStatement', id: ID, changes: { text: 'x' }, reason: 'typo' },
    { type: 'AddStatementSource', id: ID, source: { url: 'https://example.org/' } },
    { type: 'TagStatement', id: ID, topics: ['x'] },
    { type: 'UntagStatement', id: ID, topics: ['x'] },
    { type: 'LinkResponse', id: ID, respondsTo: OTHER_ID },
    { type: 'RetractStatement', id: ID, reason: 'duplicate' },
    { type: 'RestoreStatement', id: ID, reason: 'not a duplicate' },
  ])('$type is not found', (command) => {
    given().when(command).thenThrows(StatementNotFoundError, `statement ${ID} not found`);
  });
});

describe('correcting a statement', () => {
  it('records only the fields that change, with the reason', () => {
    given(recorded)
      .when({
        type: 'CorrectStatement',
        id: ID,
        changes: { occurredOn: '2019-05-17', targets: ['TR'], cameoCode: '14' },
        reason: ' wrong day ',
      })
      .then([
        {
          type: 'StatementCorrected',
          data: {
            statementId: ID,
            changes: { occurredOn: '2019-05-17', cameoCode: '14', goldstein: -6.5, kind: 'PROTEST' },
            reason: 'wrong day',
          },
        },
      ]);
  });

  it('must change something', () => {
    given(recorded)
      .when({ type: 'CorrectStatement', id: ID, changes: { targets: ['Turkey'] }, reason: 'check' })
      .thenThrows(ValidationError, 'input: the correction changes nothing');
  });

  it('needs a reason', () => {
    given(recorded)
      .when({ type: 'CorrectStatement', id: ID, changes: { text: 'New text.' }, reason: '  ' })
      .thenThrows(ValidationError, 'reason: must not be empty');
  });

  it('validates the changes with input paths', () => {
    given(recorded)
      .when({ type: 'CorrectStatement', id: ID, changes: { occurredOn: '2019-02-30' }, reason: 'date' })
      .thenThrows(ValidationError, /^input\.occurredOn: /);
  });
});

describe('sources', () => {
  it('adds a new source', () => {
    given(recorded)
      .when({
        type: 'AddStatementSource',
        id: ID,
        source: {
          url: 'https://www.reuters.com/a',
          outlet: 'Reuters',
          publishedAt: '2019-05-16T12:00:00+02:00',
        },
      })
      .then([
        {
          type: 'StatementSourceAdded',
          data: {
            statementId: ID,
            source: {
              url: 'https://www.reuters.com/a',
              outlet: 'Reuters',
              publishedAt: '2019-05-16T10:00:00.000Z',
            },
          },
        },
      ]);
  });

  it('adds a source whose URL is already there only once', () => {
    given(recorded)
      .when({
        type: 'AddStatementSource',
        id: ID,
        source: { url: 'https://www.fmprc.gov.cn/eng/', outlet: 'MFA' },
      })
      .then([]);
  });

  it('reports a bad source under `source`', () => {
    given(recorded)
      .when({ type: 'AddStatementSource', id: ID, source: { url: 'not a url' } })
      .thenThrows(ValidationError, /^source\.url: /);
  });
});

describe('topics', () => {
  it('tags only topics not yet present, normalised and deduplicated', () => {
    given(recorded)
      .when({ type: 'TagStatement', id: ID, topics: ['Xinjiang', 'Sovereignty', 'sovereignty'] })
      .then([{ type: 'StatementTopicsTagged', data: { statementId: ID, topics: ['sovereignty'] } }]);
  });

  it('tagging topics already present changes nothing', () => {
    given(recorded)
      .when({ type: 'TagStatement', id: ID, topics: ['XINJIANG'] })
      .then([]);
  });

  it('untags only topics present', () => {
    given(recorded)
      .when({ type: 'UntagStatement', id: ID, topics: ['xinjiang', 'trade'] })
      .then([{ type: 'StatementTopicsUntagged', data: { statementId: ID, topics: ['xinjiang'] } }]);
    given(recorded)
      .when({ type: 'UntagStatement', id: ID, topics: ['trade'] })
      .then([]);
  });

  it('needs at least one topic, each a slug', () => {
    given(recorded)
      .when({ type: 'TagStatement', id: ID, topics: [] })
      .thenThrows(ValidationError, /^topics: /);
    given(recorded)
      .when({ type: 'TagStatement', id: ID, topics: ['ok', 'not ok'] })
      .thenThrows(ValidationError, /^topics\.1: /);
  });
});

describe('responses', () => {
  it('links a statement it responds to, once', () => {
    const linked: StatementEvent = {
      type: 'StatementResponseLinked',
      data: { statementId: ID, respondsTo: OTHER_ID },
    };
    given(recorded).when({ type: 'LinkResponse', id: ID, respondsTo: OTHER_ID }).then([linked]);
    given(recorded, linked).when({ type: 'LinkResponse', id: ID, respondsTo: OTHER_ID }).then([]);
  });

  it('a statement cannot respond to itself', () => {
    given(recorded)
      .when({ type: 'LinkResponse', id: ID, respondsTo: ID.toUpperCase() })
      .thenThrows(ValidationError, 'respondsTo: a statement cannot respond to itself');
  });

  it('a statement responds to at most 20 statements; linking one already linked stays a no-op', () => {
    const links: StatementEvent[] = Array.from({ length: 20 }, (_, i) => ({
      type: 'StatementResponseLinked',
      data: { statementId: ID, respondsTo: `7c9e6679-7425-40de-944b-${String(i).padStart(12, '0')}` },
    }));
    given(recorded, ...links)
      .when({ type: 'LinkResponse', id: ID, respondsTo: OTHER_ID })
      .thenThrows(
        ValidationError,
        'respondsTo: a statement may respond to at most 20 statements; this one already responds to 20',
      );
    given(recorded, ...links)
      .when({ type: 'LinkResponse', id: ID, respondsTo: '7c9e6679-7425-40de-944b-000000000019' })
      .then([]);
    given(recorded, ...links.slice(1))
      .when({ type: 'LinkResponse', id: ID, respondsTo: OTHER_ID })
      .then([{ type: 'StatementResponseLinked', data: { statementId: ID, respondsTo: OTHER_ID } }]);
  });

  it('respondsTo must be a UUID', () => {
    given(recorded)
      .when({ type: 'LinkResponse', id: ID, respondsTo: 'statement-2' })
      .thenThrows(ValidationError, /^respondsTo: must be a UUID/);
  });
});

describe('retraction', () => {
  it('retracts an active statement with a reason', () => {
    given(recorded).when({ type: 'RetractStatement', id: ID, reason: 'duplicate' }).then([retracted]);
    given(recorded)
      .when({ type: 'RetractStatement', id: ID, reason: '' })
      .thenThrows(ValidationError, 'reason: must not be empty');
  });

  it.each<StatementCommand>([
    { type: 'CorrectStatement', id: ID, changes: { text: 'x' }, reason: 'typo' },
    { type: 'AddStatementSource', id: ID, source: { url: 'https://example.org/' } },
    { type: 'TagStatement', id: ID, topics: ['x'] },
    { type: 'UntagStatement', id: ID, topics: ['xinjiang'] },
    { type: 'LinkResponse', id: ID, respondsTo: OTHER_ID },
    { type: 'RetractStatement', id: ID, reason: 'again' },
  ])('a retracted statement refuses $type', (command) => {
    given(recorded, retracted)
      .when(command)
      .thenThrows(StatementConflictError, /is retracted/);
  });

  it('a retracted statement can be restored, and then changed again', () => {
    const restored: StatementEvent = {
      type: 'StatementRestored',
      data: { statementId: ID, reason: 'not a duplicate' },
    };
    given(recorded, retracted)
      .when({ type: 'RestoreStatement', id: ID, reason: 'not a duplicate' })
      .then([restored]);
    given(recorded, retracted, restored)
      .when({ type: 'TagStatement', id: ID, topics: ['trade'] })
      .then([{ type: 'StatementTopicsTagged', data: { statementId: ID, topics: ['trade'] } }]);
  });

  it('restoring an active statement is a conflict', () => {
    given(recorded)
      .when({ type: 'RestoreStatement', id: ID, reason: 'why' })
      .thenThrows(StatementConflictError, `statement ${ID} is not retracted`);
  });
});

describe('evolve', () => {
  it('counts events as the version and folds every event type', () => {
    const events: StatementEvent[] = [
      recorded,
      {
        type: 'StatementCorrected',
        data: { statementId: ID, changes: { text: 'Corrected.' }, reason: 'typo' },
      },
      { type: 'StatementSourceAdded', data: { statementId: ID, source: { url: 'https://b.org/' } } },
      { type: 'StatementTopicsTagged', data: { statementId: ID, topics: ['trade', 'xinjiang'] } },
      { type: 'StatementTopicsUntagged', data: { statementId: ID, topics: ['xinjiang'] } },
      { type: 'StatementResponseLinked', data: { statementId: ID, respondsTo: OTHER_ID } },
      retracted,
    ];
    const state = foldStatement(events);
    expect(state).toEqual({
      exists: true,
      version: 7,
      status: 'RETRACTED',
      respondsTo: [OTHER_ID],
      recorded: recorded.data,
      statement: {
        ...recorded.data,
        text: 'Corrected.',
        sources: [...recorded.data.sources, { url: 'https://b.org/' }],
        topics: ['trade'],
      },
    });
    expect(
      evolve(state, { type: 'StatementRestored', data: { statementId: ID, reason: 'r' } }),
    ).toMatchObject({
      status: 'ACTIVE',
      version: 8,
    });
  });

  it('starts empty and is plain JSON', () => {
    expect(initialStatementState).toEqual({ exists: false, version: 0 });
    const state = foldStatement([recorded]);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    expect(state.version).toBe(1);
  });

  it('refuses an event on a stream that was never recorded', () => {
    expect(() => evolve(initialStatementState, retracted)).toThrow(/never recorded/);
  });
});
