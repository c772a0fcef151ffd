import { isDeepStrictEqual } from 'node:util';
import type { ApiContext } from '../context.ts';

/**
 * The room's bookings and self-test on MQTT: `B/selftest` (retained, the last result),
 * `B/bookings/next` (retained, the next booking today or `null`). `B/selftest/set` is a command
 * like the others (commands.ts). Kept apart from the bridge, which hands it a publish function.
 */
export class BookingTopics {
  readonly selftest: string;
  readonly next: string;
  private lastNext: unknown;

  constructor(
    private readonly ctx: ApiContext,
    base: string,
    private readonly publish: (topic: string, payload: string) => void,
  ) {
    this.selftest = `${base}/selftest`;
    this.next = `${base}/bookings/next`;
  }

  start(): void {
    this.ctx.selftest?.events.on('result', (result) => this.publish(this.selftest, JSON.stringify(result)), this);
    this.ctx.meeting.events.on('meeting', (state) => {
      if (state.next !== undefined && !isDeepStrictEqual(state.next, this.lastNext)) this.publishNext();
    }, this);
  }

  stop(): void {
    this.ctx.selftest?.events.removeOwner(this);
    this.ctx.meeting.events.removeOwner(this);
  }

  /** After every (re)connect: the retained topics again (the broker may have lost them). */
  republish(): void {
    const last = this.ctx.selftest?.lastResult;
    if (last) this.publish(this.selftest, JSON.stringify(last));
    if (this.ctx.calendar) this.publishNext();
  }

  private publishNext(): void {
    const next = this.ctx.meeting.current.next ?? null;
    this.lastNext = next;
    this.publish(this.next, JSON.stringify(next));
  }
}
