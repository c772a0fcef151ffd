import type { IPublishPacket } from 'mqtt';
import { isDeepStrictEqual } from 'node:util';
import type { Role } from '../../config/schema.ts';
import type { Logger } from '../../core/logger.ts';
import { allows } from '../auth.ts';
import type { ApiContext } from '../context.ts';

/**
 * The room's bookings and self-test on MQTT: `B/selftest` (retained, the last result),
 * `B/bookings/next` (retained, the next booking today or `null`), and `B/selftest/set` (any
 * payload: run the self-test; the result arrives on `B/selftest`). Kept apart from the bridge,
 * which hands it a publish function and the messages it does not know.
 */
export class BookingTopics {
  readonly selftest: string;
  readonly selftestSet: string;
  readonly next: string;
  private lastNext: unknown;

  constructor(
    private readonly ctx: ApiContext,
    base: string,
    private readonly role: Role,
    private readonly publish: (topic: string, payload: string) => void,
    private readonly log: Logger,
  ) {
    this.selftest = `${base}/selftest`;
    this.selftestSet = `${base}/selftest/set`;
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

  /** True when the message was ours (handled or refused). A retained command is never executed. */
  handle(topic: string, _payload: Buffer, packet: IPublishPacket): boolean {
    if (topic !== this.selftestSet) return false;
    if (packet.retain) {
      this.log.warn({ topic }, 'retained self-test request ignored (a retained command would run at every reconnect)');
      return true;
    }
    if (!allows(this.role, 'meeting')) {
      this.log.warn({ topic, role: this.role }, 'self-test request refused: mqtt.role may not run it');
      return true;
    }
    void this.ctx.selftest?.run('mqtt').catch((err) => this.log.error({ err }, 'self-test failed'));
    return true;
  }
}
