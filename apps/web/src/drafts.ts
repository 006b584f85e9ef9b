import type { StatementDetail } from './graphql.js';

/** The form's fields, as the user edits them. */
export interface Draft {
  occurredOn: string;
  speakerName: string;
  speakerRole: string;
  speakerOrganization: string;
  speakerCountry: string;
  targets: string[];
  mentions: string[];
  topics: string;
  kind: string;
  cameoCode: string;
  text: string;
  attribution: string;
  language: string;
  sources: { url: string; outlet: string }[];
}

export const emptyDraft = (): Draft => ({
  occurredOn: '',
  speakerName: '',
  speakerRole: '',
  speakerOrganization: '',
  speakerCountry: '',
  targets: [],
  mentions: [],
  topics: '',
  kind: '',
  cameoCode: '',
  text: '',
  attribution: 'DIRECT_QUOTE',
  language: '',
  sources: [{ url: '', outlet: '' }],
});

export function draftOf(s: StatementDetail): Draft {
  return {
    occurredOn: s.occurredOn,
    speakerName: s.speaker.name,
    speakerRole: s.speaker.role ?? '',
    speakerOrganization: s.speaker.organization ?? '',
    speakerCountry: s.speakerCountry ?? s.speaker.country ?? '',
    targets: s.targets,
    mentions: s.mentions,
    topics: s.topics.join(', '),
    kind: s.kind,
    cameoCode: s.cameoCode ?? '',
    text: s.text,
    attribution: s.attribution,
    language: s.language ?? '',
    sources: s.allSources.map((x) => ({ url: x.url, outlet: x.outlet ?? '' })),
  };
}

const orNull = (text: string): string | null => (text.trim() === '' ? null : text.trim());

/** The statement fields of `RecordStatementInput` a draft stands for. */
export function inputOf(d: Draft): Record<string, unknown> {
  return {
    occurredOn: d.occurredOn.trim(),
    speaker: {
      name: d.speakerName.trim(),
      role: orNull(d.speakerRole),
      organization: orNull(d.speakerOrganization),
      country: orNull(d.speakerCountry),
    },
    speakerCountry: orNull(d.speakerCountry),
    targets: d.targets,
    mentions: d.mentions,
    topics: d.topics
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
    ...(d.cameoCode.trim() ? { cameoCode: d.cameoCode.trim() } : { kind: d.kind || 'STATEMENT' }),
    text: d.text,
    attribution: d.attribution,
    language: orNull(d.language),
    sources: d.sources
      .filter((x) => x.url.trim() !== '')
      .map((x) => ({ url: x.url.trim(), outlet: orNull(x.outlet) })),
  };
}

/**
 * A correction changes only what changed: the fields whose input differs from the statement's. Sources are
 * added by `addStatementSource`, not corrected, so they are left out here.
 */
export function changesOf(before: Draft, after: Draft): Record<string, unknown> {
  const a = inputOf(before);
  const b = inputOf(after);
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(b)) {
    if (key === 'sources') continue;
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) changes[key] = b[key];
  }
  if ('cameoCode' in changes || 'kind' in changes) {
    delete changes.kind;
    delete changes.cameoCode;
    if (b.cameoCode !== undefined) changes.cameoCode = b.cameoCode;
    else changes.kind = b.kind;
  }
  return changes;
}
