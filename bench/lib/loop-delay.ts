import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { round } from './figures.ts';

/**
 * Watches this process's event-loop delay and the machine's load while a figure is measured: a
 * p99 taken on a machine whose loop stalls for 50 ms says more about the machine than the code.
 */
export class LoopWatch {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  private readonly load0 = loadavg()[0]!;

  constructor() {
    this.histogram.enable();
  }

  /** `loop delay p99 X ms (max Y), load Z` for the notes. */
  stop(): string {
    this.histogram.disable();
    const p99 = this.histogram.percentile(99) / 1e6;
    const max = this.histogram.max / 1e6;
    return `event-loop delay p99 ${round(p99)} ms (max ${round(max)}), load avg ${round(this.load0)}→${round(loadavg()[0]!)}`;
  }
}
