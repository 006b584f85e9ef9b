import { actionOf, groupOf, headlineOf, verbPhraseOf, type StatementView } from '#read-model';
import { cameoEntries, headlineNames } from '#reference';

const view = (fields: Partial<StatementView>): StatementView => ({
  id: '00000000-0000-4000-8000-000000000001',
  occurredOn: '2015-10-27',
  speaker: { name: 'UNITED STATES' },
  speakerCountry: 'US',
  targets: ['MT'],
  mentions: [],
  topics: [],
  kind: 'APPEAL',
  cameoCode: '02',
  text: 'x',
  attribution: 'SUMMARY',
  sources: [{ url: 'https://example.org/a' }],
  status: 'ACTIVE',
  version: 1,
  recordedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  respondsTo: [],
  recordedPosition: 1n,
  lastPosition: 1n,
  ...fields,
});

describe('headlines for people (issue 13, item 3)', () => {
  it('names the speaker country, the counterpart and what was done', () => {
    expect(headlineOf(view({}), headlineNames)).toBe('United States → Malta: makes an appeal');
    expect(headlineOf(view({ cameoCode: '0214', kind: 'APPEAL' }), headlineNames)).toMatch(
      /^United States → Malta: appeals for /,
    );
    expect(
      headlineOf(
        view({ cameoCode: '036', kind: 'INTENT_TO_COOPERATE', targets: ['CN', 'TR'] }),
        headlineNames,
      ),
    ).toBe('United States → China, Türkiye: expresses intent to meet or negotiate');
  });

  it('keeps the GDELT actor label out of the headline, and falls back to the speaker without a country', () => {
    const university = view({ speaker: { name: 'UNIVERSITY' }, speakerCountry: 'US' });
    expect(headlineOf(university, headlineNames)).not.toContain('UNIVERSITY');
    expect(headlineOf(view({ speakerCountry: undefined, targets: [] }), headlineNames)).toBe(
      'UNITED STATES: makes an appeal',
    );
  });

  it('turns every CAMEO name of the verbal roots into a third-person phrase', () => {
    const verbal = cameoEntries.filter((entry) => Number(entry.root) <= 14);
    for (const entry of verbal) {
      const phrase = actionOf(view({ cameoCode: entry.code }), headlineNames);
      expect([entry.code, phrase]).toEqual([entry.code, expect.stringMatching(/^[a-z-]+s\b/)]);
      expect(phrase).not.toMatch(/not specified/i);
    }
    expect(verbPhraseOf('Deny responsibility')).toBe('denies responsibility');
    expect(verbPhraseOf('Express intent to meet or negotiate')).toBe('expresses intent to meet or negotiate');
  });

  it('groups by kind: at most eleven groups on any data set', () => {
    expect(groupOf(view({ kind: 'DISAPPROVE' }))).toBe('Disapproval');
    expect(groupOf(view({ speakerCountry: 'FR', kind: 'DISAPPROVE' }))).toBe('Disapproval');
  });
});
