import { MAX_OPERATION_NAMES, Metrics } from './metrics.js';

describe('GraphQL operation label', () => {
  it('keeps the first distinct names and counts later ones as other', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    for (let i = 0; i < MAX_OPERATION_NAMES + 20; i++) {
      metrics.graphqlOperations.inc({
        operation: metrics.operationLabel(`op${i}`),
        type: 'query',
        outcome: 'ok',
      });
    }
    expect(metrics.operationLabel('op0')).toBe('op0');
    expect(metrics.operationLabel(`op${MAX_OPERATION_NAMES - 1}`)).toBe(`op${MAX_OPERATION_NAMES - 1}`);
    expect(metrics.operationLabel(`op${MAX_OPERATION_NAMES}`)).toBe('other');
    expect(metrics.operationLabel('anonymous')).toBe('anonymous');
    const values = (await metrics.graphqlOperations.get()).values;
    const labels = new Set(values.map((value) => value.labels.operation));
    expect(labels.size).toBe(MAX_OPERATION_NAMES + 1);
    expect(values.find((value) => value.labels.operation === 'other')?.value).toBe(20);
  });
});
