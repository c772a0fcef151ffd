import { commandArgs, splitResultId } from './protocol.ts';

/**
 * The simulated codec behind every simulator session: standby, microphone mute and calls, and
 * the xAPI terminal-mode output for each command. Transport-free; simulator.ts wires sessions
 * (TCP with a login prompt, SSH shell) to it and applies faults.
 */

export interface SimCall {
  id: number;
  status: 'Dialling' | 'Ringing' | 'Connecting' | 'Connected' | 'Disconnecting';
  direction: 'Outgoing' | 'Incoming';
  remote: string;
}

/** One line of unsolicited output: a status line or one field of an event. */
export interface FeedbackItem {
  kind: 'status' | 'event';
  /** Path tokens used to match registrations, e.g. ['Call', '3', 'Status'] or ['CallDisconnect']. */
  path: string[];
  line: string;
}

export interface SimCodecOptions {
  /** Delay between call progress steps (Dialling → Connecting → Connected). */
  connectDelayMs: number;
}

export class SimCodec {
  standby = false;
  micMuted = false;
  readonly calls = new Map<number, SimCall>();
  private nextCallId = 2;
  private dialFailure: string | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly options: SimCodecOptions,
    /** Delivers feedback to every session (each filters by its registrations). */
    private readonly publish: (items: FeedbackItem[]) => void,
  ) {}

  /** The next Dial fails with this reason (status=Error). */
  failNextDial(reason: string): void {
    this.dialFailure = reason;
  }

  /** A call arrives from `number`; returns its call id. */
  incomingCall(number: string): number {
    const call: SimCall = { id: this.nextCallId++, status: 'Ringing', direction: 'Incoming', remote: number };
    this.calls.set(call.id, call);
    this.publish([...this.callLines(call), event('IncomingCallIndication', { RemoteURI: number, CallId: call.id })]);
    return call.id;
  }

  /** The far end hangs up (the first call, or `id`). */
  remoteHangup(id?: number): boolean {
    const call = id === undefined ? this.calls.values().next().value : this.calls.get(id);
    if (!call) return false;
    this.endCall(call, 'RemoteDisconnect');
    return true;
  }

  /** Standby from the codec's own remote control. */
  setStandby(active: boolean): void {
    if (this.standby === active) return;
    this.standby = active;
    this.publish([status(['Standby', 'State'], active ? 'Standby' : 'Off')]);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /**
   * Runs one command line (a `| resultId="..."` tag is honoured) and returns the output lines,
   * ending with OK or ERROR. Feedback it causes goes out through `publish` after the reply.
   */
  execute(line: string): { lines: string[]; after?: () => void } {
    const { command, resultId } = splitResultId(line);
    const words = command.split(/\s+/).filter(Boolean);
    const verb = (words[0] ?? '').toLowerCase();
    if (verb === '') return { lines: [] };
    if (verb === 'echo' || verb === 'xpreferences') return { lines: ['OK'] };
    if (verb === 'xfeedback') return { lines: ['** end', '', 'OK'] };
    if (verb === 'xstatus') return { lines: [...this.statusLines(words.slice(1)), '** end', '', 'OK'] };
    if (verb !== 'xcommand') return { lines: ['Command not recognized.', 'ERROR'] };

    const pathWords = words.slice(1).filter((w, i, all) => !all.slice(0, i + 1).some((x) => x.endsWith(':')));
    const name = `${pathWords.slice(-2).join('')}Result`;
    const args = commandArgs(command);
    const ok = (fields: Record<string, string | number> = {}) => ({ lines: resultBlock(name, 'OK', fields, resultId) });
    const error = (reason: string) => ({ lines: resultBlock(name, 'Error', { Reason: `"${reason}"` }, resultId, 'ERROR') });
    const key = pathWords.map((w) => w.toLowerCase()).join(' ');

    switch (key) {
      case 'dial': {
        if (!args.Number) return error('Missing or invalid parameter: Number');
        if (this.dialFailure) {
          const reason = this.dialFailure;
          this.dialFailure = undefined;
          return error(reason);
        }
        const call: SimCall = { id: this.nextCallId++, status: 'Dialling', direction: 'Outgoing', remote: args.Number };
        this.calls.set(call.id, call);
        return { ...ok({ CallId: call.id, ConferenceId: call.id - 1 }), after: () => this.progressOutgoing(call) };
      }
      // CE/RoomOS: `Call Disconnect [CallId: n]`; TC's `Call DisconnectAll` is gone (Unknown command).
      case 'call disconnect': {
        const targets = args.CallId ? [this.calls.get(Number(args.CallId))] : [...this.calls.values()];
        if (args.CallId && !targets[0]) return error('No active call(s) found');
        return { ...ok(), after: () => targets.forEach((c) => c && this.endCall(c, 'LocalDisconnect')) };
      }
      case 'call accept': {
        const call = this.findIncoming(args.CallId);
        if (!call) return error('No incoming call to accept');
        return { ...ok(), after: () => this.answer(call) };
      }
      case 'call reject': {
        const call = this.findIncoming(args.CallId);
        if (!call) return error('No incoming call to reject');
        return { ...ok(), after: () => this.endCall(call, 'LocalReject') };
      }
      case 'call dtmfsend': {
        const connected = [...this.calls.values()].some((c) => c.status === 'Connected');
        return connected ? ok() : error('No active call');
      }
      case 'standby activate':
      case 'standby deactivate':
        return { ...ok(), after: () => this.setStandby(key === 'standby activate') };
      case 'audio microphones mute':
      case 'audio microphones unmute': {
        const muted = key.endsWith(' mute');
        return {
          ...ok(),
          after: () => {
            if (this.micMuted === muted) return;
            this.micMuted = muted;
            this.publish([status(['Audio', 'Microphones', 'Mute'], muted ? 'On' : 'Off')]);
          },
        };
      }
      default:
        return { lines: resultBlock('Command', 'Error', { Reason: '"Unknown command"' }, resultId, 'ERROR') };
    }
  }

  private statusLines(path: string[]): string[] {
    const key = path.map((w) => w.toLowerCase()).join(' ');
    const lines: FeedbackItem[] = [];
    if (key === '' || 'call'.startsWith(key) || key.startsWith('call')) for (const c of this.calls.values()) lines.push(...this.callLines(c));
    if (key === '' || key.startsWith('standby')) lines.push(status(['Standby', 'State'], this.standby ? 'Standby' : 'Off'));
    if (key === '' || key.startsWith('audio')) lines.push(status(['Audio', 'Microphones', 'Mute'], this.micMuted ? 'On' : 'Off'));
    if (key.startsWith('systemunit')) lines.push(status(['SystemUnit', 'Uptime'], String(Math.floor(process.uptime()))));
    return lines.map((l) => l.line);
  }

  private callLines(c: SimCall): FeedbackItem[] {
    return [
      status(['Call', String(c.id), 'Status'], c.status),
      status(['Call', String(c.id), 'Direction'], c.direction),
      status(['Call', String(c.id), 'RemoteNumber'], `"${c.remote}"`),
      status(['Call', String(c.id), 'CallType'], 'Video'),
    ];
  }

  private findIncoming(id: string | undefined): SimCall | undefined {
    const call = id ? this.calls.get(Number(id)) : [...this.calls.values()].find((c) => c.direction === 'Incoming' && c.status === 'Ringing');
    return call && call.direction === 'Incoming' && call.status === 'Ringing' ? call : undefined;
  }

  private progressOutgoing(call: SimCall): void {
    this.publish(this.callLines(call));
    this.later(() => this.setCallStatus(call, 'Connecting'), this.options.connectDelayMs);
    this.later(() => this.setCallStatus(call, 'Connected'), 2 * this.options.connectDelayMs);
  }

  private answer(call: SimCall): void {
    this.setCallStatus(call, 'Connecting');
    this.later(() => this.setCallStatus(call, 'Connected'), this.options.connectDelayMs);
  }

  private setCallStatus(call: SimCall, s: SimCall['status']): void {
    if (this.calls.get(call.id) !== call) return; // ended meanwhile
    call.status = s;
    this.publish([status(['Call', String(call.id), 'Status'], s)]);
  }

  private endCall(call: SimCall, cause: string): void {
    if (!this.calls.delete(call.id)) return;
    this.publish([status(['Call', String(call.id), 'Status'], 'Disconnecting')]);
    this.publish([
      event('CallDisconnect', {
        CauseValue: 1,
        CauseType: `"${cause}"`,
        CauseString: '""',
        OrigCallDirection: `"${call.direction.toLowerCase()}"`,
        RemoteURI: `"${call.remote}"`,
        CallId: call.id,
      }),
    ]);
    this.publish([{ kind: 'status', path: ['Call', String(call.id)], line: `*s Call ${call.id} (ghost=True):` }]);
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}

function status(path: string[], value: string): FeedbackItem {
  return { kind: 'status', path, line: `*s ${path.join(' ')}: ${value}` };
}

/** Terminal-mode events print one field per line, each prefixed with the event name. */
function event(name: string, fields: Record<string, string | number>): FeedbackItem {
  const lines = Object.entries(fields).map(([k, v]) => `*e ${name} ${k}: ${v}`);
  return { kind: 'event', path: [name], line: lines.join('\r\n') };
}

function resultBlock(name: string, status: string, fields: Record<string, string | number>, resultId?: string, end = 'OK'): string[] {
  return [
    `*r ${name} (status=${status}):`,
    ...Object.entries(fields).map(([k, v]) => `    ${k}: ${v}`),
    ...(resultId ? [`** resultId: "${resultId}"`] : []),
    '** end',
    '',
    end,
  ];
}
