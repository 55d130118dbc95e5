import type { Registry } from 'prom-client';

interface Series {
  labels: Record<string, string>;
  /** Per-bucket counts (not cumulative); the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/** Records one observation (seconds) into a series whose labels were fixed when it was bound. */
export type Recorder = (value: number) => void;

/**
 * A Prometheus histogram for a hot path: a label set is resolved once (`bind`) and each
 * observation is then a bucket search and three additions. prom-client's `Histogram.observe`
 * validates and hashes the label object on every call: with five labels, at one sample per
 * upstream call, that was 7% of a fan-out query's CPU. It registers on a prom-client registry
 * and prints exactly as prom-client's own histograms do.
 */
export class SeriesHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();
  private readonly recorders = new Map<string, Recorder>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The recorder of one label set; callers on a hot path keep it. */
  bind(labels: Record<L, string>): Recorder {
    const key = this.labelNames.map((n) => labels[n]).join('\u0000');
    let recorder = this.recorders.get(key);
    if (!recorder) {
      const s: Series = { labels: Object.fromEntries(this.labelNames.map((n) => [n, labels[n]])), counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      this.series.set(key, s);
      const { buckets } = this;
      recorder = (value) => {
        let i = 0;
        while (i < buckets.length && value > buckets[i]!) i++;
        s.counts[i]!++;
        s.sum += value;
        s.count++;
      };
      this.recorders.set(key, recorder);
    }
    return recorder;
  }

  observe(labels: Record<L, string>, value: number): void {
    this.bind(labels)(value);
  }

  /** What prom-client's registry prints: cumulative buckets, then sum and count, per series. */
  get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ labels: { le, ...s.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Zeroes every series; recorders already handed out keep working. */
  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
