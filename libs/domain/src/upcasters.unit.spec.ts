import { upcastStatementRecordedV0 } from './upcasters.js';

describe('StatementRecorded schema version 0 read as version 1', () => {
  it('gathers the flat speaker fields into speaker, keeps speakerCountry, and makes the single source a list', () => {
    expect(
      upcastStatementRecordedV0({
        id: 's1',
        occurredOn: '2019-02-09',
        speakerName: 'Hami Aksoy',
        speakerRole: 'Spokesperson',
        speakerCountry: 'TR',
        targets: ['CN'],
        topics: ['xinjiang'],
        kind: 'DISAPPROVE',
        cameoCode: '111',
        goldstein: -2,
        text: 'A paraphrase.',
        attribution: 'PARAPHRASE',
        source: { url: 'https://example.org/a', outlet: 'Example' },
      }),
    ).toEqual({
      id: 's1',
      occurredOn: '2019-02-09',
      speaker: { name: 'Hami Aksoy', role: 'Spokesperson', country: 'TR' },
      speakerCountry: 'TR',
      targets: ['CN'],
      mentions: [],
      topics: ['xinjiang'],
      kind: 'DISAPPROVE',
      cameoCode: '111',
      goldstein: -2,
      text: 'A paraphrase.',
      attribution: 'PARAPHRASE',
      sources: [{ url: 'https://example.org/a', outlet: 'Example' }],
    });
  });

  it('leaves absent optional fields absent (an organisation speaker without a country)', () => {
    const statement = upcastStatementRecordedV0({
      id: 's2',
      occurredOn: '2019',
      speakerName: 'A spokesperson',
      speakerOrganization: 'UN',
      targets: [],
      topics: [],
      kind: 'STATEMENT',
      text: 't',
      attribution: 'SUMMARY',
      source: { url: 'https://example.org/b' },
    });
    expect(statement.speaker).toEqual({ name: 'A spokesperson', organization: 'UN' });
    expect('speakerCountry' in statement).toBe(false);
  });
});
