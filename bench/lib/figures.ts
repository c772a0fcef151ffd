import { cpus, totalmem, loadavg, type as osType, release, arch } from 'node:os';

/** One line of the benchmark table and one key of `bench/results.json`. */
export interface Figure {
  /** The flat key of docs/benchmarks.md, e.g. `restToWireP99Ms`. */
  key: string;
  /** `null` when the figure could not be measured (see `notes`). */
  value: number | null;
  unit: string;
  /** Human-readable goal, e.g. `≤ 5`; empty when the figure is reported only. */
  goal: string;
  /** Whether the goal is met; undefined when there is no goal or no value. */
  met?: boolean;
  samples: number;
  notes: string;
}

/** The figure when the goal is "at most `limit`". */
export function atMost(key: string, value: number | null, limit: number, unit: string, samples: number, notes: string): Figure {
  return { key, value, unit, goal: `≤ ${limit}`, ...(value === null ? {} : { met: value <= limit }), samples, notes };
}

/** A figure measured but not unavailable: `value` null and the reason in the notes. */
export function unavailable(key: string, unit: string, goal: string, reason: string): Figure {
  return { key, value: null, unit, goal, samples: 0, notes: reason };
}

/** The `p`-th percentile (0..100) of `values`, nearest-rank on a sorted copy. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds for display and JSON: 2 decimals below 10, 1 below 1000, none above. */
export function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  const a = Math.abs(x);
  const digits = a < 10 ? 100 : a < 1000 ? 10 : 1;
  return Math.round(x * digits) / digits;
}

/** A one-line summary of a latency distribution, for the notes column. */
export function spread(values: readonly number[]): string {
  if (!values.length) return 'no samples';
  return `min ${round(Math.min(...values))}, p50 ${round(percentile(values, 50))}, p90 ${round(percentile(values, 90))}, p99 ${round(percentile(values, 99))}, max ${round(Math.max(...values))}`;
}

/** What the figures were measured on. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
  /** 1, 5 and 15-minute load averages when the run started: above `cores`, tails measure the machine. */
  loadAvg: number[];
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${osType()} ${release()} ${arch()}`,
    loadAvg: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** The table printed by `npm run bench`. */
export function formatTable(figures: readonly Figure[]): string {
  const rows = [
    ['figure', 'value', 'goal', 'met', 'samples', 'notes'],
    ...figures.map((f) => [
      f.key,
      f.value === null ? 'n/a' : `${round(f.value)}${f.unit ? ` ${f.unit}` : ''}`,
      f.goal || 'report',
      f.met === undefined ? '' : f.met ? 'yes' : 'NO',
      String(f.samples),
      f.notes,
    ]),
  ];
  const widths = rows[0]!.slice(0, 5).map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => [...r.slice(0, 5).map((c, i) => c.padEnd(widths[i]!)), r[5]].join('  ').trimEnd())
    .join('\n');
}
