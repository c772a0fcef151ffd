import net from 'node:net';
import type { SimulatorHandle, TransportConfig } from '../../src/sdk/index.ts';
import { chance, defaultFaults, garbage, sleep, type Faults } from '../../src/sim/faults.ts';
import { IAC, filterTelnet } from './protocol.ts';

/**
 * A Poly Group Series codec on a real TCP socket, speaking the port-24 API: Telnet option offers,
 * optional `Password:` prompt, a banner and `-> ` prompt, echo of every command (as over Telnet),
 * acknowledgements, registrations that persist across connections (as they do in flash), call
 * progress notifications, mute and sleep. Fault injection via {@link Faults} plus dropConnections().
 */

export interface PolySimOptions {
  /** Ask for this password on connect; empty = no prompt. */
  password?: string;
  /** Echo each command line back before the reply (Telnet echo). Default true. */
  echo?: boolean;
  /** Print `-> ` after the banner and after each reply. Default true. */
  prompt?: boolean;
  /** Delay between call progress steps. Default 100 ms. */
  connectDelayMs?: number;
}

/** One command line the simulator received. */
export interface PolyReceived {
  line: string;
  at: number;
  session: number;
}

interface SimCall {
  id: number;
  direction: 'outgoing' | 'incoming';
  remote: string;
  state: 'ringing' | 'connected';
}

export interface PolySimulator extends SimulatorHandle {
  readonly faults: Faults;
  readonly received: PolyReceived[];
  /** Bytes received that were Telnet option answers, e.g. `DO 1`. */
  readonly telnetReplies: string[];
  readonly device: { micMuted: boolean; asleep: boolean; registrations: Set<string>; calls: Map<number, SimCall> };
  readonly sessionCount: number;
  linesMatching(pattern: RegExp): string[];
  /** The next dial is accepted (`dialing auto`) but the call then fails before connecting. */
  failNextDial(): void;
  incomingCall(number: string): number;
  remoteHangup(id?: number): boolean;
  dropConnections(): void;
}

/** Starts the simulator on 127.0.0.1 and an ephemeral port. */
export async function startPolySimulator(opts: PolySimOptions = {}): Promise<PolySimulator> {
  const options = { password: opts.password ?? '', echo: opts.echo ?? true, prompt: opts.prompt ?? true, connectDelayMs: opts.connectDelayMs ?? 100 };
  const faults = defaultFaults();
  const received: PolyReceived[] = [];
  const telnetReplies: string[] = [];
  const device = { micMuted: false, asleep: false, registrations: new Set<string>(), calls: new Map<number, SimCall>() };
  const sockets = new Set<net.Socket>();
  const ready = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let nextCall = 30;
  let nextSession = 1;
  let failDial = false;
  const prompt = options.prompt ? '-> ' : '';

  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => (timers.delete(t), fn()), ms);
    timers.add(t);
  };
  /** Notifications go to every logged-in session (registrations are device-wide). */
  const notify = (topic: string, lines: string[]) => {
    if (!device.registrations.has(topic) || faults.stalled) return;
    for (const s of ready) s.write(`${lines.join('\r\n')}\r\n`);
  };
  const callstatus = (c: SimCall, status: string) =>
    notify('callstatus', [`notification:callstatus:${c.direction}:${c.id}:${c.remote}:${c.remote}:${status}:384:0:videocall`]);

  const endCall = (c: SimCall) => {
    if (!device.calls.delete(c.id)) return;
    notify('callstate', [`cleared: call[${c.id}]`, `dialstr[${c.remote}]`, `ended: call[${c.id}]`]);
    callstatus(c, 'disconnected');
  };
  const connectCall = (c: SimCall) => {
    if (device.calls.get(c.id) !== c) return;
    c.state = 'connected';
    notify('callstate', [`cs: call[${c.id}] chan[0] dialstr[${c.remote}] state[CONNECTED]`, `cs: call[${c.id}] chan[0] dialstr[${c.remote}] state[COMPLETE]`, `active: call[${c.id}] speed [384]`]);
    callstatus(c, 'connected');
  };

  /** The reply lines for one command (the ack), with side effects scheduled after it. */
  const execute = (line: string): { lines: string[]; after?: () => void } => {
    const words = line.trim().split(/\s+/);
    const cmd = line.trim().toLowerCase();
    if (cmd.endsWith(' register') && words.length === 2) {
      const topic = words[0].toLowerCase();
      if (device.registrations.has(topic)) return { lines: [`info: event/notification already active:${topic}`] };
      device.registrations.add(topic);
      return { lines: [`${topic} registered`] };
    }
    if (cmd === 'notify callstatus') {
      if (device.registrations.has('callstatus')) return { lines: ['info: event/notification already active:callstatus'] };
      device.registrations.add('callstatus');
      return { lines: ['notify callstatus success'] };
    }
    const dial = /^dial (manual|auto) (\d+) "([^"]+)"(?: (h323|sip|h320))?$/i.exec(line.trim());
    if (dial) {
      const c: SimCall = { id: nextCall++, direction: 'outgoing', remote: dial[3], state: 'ringing' };
      const fails = failDial;
      failDial = false;
      device.calls.set(c.id, c);
      return {
        lines: [`dialing ${dial[1].toLowerCase()}`],
        after: () => {
          notify('callstate', [`cs: call[${c.id}] chan[0] dialstr[${c.remote}] state[ALLOCATED]`, `cs: call[${c.id}] chan[0] dialstr[${c.remote}] state[RINGING]`]);
          callstatus(c, 'connecting');
          later(() => (fails ? endCall(c) : connectCall(c)), options.connectDelayMs);
        },
      };
    }
    if (cmd === 'hangup all' || cmd === 'hangup video') {
      return { lines: [`hanging up ${words[1].toLowerCase()}`], after: () => [...device.calls.values()].forEach((c) => later(() => endCall(c), 10)) };
    }
    if (cmd === 'answer video') {
      const c = [...device.calls.values()].find((x) => x.direction === 'incoming' && x.state === 'ringing');
      if (!c) return { lines: ['answer incoming video call failed'] };
      return { lines: ['answer incoming video call passed'], after: () => later(() => connectCall(c), 10) };
    }
    const mute = /^mute near (on|off|get)$/i.exec(cmd);
    if (mute) {
      if (mute[1] !== 'get') {
        const muted = mute[1] === 'on';
        const changed = device.micMuted !== muted;
        device.micMuted = muted;
        return { lines: [`mute near ${mute[1]}`], after: () => changed && notify('mute', [`notification:mutestatus:near:near:near:near:${muted ? 'muted' : 'unmuted'}`]) };
      }
      return { lines: [`mute near ${device.micMuted ? 'on' : 'off'}`] };
    }
    if (cmd === 'sleep' || cmd === 'wake') {
      const asleep = cmd === 'sleep';
      const changed = device.asleep !== asleep;
      device.asleep = asleep;
      return { lines: [cmd], after: () => changed && notify('sleep', [asleep ? 'listen going to sleep' : 'listen waking up']) };
    }
    if (cmd === 'getcallstate') {
      if (device.calls.size === 0) return { lines: ['system is not in a call'] };
      return { lines: [...device.calls.values()].map((c) => `cs: call[${c.id}] speed[384] dialstr[${c.remote}] state[${c.state}]`) };
    }
    const gendial = /^gendial ([0-9*#])$/i.exec(cmd);
    if (gendial) {
      const connected = [...device.calls.values()].some((c) => c.state === 'connected');
      return { lines: [connected ? `gendial ${gendial[1]}` : 'error: gendial requires an active call'] };
    }
    return { lines: [`error: command not found`] };
  };

  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    const session = nextSession++;
    let authed = options.password === '';
    let buffer = '';
    let telnetRest: Buffer = Buffer.alloc(0);
    let queue: Promise<void> = Promise.resolve();
    const write = (text: string | Buffer) => {
      if (!socket.destroyed) socket.write(text);
    };
    const welcome = () => {
      ready.add(socket);
      write(`Polycom RealPresence Group 500\r\nWelcome to the Command Shell (simulated)\r\n${prompt}`);
    };
    // WILL ECHO, WILL SUPPRESS-GO-AHEAD: what the codec's telnetd offers.
    write(Buffer.from([IAC, 0xfb, 0x01, IAC, 0xfb, 0x03]));
    if (authed) welcome();
    else write('Password: ');

    const onLine = (line: string) => {
      if (!authed) {
        if (line === options.password) {
          authed = true;
          welcome();
        } else write('error: invalid password\r\nPassword: ');
        return;
      }
      if (line.trim() === '') return;
      received.push({ line, at: Date.now(), session });
      if (chance(faults.dropRate)) return;
      if (options.echo) write(`${line}\r\n`);
      const { lines, after } = execute(line);
      queue = queue.then(async () => {
        if (faults.stalled) return;
        if (faults.delayMs > 0) await sleep(faults.delayMs);
        if (chance(faults.garbageRate)) write(Buffer.concat([garbage(), Buffer.from('\r\n')]));
        write(`${lines.join('\r\n')}\r\n${prompt}`);
        after?.();
      });
    };

    socket.on('data', (chunk) => {
      const t = filterTelnet(telnetRest.length ? Buffer.concat([telnetRest, chunk]) : chunk);
      telnetRest = t.rest;
      telnetReplies.push(...t.negotiations);
      buffer += t.data.toString('latin1');
      let i: number;
      while ((i = buffer.search(/[\r\n]/)) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        if (line !== '') onLine(line);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      ready.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const transport: TransportConfig = { type: 'tcp', host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };

  return {
    transport,
    faults,
    received,
    telnetReplies,
    device,
    get sessionCount() {
      return ready.size;
    },
    linesMatching: (pattern) => received.map((r) => r.line).filter((l) => pattern.test(l)),
    failNextDial() {
      failDial = true;
    },
    incomingCall(number) {
      const c: SimCall = { id: nextCall++, direction: 'incoming', remote: number, state: 'ringing' };
      device.calls.set(c.id, c);
      callstatus(c, 'ringing');
      notify('callstate', [`cs: call[${c.id}] chan[0] dialstr[${number}] state[RINGING]`]);
      return c.id;
    },
    remoteHangup(id) {
      const c = id === undefined ? device.calls.values().next().value : device.calls.get(id);
      if (!c) return false;
      endCall(c);
      return true;
    },
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
