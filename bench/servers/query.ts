/** The GraphQL request every server variant answers under load: the first page of a busy country's timeline. */
export const TIMELINE_QUERY = `query Timeline($country: CountryCode!) {
  countryTimeline(country: $country, first: 50) {
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
    }
  }
}`;

export const timelineBody = (country: string): string =>
  JSON.stringify({ query: TIMELINE_QUERY, variables: { country } });
