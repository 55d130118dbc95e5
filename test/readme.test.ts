import { readFileSync } from 'node:fs';
import { Kind, parse, validate } from 'graphql';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../src/observability/metrics.js';
import { getSchema } from '../src/schema/index.js';
import { startHarness } from './fixtures/harness.js';

/** The README's fenced GraphQL examples are what newcomers paste first: each must be valid for the schema. */
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
/** Operations only: a block of SDL (another subgraph's schema, say) is not asked of this schema. */
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)]
  .map((m) => parse(m[1]!))
  .filter((doc) => doc.definitions.every((d) => d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION));

describe('the README', () => {
  it('has GraphQL examples', () => expect(examples.length).toBeGreaterThanOrEqual(2));

  it.each(examples.map((doc, i) => [i + 1, doc] as const))('has operation example %i valid against the schema', (_, doc) => {
    expect(validate(getSchema(), doc).map((e) => e.message)).toEqual([]);
  });

  it('lists every metric /metrics serves, with its type and labels', async () => {
    // The README's metrics table: `name` | type | labels | what it measures.
    const table = /^\| Metric \| Type \| Labels \|.*\n\|[- |]+\|\n((?:\|.*\n)+)/m.exec(readme)?.[1];
    expect(table).toBeDefined();
    const rows = table!.trimEnd().split('\n').map((row) => row.split('|').slice(1, -1).map((cell) => cell.trim()));
    const documented = Object.fromEntries(
      rows.filter(([name]) => /^`\w+`$/.test(name!)).map(([name, type, labels]) => [name!.slice(1, -1), { type, labels: [...labels!.matchAll(/`(\w+)`/g)].map((m) => m[1]) }]),
    );
    const prefixes = rows.flatMap(([name]) => [...name!.matchAll(/`(\w+)\*`/g)].map((m) => m[1]!));

    // What a running gateway serves: every `# TYPE` line of its /metrics.
    const h = await startHarness({ accounts: { vault: ['vault-sandbox'] } });
    let served: Record<string, string>;
    try {
      const text = await (await fetch(`${new URL(h.gateway.url).origin}/metrics`)).text();
      served = Object.fromEntries([...text.matchAll(/^# TYPE (\w+) (\w+)$/gm)].map((m) => [m[1]!, m[2]!]));
    } finally {
      await h.close();
    }
    // prom-client's own process metrics are listed by prefix; the gateway's own one by one.
    const defaults = new Registry();
    collectDefaultMetrics({ register: defaults });
    const processMetrics = new Set((await defaults.getMetricsAsJSON()).map((m) => m.name));
    for (const name of processMetrics) expect(prefixes.some((p) => name.startsWith(p)), `${name} is under a listed prefix`).toBe(true);

    // Labels as the metrics are declared (a series appears only once observed).
    const declared = new Metrics();
    declared.watchAdmission({ limitNow: 1, waiting: 0, shed: 0 });
    const labelsOf = (name: string) => (declared.registry.getSingleMetric(name) as unknown as { labelNames?: readonly string[] } | undefined)?.labelNames;
    const own = Object.fromEntries(
      Object.entries(served)
        .filter(([name]) => !processMetrics.has(name))
        .map(([name, type]) => [name, { type, labels: [...(labelsOf(name) ?? ['(not declared in src/observability/metrics.ts)'])] }]),
    );
    expect(Object.keys(own).length).toBeGreaterThanOrEqual(8);
    expect(documented).toEqual(own);
  });
});
