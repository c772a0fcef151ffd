import {
  AbortReason,
  BROADCAST,
  Opcode,
  PowerStatus,
  UserControl,
  decodeFrame,
  frame,
  physicalAddressBytes,
  type CecFrame,
} from './protocol.ts';

/**
 * A simulated TV on a CEC bus (logical address 0, physical 0.0.0.0). It reacts to frames the way a
 * common TV does — power with a warming/cooling transition, input from Set Stream Path / Active
 * Source / Routing Change, volume and mute from User Control keys — and answers the usual requests.
 * It knows nothing about transports: the Pulse-Eight adapter emulator and the fake cec-client both
 * put it on their bus through `send`.
 */

/** The TV's own view of its power. */
export type TvPower = 'on' | 'standby' | 'warming' | 'cooling';

export interface TvModelOptions {
  power?: 'on' | 'standby';
  /** Time spent in standby→on before reporting on (ms). */
  warmingMs?: number;
  /** Time spent in on→standby before reporting standby (ms). */
  coolingMs?: number;
  /** Delay before each reply, so the transmit result reaches the initiator first (ms). */
  replyDelayMs?: number;
  /** Broadcast Report Power Status when power settles, as CEC 2.0 TVs do. Default true. */
  announcePower?: boolean;
  volume?: number;
  osdName?: string;
  /** Three-byte IEEE OUI; default Sony (08:00:46), which libCEC drives with no vendor handler. */
  vendorId?: number;
}

const STATUS_OF: Record<TvPower, number> = {
  on: PowerStatus.ON,
  standby: PowerStatus.STANDBY,
  warming: PowerStatus.STANDBY_TO_ON,
  cooling: PowerStatus.ON_TO_STANDBY,
};

export class TvModel {
  readonly logicalAddress = 0;
  readonly physicalAddress = 0x0000;
  power: TvPower;
  /** Physical address of the input being shown (0.0.0.0 = the TV's own tuner). */
  activeSource = 0x0000;
  volume: number;
  muted = false;
  /** A hung TV: does not ACK or answer anything (as one in deep standby). */
  stalled = false;
  /** Every frame the TV received (ACKed or not), oldest first — for tests. */
  readonly received: CecFrame[] = [];
  private readonly opts: Required<Omit<TvModelOptions, 'power' | 'volume'>>;
  private transition: NodeJS.Timeout | undefined;
  private readonly pending = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly send: (f: CecFrame) => void,
    options: TvModelOptions = {},
  ) {
    this.power = options.power ?? 'standby';
    this.volume = options.volume ?? 30;
    this.opts = {
      warmingMs: options.warmingMs ?? 300,
      coolingMs: options.coolingMs ?? 200,
      replyDelayMs: options.replyDelayMs ?? 5,
      announcePower: options.announcePower ?? true,
      osdName: options.osdName ?? 'TV',
      vendorId: options.vendorId ?? 0x080046,
    };
  }

  /** Report Power Status operand for the current power. */
  get powerStatus(): number {
    return STATUS_OF[this.power];
  }

  /** Audio status byte: bit 7 mute, bits 6-0 volume. */
  get audioStatus(): number {
    return (this.muted ? 0x80 : 0) | (this.volume & 0x7f);
  }

  /**
   * A frame seen on the bus. Returns whether the TV ACKs it: frames addressed to it, and broadcasts
   * (which every listener "ACKs" by not NACKing).
   */
  receive(f: CecFrame): boolean {
    if (this.closed || f.initiator === this.logicalAddress) return false;
    const forMe = f.destination === this.logicalAddress;
    const broadcast = f.destination === BROADCAST;
    if (!forMe && !broadcast) return false;
    this.received.push(f);
    if (this.stalled) return false;
    if (f.opcode !== undefined) this.handle(f, forMe);
    return true;
  }

  /** The TV's own remote: power off. Broadcasts Standby, as many TVs do, then settles in standby. */
  standbyFromRemote(): void {
    if (this.power === 'standby' || this.power === 'cooling') return;
    this.emit(frame(this.logicalAddress, BROADCAST, Opcode.STANDBY));
    this.goStandby();
  }

  /** The TV's own remote: power on. */
  powerOnFromRemote(): void {
    this.goOn();
  }

  /** The TV's own remote: pick another input; broadcasts Routing Change from the old to the new address. */
  switchInputFromRemote(address: number): void {
    const from = this.activeSource;
    this.activeSource = address;
    this.emit(frame(this.logicalAddress, BROADCAST, Opcode.ROUTING_CHANGE, ...physicalAddressBytes(from), ...physicalAddressBytes(address)));
  }

  /** Stops every timer; the model stays readable. */
  close(): void {
    this.closed = true;
    if (this.transition) clearTimeout(this.transition);
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }

  private handle(f: CecFrame, forMe: boolean): void {
    const op = f.opcode!;
    const to = f.initiator;
    const event = decodeFrame(f);
    if (event.type === 'malformed') {
      if (forMe) this.reply(frame(0, to, Opcode.FEATURE_ABORT, op, AbortReason.INVALID_OPERAND));
      return;
    }
    switch (op) {
      case Opcode.IMAGE_VIEW_ON:
      case Opcode.TEXT_VIEW_ON:
        this.goOn();
        return;
      case Opcode.STANDBY:
        this.goStandby();
        return;
      case Opcode.GIVE_DEVICE_POWER_STATUS:
        this.reply(frame(0, to, Opcode.REPORT_POWER_STATUS, this.powerStatus));
        return;
      case Opcode.GIVE_PHYSICAL_ADDRESS:
        this.reply(frame(0, BROADCAST, Opcode.REPORT_PHYSICAL_ADDRESS, ...physicalAddressBytes(this.physicalAddress), 0x00));
        return;
      case Opcode.GIVE_OSD_NAME:
        this.reply(frame(0, to, Opcode.SET_OSD_NAME, ...Buffer.from(this.opts.osdName, 'ascii')));
        return;
      case Opcode.GET_CEC_VERSION:
        this.reply(frame(0, to, Opcode.CEC_VERSION, 0x05)); // 1.4
        return;
      case Opcode.GIVE_DEVICE_VENDOR_ID: {
        const v = this.opts.vendorId;
        this.reply(frame(0, BROADCAST, Opcode.DEVICE_VENDOR_ID, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff));
        return;
      }
      case Opcode.GET_MENU_LANGUAGE:
        this.reply(frame(0, BROADCAST, Opcode.SET_MENU_LANGUAGE, ...Buffer.from('eng', 'ascii')));
        return;
      case Opcode.GIVE_AUDIO_STATUS:
        this.reply(frame(0, to, Opcode.REPORT_AUDIO_STATUS, this.audioStatus));
        return;
      case Opcode.SET_STREAM_PATH:
      case Opcode.ACTIVE_SOURCE:
        if (event.type === 'setStreamPath' || event.type === 'activeSource') this.activeSource = event.address;
        return;
      case Opcode.ROUTING_CHANGE:
        if (event.type === 'routingChange') this.activeSource = event.to;
        return;
      case Opcode.USER_CONTROL_PRESSED:
        if (event.type === 'userControlPressed' && forMe) this.key(event.key, to);
        return;
      default:
        // Informational frames (Set OSD Name, Report Physical Address, Vendor ID, Release...) need no
        // answer; an unknown directed opcode gets Feature Abort as the spec asks.
        if (forMe && !INFORMATIONAL.has(op)) this.reply(frame(0, to, Opcode.FEATURE_ABORT, op, AbortReason.UNRECOGNISED));
    }
  }

  private key(key: number, from: number): void {
    switch (key) {
      case UserControl.VOLUME_UP: this.volume = Math.min(100, this.volume + 1); this.muted = false; break;
      case UserControl.VOLUME_DOWN: this.volume = Math.max(0, this.volume - 1); this.muted = false; break;
      case UserControl.MUTE: this.muted = !this.muted; break;
      case UserControl.MUTE_FUNCTION: this.muted = true; break;
      case UserControl.RESTORE_VOLUME_FUNCTION: this.muted = false; break;
      case UserControl.POWER_ON_FUNCTION: this.goOn(); return;
      case UserControl.POWER_OFF_FUNCTION: this.goStandby(); return;
      case UserControl.POWER:
      case UserControl.POWER_TOGGLE_FUNCTION:
        if (this.power === 'on' || this.power === 'warming') this.goStandby();
        else this.goOn();
        return;
      default:
        return;
    }
    // An audio device tells the key's sender the new status (CEC 1.4 System Audio Control).
    this.reply(frame(0, from, Opcode.REPORT_AUDIO_STATUS, this.audioStatus));
  }

  private goOn(): void {
    if (this.power === 'on' || this.power === 'warming') return;
    this.settle('warming', 'on', this.opts.warmingMs);
  }

  private goStandby(): void {
    if (this.power === 'standby' || this.power === 'cooling') return;
    this.settle('cooling', 'standby', this.opts.coolingMs);
  }

  private settle(through: TvPower, to: TvPower, ms: number): void {
    if (this.transition) clearTimeout(this.transition);
    this.power = through;
    this.transition = setTimeout(() => {
      this.transition = undefined;
      this.power = to;
      if (this.opts.announcePower) this.emit(frame(0, BROADCAST, Opcode.REPORT_POWER_STATUS, this.powerStatus));
    }, ms);
  }

  private reply(f: CecFrame): void {
    const t = setTimeout(() => {
      this.pending.delete(t);
      this.emit(f);
    }, this.opts.replyDelayMs);
    this.pending.add(t);
  }

  private emit(f: CecFrame): void {
    if (!this.closed && !this.stalled) this.send(f);
  }
}

const INFORMATIONAL: ReadonlySet<number> = new Set<number>([
  Opcode.SET_OSD_NAME,
  Opcode.REPORT_PHYSICAL_ADDRESS,
  Opcode.DEVICE_VENDOR_ID,
  Opcode.USER_CONTROL_RELEASE,
  Opcode.REPORT_POWER_STATUS,
  Opcode.CEC_VERSION,
  Opcode.FEATURE_ABORT,
  Opcode.INACTIVE_SOURCE,
  Opcode.REPORT_AUDIO_STATUS,
  Opcode.REQUEST_ACTIVE_SOURCE,
  Opcode.VENDOR_COMMAND,
  Opcode.MENU_STATUS,
  Opcode.ROUTING_INFORMATION,
]);
