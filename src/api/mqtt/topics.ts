/**
 * The MQTT topic layout (docs/mqtt.md), in one place. `B` is `baseTopic/room.id`.
 * Pure: no I/O, so the layout is table-tested.
 */

/** Ids that cannot be device ids, because the bridge uses them as topic levels under `B`. */
export const RESERVED_LEVELS: ReadonlySet<string> = new Set(['status', 'meeting', 'result', 'sessions', 'report', 'selftest', 'bookings']);

/** Every topic the bridge publishes or subscribes to, for one room. */
export class Topics {
  /** `baseTopic/room.id` */
  readonly base: string;

  constructor(baseTopic: string, roomId: string) {
    this.base = `${baseTopic.replace(/\/+$/, '')}/${roomId}`;
  }

  get status(): string {
    return `${this.base}/status`;
  }
  get result(): string {
    return `${this.base}/result`;
  }
  get sessions(): string {
    return `${this.base}/sessions`;
  }
  get meetingState(): string {
    return `${this.base}/meeting/state`;
  }
  get meetingSet(): string {
    return `${this.base}/meeting/set`;
  }
  /** The room-wide microphone mute (every micMute device at once). */
  get microphonesSet(): string {
    return `${this.base}/meeting/microphones/set`;
  }
  /** This month's session figures (retained): what the HA report sensors read. */
  get report(): string {
    return `${this.base}/report/month`;
  }
  /** The last closed meeting's figures (retained): what the HA "last meeting" sensors read. */
  get reportLast(): string {
    return `${this.base}/report/last`;
  }
  deviceState(device: string): string {
    return `${this.base}/${device}/state`;
  }
  deviceAvailability(device: string): string {
    return `${this.base}/${device}/availability`;
  }
  deviceSet(device: string): string {
    return `${this.base}/${device}/set`;
  }
  capabilitySet(device: string, capability: string): string {
    return `${this.base}/${device}/${capability}/set`;
  }

  /** What the bridge subscribes to: every `set` topic (one and two levels below B). */
  get subscriptions(): string[] {
    return [`${this.base}/+/set`, `${this.base}/+/+/set`];
  }

  /**
   * Classifies an incoming topic; `undefined` for anything that is not a command topic of this room.
   * A `set` topic our subscriptions match but with an empty level (`B//set`, `B/camera//set`) is
   * `invalid`: it still gets its one result.
   */
  parse(topic: string): IncomingTopic | undefined {
    if (!topic.startsWith(`${this.base}/`)) return undefined;
    const levels = topic.slice(this.base.length + 1).split('/');
    if (levels.at(-1) !== 'set' || (levels.length !== 2 && levels.length !== 3)) return undefined;
    if (levels.some((l) => l === '')) {
      const what = levels[0] === '' ? 'device id' : 'capability';
      return { kind: 'invalid', reason: `empty ${what} in topic ${topic}`, ...(levels[0] ? { device: levels[0] } : {}) };
    }
    if (levels.length === 2) {
      if (levels[0] === 'meeting') return { kind: 'meeting' };
      // `selftest` is a reserved level too: `selftest/set` runs the room's self-test.
      if (levels[0] === 'selftest') return { kind: 'selftest' };
      return { kind: 'device', device: levels[0]! };
    }
    if (levels.length === 3) {
      // `meeting` is a reserved level, never a device: `meeting/microphones/set` is the room's own.
      if (levels[0] === 'meeting' && levels[1] === 'microphones') return { kind: 'microphones' };
      return { kind: 'capability', device: levels[0]!, capability: levels[1]! };
    }
    return undefined;
  }
}

export type IncomingTopic =
  | { kind: 'meeting' }
  | { kind: 'microphones' }
  | { kind: 'selftest' }
  | { kind: 'device'; device: string }
  | { kind: 'capability'; device: string; capability: string }
  | { kind: 'invalid'; reason: string; device?: string };
