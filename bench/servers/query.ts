/** The selection every server variant answers under load: a timeline page with every field the bare server has. */
const PAGE_SELECTION = `
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      roles
      node {
        id occurredOn kind cameoCode goldstein text attribution
        speaker { name role country }
        speakerCountry targets topics status version recordedAt
        sources { url outlet }
      }
    }`;

/** The GraphQL request every server variant answers under load: the first page of a busy country's timeline. */
export const TIMELINE_QUERY = `query Timeline($country: CountryCode!) {
  countryTimeline(country: $country, first: 50) {${PAGE_SELECTION}
  }
}`;

export const timelineBody = (country: string): string =>
  JSON.stringify({ query: TIMELINE_QUERY, variables: { country } });

/** A page after `after` (cold requests: every one a different country, cursor or page size). */
export const TIMELINE_PAGE_QUERY = `query TimelinePage($country: CountryCode!, $first: Int!, $after: String) {
  countryTimeline(country: $country, first: $first, after: $after) {${PAGE_SELECTION}
  }
}`;

export const timelinePageBody = (country: string, first: number, after: string | null): string =>
  JSON.stringify({ query: TIMELINE_PAGE_QUERY, variables: { country, first, after } });
