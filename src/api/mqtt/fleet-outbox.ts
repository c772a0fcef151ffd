import type { Logger } from '../../core/logger.ts';
import type { OutboxCursor } from '../../sessions/session-db.ts';
import type { SessionStore } from '../../sessions/store.ts';
import type { SessionRecord } from '../../sessions/types.ts';

/** Tuning knobs of the outbox; tests shorten the interval. */
export interface FleetOutboxOptions {
  /** While anything is un-acknowledged, send it all again this often (ms). Default 60 000. */
  intervalMs?: number;
  /** Sessions per batch. Default 20. */
  batchSize?: number;
  /**
   * Pause between batches (ms). Default 100: at most 200 sessions a second, so a backlog never
   * takes the event loop (nor the CPU a collector on the same machine needs) from the commands.
   */
  batchPauseMs?: number;
  /**
   * Sessions sent and not yet acknowledged, at most; the next goes out as an ack comes in. Keeps a
   * long backlog under the broker's per-client queue (`max_queued_messages`, 1000 in Mosquitto's
   * defaults: beyond it a broker drops QoS 1 messages for a slow or absent collector). Default 100.
   */
  window?: number;
}

/** What the room needs from the MQTT link: publish at QoS 1, subscribe to one topic. */
export interface OutboxLink {
  publish(topic: string, payload: string): boolean;
  subscribe(topic: string): void;
}

/** A walk over the outbox, oldest first; `waiting` while the window is full. */
interface Pass {
  cursor?: OutboxCursor;
  waiting: boolean;
  /** The next batch is scheduled. */
  paused?: boolean;
}

/**
 * The room's side of fleet collection: every closed session whose revision the collector has not
 * acknowledged is published on `B/sessions` (QoS 1, not retained) — at each (re)connect, at the
 * close itself, after a travel correction, and every `intervalMs` while any is pending — until an
 * ack `{ id, revision }` on `B/sessions/ack` records it. At-least-once on the wire; the collector
 * stores by (room, id, revision), so a copy sent twice is stored once.
 *
 * A long backlog goes out in small batches, `batchPauseMs` apart, so state, results and commands
 * (their own link) are never held behind it (measured: `npm run bench -- --only drain`; without
 * the pause, a 50 msg/s command stream waited seconds behind the drain), and at most `window` sessions
 * are on their way at once: the next is sent as an ack comes back. What is not acknowledged by the
 * next `intervalMs` is sent again. The store answers an empty outbox while its file is unusable:
 * nothing is lost, it is sent once the file is back.
 */
export class FleetOutbox {
  readonly topic: string;
  readonly ackTopic: string;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly window: number;
  private readonly batchPauseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private pass: Pass | undefined;
  /** Sent and not yet acknowledged: session id → the revision sent. */
  private readonly inFlight = new Map<string, number>();
  private again = false;
  private readonly loggedBadAck = new Set<string>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: SessionStore,
    base: string,
    private readonly link: OutboxLink,
    private readonly log: Logger,
    options: FleetOutboxOptions = {},
  ) {
    this.topic = `${base}/sessions`;
    this.ackTopic = `${base}/sessions/ack`;
    this.intervalMs = options.intervalMs ?? 60_000;
    this.batchSize = options.batchSize ?? 20;
    this.window = Math.max(1, options.window ?? 100);
    this.batchPauseMs = options.batchPauseMs ?? 100;
  }

  start(): void {
    this.unsubscribe = this.store.onCorrected(() => this.drain());
    this.timer = setInterval(() => this.resend(), this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
    this.pass = undefined;
    this.inFlight.clear();
  }

  /** The link is (re)connected: listen for acks and send everything pending. */
  onUp(): void {
    this.link.subscribe(this.ackTopic);
    this.resend(); // a pass cut by the disconnect starts over from the oldest
  }

  /** What was sent and not acknowledged by now is taken as lost: start over from the oldest. */
  private resend(): void {
    this.inFlight.clear();
    this.pass = undefined;
    this.again = false;
    this.drain();
  }

  /**
   * A session closed. Normally it is in the outbox by now and goes out with its revision; if the
   * file cannot be read right now it is published from memory with revision 0 (the collector
   * keeps it until the stored revision follows).
   */
  closed(session: { id: string }): void {
    const stored = this.store.outboxEntry(session.id);
    if (stored) this.send(stored.session, stored.revision);
    else this.link.publish(this.topic, JSON.stringify({ ...session, room: this.store.room, revision: 0 }));
  }

  /** Starts a pass over the outbox (or asks the running one to go round again). */
  drain(): void {
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = { waiting: false };
    this.step();
  }

  private step(): void {
    const pass = this.pass;
    if (!pass) return;
    const room = this.window - this.inFlight.size;
    if (room <= 0) {
      pass.waiting = true; // an ack, or the next resend, moves on
      return;
    }
    const limit = Math.min(this.batchSize, room);
    const rows = this.store.outbox(limit, pass.cursor);
    for (const { session, revision, cursor } of rows) {
      pass.cursor = cursor;
      if (this.inFlight.get(session.id) === revision) continue; // on its way already
      if (!this.send(session, revision)) {
        this.pass = undefined; // the link is down: onUp starts again
        return;
      }
    }
    if (rows.length < limit) {
      this.pass = undefined;
      if (this.again) {
        this.again = false;
        this.drain();
      }
      return;
    }
    this.next(pass);
  }

  /** The pass goes on after the pause, unless a newer pass replaced it meanwhile. */
  private next(pass: Pass): void {
    if (pass.paused) return;
    pass.paused = true;
    const timer = setTimeout(() => {
      pass.paused = false;
      if (this.pass === pass) this.step();
    }, this.batchPauseMs);
    timer.unref?.();
  }

  private send(session: SessionRecord, revision: number): boolean {
    const room = this.store.room;
    if (!this.link.publish(this.topic, JSON.stringify({ ...session, room, revision }))) return false;
    this.inFlight.set(session.id, revision);
    return true;
  }

  /** An ack from the collector. Returns false for any other topic. Bad acks are logged once each. */
  handle(topic: string, payload: Buffer): boolean {
    if (topic !== this.ackTopic) return false;
    let ack: unknown;
    try {
      ack = JSON.parse(payload.toString('utf8'));
    } catch {
      this.badAck('not JSON', payload);
      return true;
    }
    const { id, revision } = (ack ?? {}) as { id?: unknown; revision?: unknown };
    if (typeof id !== 'string' || id === '') return this.badAck('`id` must be a non-empty string', payload), true;
    if (typeof revision !== 'number' || !Number.isInteger(revision) || revision < 0) return this.badAck('`revision` must be an integer ≥ 0', payload), true;
    this.store.outboxAck(id, revision);
    const sent = this.inFlight.get(id);
    if (sent !== undefined && sent <= revision) this.inFlight.delete(id);
    if (this.pass?.waiting) {
      this.pass.waiting = false;
      this.next(this.pass);
    }
    return true;
  }

  private badAck(reason: string, payload: Buffer): void {
    if (this.loggedBadAck.has(reason)) return;
    this.loggedBadAck.add(reason);
    this.log.warn({ topic: this.ackTopic, reason, payload: payload.toString('utf8').slice(0, 200) }, 'ignored a malformed fleet ack (logged once per reason)');
  }
}
