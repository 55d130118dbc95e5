import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from '../../src/observability/series-histogram.js';

const NAME = 'upstream_request_duration_seconds';
const HELP = 'Vendor API calls.';
const LABELS = ['vendor', 'account', 'route'] as const;
const BUCKETS = [0.001, 0.01, 0.1, 1];
const SAMPLES: [Record<(typeof LABELS)[number], string>, number][] = [
  [{ vendor: 'AUTH0', account: 'prod', route: '/api/v2/clients' }, 0.0005],
  [{ vendor: 'AUTH0', account: 'prod', route: '/api/v2/clients' }, 0.01],
  [{ vendor: 'AUTH0', account: 'prod', route: '/api/v2/clients' }, 0.2],
  [{ vendor: 'VAULT', account: 'main', route: '/api/v1/credentials/{uuid}' }, 7],
  [{ vendor: 'AUTH0', account: 'prod', route: '/api/v2/connections' }, 0.05],
];

describe('SeriesHistogram', () => {
  it('prints exactly what a prom-client Histogram prints for the same observations', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({ name: NAME, help: HELP, labelNames: LABELS, buckets: BUCKETS, registers: [theirs] });
    const histogram = new SeriesHistogram(NAME, HELP, LABELS, BUCKETS, ours);
    for (const [labels, value] of SAMPLES) {
      reference.observe(labels, value);
      histogram.observe(labels, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain(`${NAME}_count{vendor="AUTH0",account="prod",route="/api/v2/clients"} 3`);
  });

  it('keeps counting through a bound recorder, and zeroes on reset', async () => {
    const registry = new Registry();
    const histogram = new SeriesHistogram(NAME, HELP, LABELS, BUCKETS, registry);
    const record = histogram.bind({ vendor: 'KEYCARD', account: 'k', route: '/x' });
    record(0.002);
    record(0.003);
    expect(await registry.metrics()).toContain(`${NAME}_bucket{le="0.01",vendor="KEYCARD",account="k",route="/x"} 2`);
    registry.resetMetrics();
    record(2);
    const text = await registry.metrics();
    expect(text).toContain(`${NAME}_count{vendor="KEYCARD",account="k",route="/x"} 1`);
    expect(text).toContain(`${NAME}_bucket{le="1",vendor="KEYCARD",account="k",route="/x"} 0`);
  });
});
