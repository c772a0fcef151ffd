import { defaultFaults, chance, type Faults } from '../../src/sim/faults.ts';
import { BROADCAST, TERMINATOR, fromNibbles, replyHeaderFor, toNibbles, toSigned, toUnsigned } from './protocol.ts';
import { Axis, FULL_RATE, type AxisName } from './sim-axis.ts';

/**
 * A simulated VISCA camera: the behaviour both simulators share, independent of the wire.
 * Two command sockets (ACK, then Completion when the work is done), errors for bad input
 * (syntax error, buffer full, not executable in standby), positions that move over time,
 * presets, power, Cancel, IF_Clear, Address Set, Network Change on demand and a reply-header quirk.
 */
export interface SimCameraOptions {
  /** Address the camera answers on a serial chain (default 1; Address Set renumbers it). */
  address?: number;
  /** VISCA over IP: any address byte is accepted, replies use 0x90, broadcasts are ignored. */
  ipMode?: boolean;
  /** Vendor quirk: put this header on every reply (e.g. 0xA0 instead of 0x90). */
  replyHeader?: number;
  power?: 'on' | 'off';
  presetEncoding?: 'nibble' | 'byte';
  maxPreset?: number;
  panMin?: number;
  panMax?: number;
  tiltMin?: number;
  tiltMax?: number;
  zoomMin?: number;
  zoomMax?: number;
  panSpeedMax?: number;
  tiltSpeedMax?: number;
  zoomSpeedMax?: number;
  /** Delay before ACKs and inquiry answers (default 2 ms). */
  ackDelayMs?: number;
  /** Completion delay of commands that take no time, about 1V (default 17 ms). */
  commandDelayMs?: number;
  /** Completion delay of power on/off (default 500 ms). */
  powerDelayMs?: number;
  /** Multiplies every motion speed (tests use 5–20 to keep moves short). Default 1. */
  motionScale?: number;
  /**
   * This camera's place on the serial chain (default 1): Address Set `88 30 01 FF` gives it
   * address `chainPosition` and it passes on `88 30 0(n+1) FF`, as if cameras stood before it.
   */
  chainPosition?: number;
  /**
   * By default a new motion on an axis replaces the command running there (its socket completes).
   * Strict: nothing is replaced, so a third command while two run gets buffer full, even a Stop.
   */
  strictSockets?: boolean;
}

type Reply = (frame: Buffer) => void;

interface Op {
  socket: number;
  label: string;
  axes: AxisName[];
  versions: number[];
  timer: NodeJS.Timeout;
}

export class SimCamera {
  /** Fault injection (see src/sim/faults.ts); change it at any time. */
  readonly faults: Faults = defaultFaults();
  address: number;
  power: 'on' | 'off';
  readonly presets = new Map<number, { pan: number; tilt: number; zoom: number }>();
  lastRecalled = 0;
  /** Counts per outcome, for tests: how many syntax errors, buffer-full replies... */
  readonly counters = { commands: 0, inquiries: 0, syntaxErrors: 0, bufferFull: 0, notExecutable: 0, cancelled: 0 };
  private readonly o: Required<Omit<SimCameraOptions, 'replyHeader' | 'address' | 'power'>>;
  private readonly axes: Record<AxisName, Axis>;
  private readonly ops = new Map<number, Op>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unsolicited: Reply[] = [];
  private dropIn = 0;
  private dropOut = 0;

  constructor(private readonly options: SimCameraOptions = {}) {
    this.address = options.address ?? options.chainPosition ?? 1;
    this.power = options.power ?? 'on';
    this.o = {
      ipMode: false, presetEncoding: 'byte', maxPreset: 127,
      panMin: -0x2200, panMax: 0x2200, tiltMin: -0x0400, tiltMax: 0x1200, zoomMin: 0, zoomMax: 0x4000,
      panSpeedMax: 0x18, tiltSpeedMax: 0x17, zoomSpeedMax: 7,
      ackDelayMs: 2, commandDelayMs: 17, powerDelayMs: 500, motionScale: 1, chainPosition: 1, strictSockets: false,
      ...stripUndefined(options),
    };
    this.axes = {
      pan: new Axis(this.o.panMin, this.o.panMax),
      tilt: new Axis(this.o.tiltMin, this.o.tiltMax),
      zoom: new Axis(this.o.zoomMin, this.o.zoomMax),
    };
  }

  /** The reply header in use (quirk, IP 0x90, or address + 8). */
  get replyHeader(): number {
    return this.options.replyHeader ?? (this.o.ipMode ? 0x90 : replyHeaderFor(this.address));
  }

  /** Where the camera is now, in camera units. */
  position(now = performance.now()): { pan: number; tilt: number; zoom: number } {
    return { pan: this.axes.pan.at(now), tilt: this.axes.tilt.at(now), zoom: this.axes.zoom.at(now) };
  }

  /** Sockets holding a command that has not completed. */
  busySockets(): number[] {
    return [...this.ops.keys()].sort();
  }

  /** The next `n` received packets are ignored, as if lost on the wire. */
  dropNextIncoming(n = 1): void {
    this.dropIn += n;
  }

  /** The next `n` replies are not sent, as if lost on the wire (the command still runs). */
  dropNextReplies(n = 1): void {
    this.dropOut += n;
  }

  /** Where unsolicited frames (Network Change) go: every connected controller. */
  onUnsolicited(listener: Reply): void {
    this.unsolicited.push(listener);
  }

  /** Sends `z0 38 FF`, as a camera does when the chain changes. */
  networkChange(): void {
    const frame = Buffer.from([this.replyHeader, 0x38, TERMINATOR]);
    for (const l of this.unsolicited) l(frame);
  }

  /** Handles one packet from a controller; replies go to `reply`. Returns false when it was ignored. */
  handle(packet: Buffer, reply: Reply): boolean {
    if (this.faults.stalled || chance(this.faults.dropRate)) return false;
    if (this.dropIn > 0) {
      this.dropIn--;
      return false;
    }
    const send = (frame: Buffer, delay = this.o.ackDelayMs) => this.later(delay, () => {
      if (this.dropOut > 0) this.dropOut--;
      else reply(frame);
    });
    const h = packet[0]!;
    if (h === BROADCAST) {
      if (!this.o.ipMode) this.broadcast(packet, send);
      return !this.o.ipMode;
    }
    if (!this.o.ipMode && h !== (0x80 | this.address)) return false; // for another camera on the chain
    const body = [...packet.subarray(1, packet.length - 1)];
    if ((body[0]! & 0xf0) === 0x20 && body.length === 1) this.cancel(body[0]! & 0x0f, send);
    else if (body[0] === 0x09) this.inquiry(body, send);
    else if (body[0] === 0x01) this.command(body, send);
    else this.error(0, 0x02, send);
    return true;
  }

  /** Stops every timer; the camera is gone. */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ops.clear();
  }

  // -------------------------------------------------------------------------------------------

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, ms + this.faults.delayMs));
    this.timers.add(timer);
    return timer;
  }

  private frame(...body: number[]): Buffer {
    return Buffer.from([this.replyHeader, ...body, TERMINATOR]);
  }

  private error(socket: number, code: number, send: (f: Buffer) => void): void {
    if (code === 0x02) this.counters.syntaxErrors++;
    if (code === 0x03) this.counters.bufferFull++;
    if (code === 0x41) this.counters.notExecutable++;
    send(this.frame(0x60 | socket, code));
  }

  private broadcast(packet: Buffer, send: (f: Buffer, d?: number) => void): void {
    if (packet.length === 4 && packet[1] === 0x30) {
      // Address Set: take the number offered and pass the next one round the ring.
      this.address = (packet[2]! & 0x0f) + this.o.chainPosition - 1;
      send(Buffer.from([BROADCAST, 0x30, this.address + 1, TERMINATOR]));
    } else if (packet.length === 5 && packet[1] === 0x01 && packet[2] === 0x00 && packet[3] === 0x01) {
      this.clearOps();
      send(Buffer.from(packet));
    }
  }

  private clearOps(): void {
    for (const op of this.ops.values()) clearTimeout(op.timer);
    this.ops.clear();
  }

  private cancel(socket: number, send: (f: Buffer) => void): void {
    const op = this.ops.get(socket);
    if (!op) return send(this.frame(0x60 | socket, 0x05));
    clearTimeout(op.timer);
    this.ops.delete(socket);
    const now = performance.now();
    for (const a of op.axes) this.axes[a].stop(now);
    this.counters.cancelled++;
    send(this.frame(0x60 | socket, 0x04));
  }

  private inquiry(body: number[], send: (f: Buffer) => void): void {
    this.counters.inquiries++;
    const key = body.map((b) => b.toString(16).padStart(2, '0')).join('');
    const p = this.position();
    switch (key) {
      case '090400': return send(this.frame(0x50, this.power === 'on' ? 0x02 : 0x03));
      case '090447': return send(this.frame(0x50, ...toNibbles(p.zoom)));
      case '090612': return send(this.frame(0x50, ...toNibbles(toUnsigned(p.pan)), ...toNibbles(toUnsigned(p.tilt))));
      case '09043f': return send(this.frame(0x50, this.lastRecalled));
      case '090611': return send(this.frame(0x50, this.o.panSpeedMax, this.o.tiltSpeedMax));
      case '090002': return send(this.frame(0x50, 0x00, 0x01, 0x05, 0x11, 0x01, 0x00, 0x02));
      default: return this.error(0, 0x02, send);
    }
  }

  /** Parses a command (`01 …`); returns what it does, or undefined for a syntax error. */
  private parse(b: number[]): { label: string; axes: AxisName[]; needsPower: boolean; run: (now: number) => number } | undefined {
    const o = this.o;
    const instant = () => o.commandDelayMs;
    const is = (...prefix: number[]) => prefix.every((x, i) => b[i] === x);
    const speedOk = (v: number | undefined, max: number) => v !== undefined && v >= 1 && v <= max;
    if (is(0x01, 0x00, 0x01) && b.length === 3) return { label: 'IF_Clear', axes: [], needsPower: false, run: () => -1 };
    if (is(0x01, 0x04, 0x00) && b.length === 4 && (b[3] === 0x02 || b[3] === 0x03)) {
      const on = b[3] === 0x02;
      return { label: on ? 'power on' : 'power off', axes: [], needsPower: false, run: () => ((this.power = on ? 'on' : 'off'), o.powerDelayMs) };
    }
    if (is(0x01, 0x04, 0x07) && b.length === 4) {
      const v = b[3]!;
      const dir = v === 0x00 ? 0 : v === 0x02 || (v & 0xf0) === 0x20 ? 1 : v === 0x03 || (v & 0xf0) === 0x30 ? -1 : undefined;
      const speed = v === 0x02 || v === 0x03 ? o.zoomSpeedMax / 2 : v & 0x0f;
      if (dir === undefined || speed > o.zoomSpeedMax) return undefined;
      const rate = (dir * (speed + 1)) / (o.zoomSpeedMax + 1) * FULL_RATE.zoom * o.motionScale;
      return { label: 'zoom drive', axes: ['zoom'], needsPower: true, run: (now) => (this.axes.zoom.drive(now, rate), instant()) };
    }
    if (is(0x01, 0x04, 0x47) && b.length === 7 && b.slice(3).every((x) => x <= 0x0f)) {
      const target = fromNibbles(b, 3, 4);
      if (target < o.zoomMin || target > o.zoomMax) return undefined;
      return { label: 'zoom direct', axes: ['zoom'], needsPower: true, run: (now) => this.axes.zoom.moveTo(now, target, FULL_RATE.zoom * o.motionScale) };
    }
    if (is(0x01, 0x06, 0x01) && b.length === 7 && speedOk(b[3], o.panSpeedMax) && speedOk(b[4], o.tiltSpeedMax)) {
      const pd = ({ 1: -1, 2: 1, 3: 0 } as Record<number, number>)[b[5]!];
      const td = ({ 1: 1, 2: -1, 3: 0 } as Record<number, number>)[b[6]!];
      if (pd === undefined || td === undefined) return undefined;
      const pr = ((pd * b[3]!) / o.panSpeedMax) * FULL_RATE.pan * o.motionScale;
      const tr = ((td * b[4]!) / o.tiltSpeedMax) * FULL_RATE.tilt * o.motionScale;
      return {
        label: pd || td ? 'pan-tilt drive' : 'pan-tilt stop', axes: ['pan', 'tilt'], needsPower: true,
        run: (now) => (this.axes.pan.drive(now, pr), this.axes.tilt.drive(now, tr), instant()),
      };
    }
    if (is(0x01, 0x06, 0x02) && b.length === 13 && speedOk(b[3], o.panSpeedMax) && speedOk(b[4], o.tiltSpeedMax) && b.slice(5).every((x) => x <= 0x0f)) {
      const pan = toSigned(fromNibbles(b, 5, 4));
      const tilt = toSigned(fromNibbles(b, 9, 4));
      if (pan < o.panMin || pan > o.panMax || tilt < o.tiltMin || tilt > o.tiltMax) return undefined;
      const pr = (b[3]! / o.panSpeedMax) * FULL_RATE.pan * o.motionScale;
      const tr = (b[4]! / o.tiltSpeedMax) * FULL_RATE.tilt * o.motionScale;
      return { label: 'pan-tilt absolute', axes: ['pan', 'tilt'], needsPower: true, run: (now) => this.moveTo(now, { pan, tilt }, pr, tr) };
    }
    if (is(0x01, 0x06, 0x04) && b.length === 3) {
      return { label: 'home', axes: ['pan', 'tilt'], needsPower: true, run: (now) => this.moveTo(now, { pan: 0, tilt: 0 }) };
    }
    if (is(0x01, 0x04, 0x3f) && b.length === 5 && b[3]! <= 0x02) {
      const n = b[4]!;
      if (n > (o.presetEncoding === 'nibble' ? Math.min(15, o.maxPreset) : o.maxPreset)) return undefined;
      if (b[3] === 0x00) return { label: `memory reset ${n}`, axes: [], needsPower: true, run: () => (this.presets.delete(n), instant()) };
      if (b[3] === 0x01) return { label: `memory set ${n}`, axes: [], needsPower: true, run: (now) => (this.presets.set(n, this.position(now)), instant()) };
      return {
        label: `memory recall ${n}`, axes: ['pan', 'tilt', 'zoom'], needsPower: true,
        // A memory never stored recalls the factory position (home, wide).
        run: (now) => ((this.lastRecalled = n), this.moveTo(now, this.presets.get(n) ?? { pan: 0, tilt: 0, zoom: o.zoomMin })),
      };
    }
    if (is(0x01, 0x04, 0x38) && b.length === 4 && (b[3] === 0x02 || b[3] === 0x03)) {
      return { label: 'focus mode', axes: [], needsPower: true, run: instant };
    }
    return undefined;
  }

  private moveTo(now: number, to: { pan: number; tilt: number; zoom?: number }, pr?: number, tr?: number): number {
    const s = this.o.motionScale;
    const durations = [
      this.axes.pan.moveTo(now, to.pan, pr ?? FULL_RATE.pan * s),
      this.axes.tilt.moveTo(now, to.tilt, tr ?? FULL_RATE.tilt * s),
      to.zoom === undefined ? 0 : this.axes.zoom.moveTo(now, to.zoom, FULL_RATE.zoom * s),
    ];
    return Math.max(this.o.commandDelayMs, ...durations);
  }

  private command(body: number[], send: (f: Buffer, d?: number) => void): void {
    this.counters.commands++;
    const spec = this.parse(body);
    if (!spec) return this.error(0, 0x02, send);
    const now = performance.now();
    if (spec.label === 'IF_Clear') {
      this.clearOps();
      return send(this.frame(0x50)); // completion without ACK
    }
    const free = [1, 2].find((s) => !this.ops.has(s));
    if (spec.needsPower && this.power === 'off') return this.error(free ?? 0, 0x41, send);
    // A new motion on an axis replaces the one running there: that command is over.
    for (const op of this.o.strictSockets ? [] : [...this.ops.values()]) {
      if (!op.axes.some((a) => spec.axes.includes(a))) continue;
      clearTimeout(op.timer);
      this.ops.delete(op.socket);
      send(this.frame(0x50 | op.socket), 0);
    }
    const socket = [1, 2].find((s) => !this.ops.has(s));
    if (socket === undefined) return this.error(0, 0x03, send);
    const duration = spec.run(now);
    send(this.frame(0x40 | socket));
    const timer = this.later(Math.max(this.o.ackDelayMs + 1, duration), () => {
      if (this.ops.get(socket) !== op) return;
      this.ops.delete(socket);
      spec.axes.forEach((a, i) => this.axes[a].arrive(op.versions[i]!, performance.now()));
      send(this.frame(0x50 | socket), 0);
    });
    const op: Op = { socket, label: spec.label, axes: spec.axes, versions: spec.axes.map((a) => this.axes[a].version), timer };
    this.ops.set(socket, op);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
