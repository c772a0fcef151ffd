/**
 * A small writer for the Prometheus text exposition format 0.0.4: counters and histograms that
 * live in memory, gauges read at scrape time. Small enough that a dependency (prom-client) would
 * cost more than it saves; the format is documented at prometheus.io "Exposition formats".
 */

export type Labels = Record<string, string>;
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'untyped';

/** The content type Prometheus expects for this format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values escape backslash, double quote and newline (and nothing else). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and newline. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `{a="1",b="x"}`, or '' without labels. Label names must match [a-zA-Z_][a-zA-Z0-9_]*. */
export function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/** Sample values: integers as is, +Inf/-Inf/NaN spelled the way Prometheus parses them. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** One sample line. */
export interface Sample {
  /** Suffix after the family name (`_bucket`, `_sum`, `_count`), '' for the family itself. */
  suffix?: string;
  labels?: Labels;
  value: number;
}

/** A metric family ready to print. */
export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Renders families as exposition text (ends with a newline, as the format requires). */
export function renderFamilies(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`invalid metric name '${family.name}'`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      for (const key of Object.keys(sample.labels ?? {})) {
        if (!LABEL.test(key) || key.startsWith('__')) throw new Error(`invalid label name '${key}' on ${family.name}`);
      }
      lines.push(`${family.name}${sample.suffix ?? ''}${formatLabels(sample.labels ?? {})} ${formatValue(sample.value)}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Key for a label set (the label names are fixed per metric, so values in order suffice). */
function keyOf(names: readonly string[], labels: Labels): string {
  return JSON.stringify(names.map((n) => labels[n] ?? ''));
}

/** A counter with a fixed set of label names. */
export class CounterVec {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[]) {}

  inc(labels: Labels, by = 1): void {
    if (by < 0) throw new Error('a counter only goes up');
    const key = keyOf(this.labelNames, labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels: pick(this.labelNames, labels), value: by });
  }

  get(labels: Labels): number {
    return this.values.get(keyOf(this.labelNames, labels))?.value ?? 0;
  }

  collect(): MetricFamily {
    return { name: this.name, help: this.help, type: 'counter', samples: [...this.values.values()].map((e) => ({ labels: e.labels, value: e.value })) };
  }
}

/** Default latency buckets in seconds: 1 ms (a local sim) to 10 s (a display warming up). */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A histogram with a fixed set of label names; buckets are cumulative when rendered. */
export class HistogramVec {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[] = LATENCY_BUCKETS,
  ) {
    for (let i = 1; i < buckets.length; i++) if (!(buckets[i]! > buckets[i - 1]!)) throw new Error('buckets must increase');
  }

  observe(labels: Labels, value: number): void {
    const key = keyOf(this.labelNames, labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels: pick(this.labelNames, labels), counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  collect(): MetricFamily {
    const samples: Sample[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        samples.push({ suffix: '_bucket', labels: { ...s.labels, le: formatValue(le) }, value: cumulative });
      });
      samples.push({ suffix: '_bucket', labels: { ...s.labels, le: '+Inf' }, value: s.count });
      samples.push({ suffix: '_sum', labels: s.labels, value: s.sum });
      samples.push({ suffix: '_count', labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', samples };
  }
}

function pick(names: readonly string[], labels: Labels): Labels {
  return Object.fromEntries(names.map((n) => [n, labels[n] ?? '']));
}

/** A gauge family computed at scrape time. */
export function gauge(name: string, help: string, samples: Sample[] | number): MetricFamily {
  return { name, help, type: 'gauge', samples: typeof samples === 'number' ? [{ value: samples }] : samples };
}

/** A counter family whose value is read at scrape time (from counters kept elsewhere). */
export function counter(name: string, help: string, samples: Sample[] | number): MetricFamily {
  return { name, help, type: 'counter', samples: typeof samples === 'number' ? [{ value: samples }] : samples };
}
