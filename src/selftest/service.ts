import { RoomError } from '../core/errors.ts';
import { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/logger.ts';
import { SELF_TEST_CHECKS, type SelfTestCheck } from '../core/driver-api.ts';
import type { Room } from '../core/room.ts';
import { genericCheck } from './generic-checks.ts';

/** One check of one device. */
export interface CheckResult {
  device: string;
  check: string;
  ok: boolean;
  /** How long the check took, ms. */
  ms: number;
  detail?: string;
}

/** A whole self-test: `ok` when every check passed. */
export interface SelfTestResult {
  ok: boolean;
  /** ISO 8601 UTC, when it started. */
  at: string;
  /** What started it: 'booking' (before a booking), 'rest', 'mqtt', 'panel'. */
  reason?: string;
  checks: CheckResult[];
}

export interface SelfTestOptions {
  log: Logger;
  /** Time allowed per check when the driver's manifest gives no commandTimeoutMs. Default 5000. */
  defaultTimeoutMs?: number;
  now?: () => number;
}

/**
 * The room's self-test: each device runs the checks its driver declares (`manifest.checks`, in
 * order; devices in parallel). An offline device fails all its checks at once. The last result
 * is kept for GET, published to listeners (MQTT, WebSocket) and logged.
 */
export class SelfTestService {
  readonly events: EventBus<{ result: SelfTestResult }>;
  private last: SelfTestResult | undefined;
  private running: Promise<SelfTestResult> | undefined;

  constructor(
    private readonly room: Room,
    private readonly options: SelfTestOptions,
  ) {
    this.events = new EventBus((err) => options.log.error({ err }, 'self-test listener failed'));
  }

  get lastResult(): SelfTestResult | undefined {
    return this.last;
  }

  /** Runs the self-test; a run already in progress is shared. */
  run(reason: string): Promise<SelfTestResult> {
    this.running ??= this.runOnce(reason).finally(() => (this.running = undefined));
    return this.running;
  }

  /** The last result, or NotFound before the first run. */
  latest(): SelfTestResult {
    if (!this.last) throw new RoomError('NotFound', 'no self-test has run yet: POST /api/v1/selftest runs one');
    return this.last;
  }

  private async runOnce(reason: string): Promise<SelfTestResult> {
    const at = new Date(this.options.now?.() ?? Date.now()).toISOString();
    const perDevice = await Promise.all(this.room.deviceIds().map((id) => this.device(id)));
    const checks = perDevice.flat();
    const result: SelfTestResult = { ok: checks.every((c) => c.ok), at, reason, checks };
    this.last = result;
    const failed = checks.filter((c) => !c.ok);
    if (failed.length === 0) this.options.log.info({ reason, checks: checks.length }, 'self-test: room ready');
    else this.options.log.warn({ reason, failed: failed.map((c) => `${c.device}.${c.check}: ${c.detail ?? 'failed'}`) }, 'self-test: something is wrong');
    this.events.emit('result', result);
    return result;
  }

  private async device(id: string): Promise<CheckResult[]> {
    const runtime = this.room.runtime(id);
    if (!runtime) return [];
    const manifest = runtime.module.manifest;
    const timeoutMs = manifest.commandTimeoutMs ?? this.options.defaultTimeoutMs ?? 5000;
    const out: CheckResult[] = [];
    for (const check of manifest.checks ?? ['answers']) {
      const started = performance.now();
      const outcome = SELF_TEST_CHECKS.includes(check)
        ? await runtime.selfTest(check as SelfTestCheck, timeoutMs, genericCheck)
        : { ok: false, detail: `unknown check '${String(check)}' in the ${manifest.name} manifest` };
      out.push({ device: id, check, ok: outcome.ok, ms: Math.round((performance.now() - started) * 10) / 10, ...(outcome.detail ? { detail: outcome.detail } : {}) });
    }
    return out;
  }
}
