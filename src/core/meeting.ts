import { isDeepStrictEqual } from 'node:util';
import type { CallState } from './capabilities.ts';
import type { CallRecord } from './call-record.ts';
import type { CommandSource } from './command.ts';
import { EventBus } from './event-bus.ts';
import { RoomError, toRoomError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { Room } from './room.ts';
import type { EndRequest, StartRequest } from './meeting-requests.ts';
import type { BookingInfo, BookingLookup, EndReason, SessionLog, SessionSummary } from './meeting-ports.ts';
import { MeetingCalls } from './meeting-calls.ts';
import { microphoneDevices, roomMicrophones, type MicrophonesState } from './microphones.ts';
import { autoEndReason, type AutoEndRules, type ClockReading } from './meeting-auto-end.ts';
import { pendingStep, runScene, type SceneStepSpec, type StepResult } from './scene.ts';

export type { SceneStepSpec, StepResult, StepStatus } from './scene.ts';
export type { EndRequest, StartRequest, TravelEntry } from './meeting-requests.ts';
export type { MicrophonesState } from './microphones.ts';
export type { BookingInfo, BookingLookup, EndReason, SessionLog, SessionSummary } from './meeting-ports.ts';

export interface MeetingState {
  active: boolean;
  phase: 'idle' | 'starting' | 'active' | 'ending';
  session?: SessionSummary;
  steps?: StepResult[];
  startedAt?: string;
  microphones?: MicrophonesState;
  /** The next booking today (null: none); absent when no calendar is configured. */
  next?: BookingInfo | null;
}

export interface MeetingEvents {
  meeting: MeetingState;
  session: SessionSummary;
}

export interface MeetingOptions extends AutoEndRules {
  meetingStart: SceneStepSpec[];
  meetingEnd: SceneStepSpec[];
  defaultStepTimeoutMs?: number;
  /** The wall clock (what times are recorded in); tests inject one to jump it. */
  now?: () => Date;
  /**
   * A clock that never jumps, in ms (default `performance.now`): durations and idle time are
   * measured on it, so a wall-clock jump (NTP step, a wrong RTC fixed at boot) neither ends a
   * meeting nor inflates its duration.
   */
  monotonic?: () => number;
}

/**
 * One-button meetings. Steps for one device run in order; different devices run in parallel, so a
 * start takes as long as the slowest device. A failed step degrades the start, it never aborts it.
 */
export class MeetingController {
  readonly events: EventBus<MeetingEvents>;
  private state: MeetingState = { active: false, phase: 'idle' };
  private inFlight: Promise<{ session: SessionSummary; steps: StepResult[] }> | undefined;
  /** Monotonic ms of the last user activity. */
  private lastActivity: number;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Wall and monotonic time of the previous auto-end check. */
  private lastCheck: ClockReading;
  /** Wall and monotonic time at which the running meeting started. */
  private startClock: ClockReading | undefined;
  private readonly calls: MeetingCalls;
  private bookings: BookingLookup | undefined;
  private next: BookingInfo | null | undefined;

  constructor(
    private readonly room: Room,
    private readonly sessions: SessionLog | undefined,
    private options: MeetingOptions,
    private readonly log: Logger,
  ) {
    this.events = new EventBus<MeetingEvents>((err) => log.error({ err }, 'meeting listener failed'));
    this.calls = new MeetingCalls(room, () => this.now());
    this.lastCheck = { wall: this.now().getTime(), mono: this.mono() };
    this.lastActivity = this.lastCheck.mono;
    const open = sessions?.openSession();
    if (open) this.state = { active: true, phase: 'active', session: open, steps: [] };
    room.events.on('command', (result) => {
      if (result.command.source.surface !== 'system' && result.command.source.surface !== 'scene') this.touch();
      if (!result.ok && this.state.active && this.state.session && result.error?.code !== 'BadArgs') {
        this.recordFault(result.command.device, result.error!.code, result.error!.message);
      }
    }, this);
    room.events.on('device', (change) => {
      if (change.changed.includes('online') && !change.to.online && this.state.active) {
        this.recordFault(change.device, change.to.lastError?.code ?? 'DeviceOffline', change.to.lastError?.message ?? 'went offline');
      }
      if (change.changed.includes('call')) this.followCall(change.device, change.to.state.call as CallState | undefined);
      if (change.to.capabilities.includes('micMute') && (change.changed.includes('micMuted') || change.changed.includes('online'))) {
        this.refreshMicrophones();
      }
    }, this);
    room.events.on('deviceRemoved', () => this.refreshMicrophones(), this);
    this.state = { ...this.state, microphones: this.microphones() };
    this.idleTimer = setInterval(() => void this.checkAutoEnd(), 30_000);
    this.idleTimer.unref?.();
  }

  /** New scenes and timers from a reloaded config; a meeting in progress carries on. */
  configure(options: MeetingOptions): void {
    // The clocks are the process's, not the config's: a reload keeps them.
    const { now, monotonic } = this.options;
    this.options = { ...(now ? { now } : {}), ...(monotonic ? { monotonic } : {}), ...options };
  }

  get current(): MeetingState {
    return this.state;
  }

  /** Connects the calendar: `start({ booking })` looks bookings up there. */
  useBookings(bookings: BookingLookup | undefined): void {
    this.bookings = bookings;
  }

  /** The next booking today, carried by the meeting state (published when it changes). */
  setNext(next: BookingInfo | null): void {
    if (isDeepStrictEqual(next, this.next)) return;
    this.next = next;
    this.setState(this.state);
  }

  /** Ends the meeting for `reason` unless a call is up (then it stays, and false is returned). */
  async endUnlessInCall(reason: EndReason, identity: string): Promise<boolean> {
    if (!this.state.active || this.state.phase !== 'active' || this.calls.inCall()) return false;
    this.log.info({ reason }, 'ending meeting automatically');
    await this.end({}, { surface: 'system', identity }, reason);
    return true;
  }

  /** Marks user activity (a command from a person, a panel touch): postpones the idle end. */
  touch(): void {
    const now = this.mono();
    const session = this.state.session;
    if (session && this.state.active && now - this.lastActivity >= 60_000) {
      try {
        this.sessions?.touch?.(session.id);
      } catch (err) {
        this.log.warn({ err }, 'could not record activity');
      }
    }
    this.lastActivity = now;
  }

  /** Starts the meeting; a second call while one is active or starting returns the same session. */
  async start(request: StartRequest, source: CommandSource): Promise<{ session: SessionSummary; steps: StepResult[] }> {
    if (this.inFlight) return this.inFlight;
    if (this.state.active && this.state.session) return { session: this.state.session, steps: this.state.steps ?? [] };
    this.inFlight = this.runStart(request, source).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Ends the meeting; a second call while one end is running returns the same result. */
  end(request: EndRequest, source: CommandSource, reason: EndReason = 'user'): Promise<{ session?: SessionSummary; steps: StepResult[] }> {
    this.endInFlight ??= this.runEnd(request, source, reason).finally(() => (this.endInFlight = undefined));
    return this.endInFlight;
  }

  private endInFlight: Promise<{ session?: SessionSummary; steps: StepResult[] }> | undefined;

  private async runEnd(request: EndRequest, source: CommandSource, reason: EndReason): Promise<{ session?: SessionSummary; steps: StepResult[] }> {
    if (this.inFlight) await this.inFlight.catch(() => {});
    const session = this.state.active ? this.state.session : undefined;
    // The session is closed first: a bad travel entry is refused before anything is switched off,
    // and the end time is when people pressed the button, not when the slowest device finished.
    let closed: SessionSummary | undefined;
    if (session && this.sessions) {
      try {
        closed = this.sessions.endSession(session.id, {
          endedBy: who(source),
          reason,
          at: this.meetingTime(),
          ...(request.avoidedTravel ? { avoidedTravel: request.avoidedTravel } : {}),
        });
      } catch (err) {
        throw toRoomError(err, 'BadArgs');
      }
    }
    this.startClock = undefined;
    this.setState({ ...this.state, phase: 'ending' });
    await this.room.stopAllMotion('meeting end');
    const hangups: SceneStepSpec[] = this.calls.busyDevices().map((device) => ({ device, command: 'hangup' }));
    const steps = await this.runScene([...hangups, ...this.options.meetingEnd], source);
    // The session is published once complete: calls the end hung up are recorded first, and the
    // record is read back with them (REST answer, WebSocket, MQTT and a fleet collector agree).
    for (const call of this.calls.takeAll()) this.recordCall(call);
    if (closed) closed = this.reread(closed);
    this.setState({ active: false, phase: 'idle', steps, microphones: this.microphones() });
    if (closed) this.events.emit('session', closed);
    return { ...(closed ? { session: closed } : {}), steps };
  }

  /**
   * Mutes or unmutes every microphone device at once (codec included), in parallel. Resolves with
   * each device's outcome; an offline device is reported, not fatal.
   */
  async setMicrophones(muted: boolean, source: CommandSource): Promise<{ microphones: MicrophonesState; results: StepResult[] }> {
    const devices = microphoneDevices(this.room);
    if (devices.length === 0) throw new RoomError('Unsupported', 'no device with the micMute capability');
    const command = muted ? 'muteMicrophones' : 'unmuteMicrophones';
    const results = await this.runScene(devices.map((device) => ({ device, command })), source);
    return { microphones: this.microphones(), results };
  }

  private microphones(): MicrophonesState {
    return roomMicrophones(this.room);
  }

  private refreshMicrophones(): void {
    const microphones = this.microphones();
    if (!isDeepStrictEqual(microphones, this.state.microphones)) this.setState({ ...this.state, microphones });
  }

  /**
   * On a clean shutdown, closes the open session with its real end time (reason `shutdown`) rather
   * than leaving it to be found open and marked `interrupted` at the next start. Devices are left
   * as they are: stopping roomd does not switch the room off.
   */
  closeForShutdown(): void {
    const session = this.state.session;
    if (!this.state.active || !session || !this.sessions) return;
    try {
      for (const call of this.calls.takeAll()) this.recordCall(call);
      const closed = this.reread(this.sessions.endSession(session.id, { endedBy: 'roomd', reason: 'shutdown', at: this.meetingTime() }));
      this.setState({ active: false, phase: 'idle', microphones: this.microphones() });
      this.events.emit('session', closed);
    } catch (err) {
      this.log.error({ err }, 'could not close the session at shutdown');
    }
  }

  /** Stops timers and listeners (shutdown). */
  close(): void {
    clearInterval(this.idleTimer);
    this.room.events.removeOwner(this);
  }

  private async runStart(request: StartRequest, source: CommandSource): Promise<{ session: SessionSummary; steps: StepResult[] }> {
    // Everything that can refuse the request is checked before the session row is written.
    let bookingId: string | undefined;
    if (request.booking !== undefined) {
      const booking = this.bookings?.booking(request.booking);
      if (!booking) throw new RoomError('NotFound', `no booking ${JSON.stringify(request.booking)}${this.bookings ? '' : ' (no calendar is configured)'}`);
      if (booking.status === 'cancelled') throw new RoomError('Conflict', `booking ${JSON.stringify(booking.id)} was cancelled`);
      bookingId = booking.id;
      request = {
        ...(booking.organisation ? { organisation: booking.organisation } : {}),
        ...(booking.title ? { title: booking.title } : {}),
        // A room with nothing to dial with still starts a booking that names a SIP room.
        ...(booking.dial && this.calls.devices().length > 0 ? { dial: booking.dial } : {}),
        ...Object.fromEntries(Object.entries(request).filter(([k, v]) => k !== 'booking' && v !== undefined)),
      };
    }
    const scene = [...this.options.meetingStart];
    if (request.dial) {
      const codec = this.calls.devices()[0];
      if (!codec) throw new RoomError('Unsupported', 'no device with the call capability to dial with');
      scene.push({ device: codec, command: 'dial', args: { number: request.dial } });
    }
    this.startClock = { wall: this.now().getTime(), mono: this.mono() };
    // The nightly end looks at the hour crossed since the last check: from now on, not since the last meeting.
    this.lastCheck = { ...this.startClock };
    const startedAt = new Date(this.startClock.wall).toISOString();
    // The session row is written before any device is touched: a crash mid-start loses nothing.
    const session: SessionSummary = this.sessions
      ? this.sessions.startSession({
          startedBy: who(source),
          at: startedAt,
          ...(request.organisation ? { organisation: request.organisation } : {}),
          ...(request.title ? { title: request.title } : {}),
          ...(request.avoidedTravel ? { avoidedTravel: request.avoidedTravel } : {}),
          ...(bookingId ? { bookingId } : {}),
        })
      : { id: `ephemeral-${Date.now()}`, startedAt, ...(bookingId ? { bookingId } : {}) };
    this.touch();
    this.setState({ active: true, phase: 'starting', session, startedAt, steps: scene.map(pendingStep), microphones: this.microphones() });
    const steps = await this.runScene(scene, source);
    this.setState({ active: true, phase: 'active', session, startedAt, steps, microphones: this.microphones() });
    return { session, steps };
  }

  /** Runs a scene, publishing progress while the meeting is starting or ending. */
  private runScene(scene: SceneStepSpec[], source: CommandSource): Promise<StepResult[]> {
    return runScene(this.room, scene, source, {
      defaultTimeoutMs: this.options.defaultStepTimeoutMs ?? 15_000,
      onProgress: (steps) => {
        if (this.state.phase === 'starting' || this.state.phase === 'ending') this.setState({ ...this.state, steps });
      },
    });
  }

  private followCall(device: string, call: CallState | undefined): void {
    if (!call) return;
    const ended = this.calls.follow(device, call);
    if (ended) this.recordCall(ended);
    this.touch();
  }

  /** Records an ended call on the session (calls outside a meeting are not recorded). */
  private recordCall(record: CallRecord): void {
    if (!this.state.session || !this.sessions) return;
    try {
      this.sessions.addCall(this.state.session.id, record);
    } catch (err) {
      this.log.error({ err }, 'could not record call');
    }
  }

  /** The stored version of a session (with what was recorded after it closed); itself if unreadable. */
  private reread(session: SessionSummary): SessionSummary {
    try {
      return this.sessions?.get?.(session.id) ?? session;
    } catch {
      return session;
    }
  }

  /**
   * "Now" for the running meeting: its start plus the monotonic time elapsed since, so its
   * duration is real whatever the wall clock did meanwhile.
   */
  private meetingTime(): string {
    const start = this.startClock;
    return new Date(start ? start.wall + (this.mono() - start.mono) : this.now().getTime()).toISOString();
  }

  private recordFault(device: string, code: string, message: string): void {
    const session = this.state.session;
    if (!session || !this.sessions) return;
    try {
      this.sessions.addFault(session.id, { at: this.now().toISOString(), device, code, message });
    } catch (err) {
      this.log.error({ err }, 'could not record fault');
    }
  }

  /** Idle end and nightly end: never while a call is connected. */
  async checkAutoEnd(): Promise<void> {
    if (!this.state.active || this.state.phase !== 'active') return;
    if (this.calls.inCall()) {
      this.touch();
      return;
    }
    const now: ClockReading = { wall: this.now().getTime(), mono: this.mono() };
    const { reason, jumpMs } = autoEndReason(this.options, this.lastCheck, now, this.lastActivity);
    if (jumpMs !== undefined) this.log.warn({ jumpMs }, 'wall clock jumped; the nightly end is not evaluated across the jump');
    this.lastCheck = now;
    if (!reason) return;
    this.log.info({ reason }, 'ending meeting automatically');
    await this.end({}, { surface: 'system', identity: `auto-${reason}` }, reason).catch((err) => this.log.error({ err }, 'automatic end failed'));
  }

  private setState(state: MeetingState): void {
    const { next: _previous, ...rest } = state;
    this.state = this.next === undefined ? rest : { ...rest, next: this.next };
    this.events.emit('meeting', this.state);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private mono(): number {
    return this.options.monotonic?.() ?? performance.now();
  }
}

function who(source: CommandSource): string {
  return source.identity ?? source.surface;
}
