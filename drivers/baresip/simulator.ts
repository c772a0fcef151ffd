import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { chance, defaultFaults, garbage, sleep, type Faults } from '../../src/sim/faults.ts';
import type { SimulatorHandle } from '../../src/sdk/index.ts';
import { NetstringReader, encodeNetstring, type CtrlCommand } from './protocol.ts';

/** What the simulated far end does with a call we place. */
export type FarEndBehaviour = 'answer' | 'reject' | 'noanswer';

export interface BaresipSimulatorOptions {
  /** Delay from `dial` to CALL_RINGING. */
  ringMs?: number;
  /** Delay from CALL_RINGING to the far end's answer (or rejection). */
  answerMs?: number;
  /** Default far-end behaviour; a number containing "busy" is always rejected (486 Busy Here). */
  farEnd?: FarEndBehaviour;
  /** The room's own account, as events report it. */
  aor?: string;
}

interface SimCall {
  id: string;
  direction: 'incoming' | 'outgoing';
  peer: string;
  state: 'OUTGOING' | 'RINGING' | 'INCOMING' | 'ESTABLISHED';
  muted: boolean;
  startedAt: number;
  timers: NodeJS.Timeout[];
}

/** A running simulator: the handle the runtime needs, plus knobs for tests and the demo. */
export interface BaresipSimulator extends SimulatorHandle {
  transport: { type: 'tcp'; host: string; port: number };
  faults: Faults;
  /** Every well-formed command received, in order (for asserting what went on the wire). */
  readonly received: CtrlCommand[];
  /** Digits sent with `sndcode`, concatenated. */
  readonly dtmf: string;
  /** The live call, if any. */
  call(): { id: string; direction: string; peer: string; state: string; muted: boolean } | undefined;
  /** Someone calls the room (CALL_INCOMING); answered at once when answermode is auto. */
  incoming(from?: string): void;
  /** The far end hangs up (or, before answering, the caller gives up). */
  farHangup(): void;
  /** The far end answers a call we placed that is still ringing. */
  farAnswer(): void;
  /** Changes what the far end does with the next call placed. */
  setFarEnd(behaviour: FarEndBehaviour): void;
  /** Drops the control client's socket (a network fault). */
  dropClient(): void;
  /** Connections accepted so far. */
  readonly connections: number;
}

/**
 * A baresip stand-in speaking ctrl_tcp: netstring JSON over TCP on 127.0.0.1, the same command
 * names, reply texts and event shapes as baresip 1.0.0 (see protocol.ts), one call at a time.
 * Like the real module it keeps only the newest client and never answers malformed JSON.
 */
export async function startBaresipSimulator(options: BaresipSimulatorOptions = {}): Promise<BaresipSimulator> {
  const ringMs = options.ringMs ?? 200;
  const answerMs = options.answerMs ?? 800;
  const aor = options.aor ?? 'sip:room@127.0.0.1';
  const faults = defaultFaults();
  const received: CtrlCommand[] = [];
  let farEnd: FarEndBehaviour = options.farEnd ?? 'answer';
  let answerMode: 'manual' | 'auto' = 'manual';
  let client: net.Socket | undefined;
  let connections = 0;
  let call: SimCall | undefined;
  let dtmf = '';

  const send = (message: Record<string, unknown>): void => {
    if (client && !client.destroyed) client.write(encodeNetstring(JSON.stringify(message)));
  };
  const event = (type: string, c: SimCall | undefined, param: string, extra: Record<string, unknown> = {}): void => {
    send({
      event: true,
      type,
      class: type.endsWith('_SDP') ? 'other' : 'call',
      accountaor: aor,
      ...(c ? { direction: c.direction, peeruri: c.peer, id: c.id } : {}),
      param,
      ...extra,
    });
  };
  const later = (c: SimCall, ms: number, fn: () => void): void => {
    c.timers.push(setTimeout(() => call === c && fn(), ms));
  };
  const close = (c: SimCall, reason: string): void => {
    for (const t of c.timers) clearTimeout(t);
    if (call === c) call = undefined;
    event('CALL_CLOSED', c, reason);
  };
  const establish = (c: SimCall): void => {
    c.state = 'ESTABLISHED';
    event('CALL_ESTABLISHED', c, c.peer);
  };

  const commands: Record<string, (params: string) => { ok: boolean; data: string }> = {
    dial(params) {
      if (!params) return { ok: false, data: 'missing number\n' };
      if (call) return { ok: false, data: 'call already in progress\n' };
      const peer = params.includes(':') ? params : `sip:${params}@127.0.0.1`;
      const c: SimCall = { id: randomBytes(8).toString('hex'), direction: 'outgoing', peer, state: 'OUTGOING', muted: false, startedAt: Date.now(), timers: [] };
      call = c;
      // baresip 1.0.0 announces the SDP offer (without a call id) before answering the command.
      send({ event: true, type: 'CALL_LOCAL_SDP', class: 'other', accountaor: aor, direction: 'outgoing', peeruri: peer, param: 'offer' });
      const behaviour: FarEndBehaviour = /busy/i.test(params) ? 'reject' : farEnd;
      later(c, ringMs, () => {
        c.state = 'RINGING';
        event('CALL_RINGING', c, peer);
        if (behaviour === 'answer') later(c, answerMs, () => establish(c));
        if (behaviour === 'reject') later(c, answerMs, () => close(c, '486 Busy Here'));
      });
      return { ok: true, data: '' };
    },
    hangup() {
      if (call) close(call, 'Connection reset by user');
      return { ok: true, data: '' };
    },
    accept() {
      const c = call;
      if (c?.state === 'INCOMING') setTimeout(() => call === c && establish(c), 20);
      return { ok: true, data: `${aor}: Answering incoming call\n` };
    },
    mute() {
      if (!call) return { ok: false, data: 'command not found (mute)\n' };
      call.muted = !call.muted;
      return { ok: true, data: `\ncall ${call.muted ? '' : 'un-'}muted\n` };
    },
    sndcode(params) {
      if (!call) return { ok: false, data: 'command not found (sndcode)\n' };
      dtmf += params;
      return { ok: true, data: '' };
    },
    listcalls() {
      if (!call) return { ok: true, data: '\n--- Active calls (0) ---\n\n' };
      const secs = call.state === 'ESTABLISHED' ? Math.floor((Date.now() - call.startedAt) / 1000) : 0;
      const time = `${Math.floor(secs / 3600)}:${String(Math.floor(secs / 60) % 60).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`;
      return { ok: true, data: `\n--- Active calls (1) ---\n> [line 1]  ${time}  ${call.state.padStart(11)}             ${call.peer}\n\n` };
    },
    answermode(params) {
      if (params !== 'manual' && params !== 'auto') return { ok: false, data: `Invalid answer mode: ${params}\n` };
      answerMode = params;
      return { ok: true, data: `Answer mode changed to: ${params}\n` };
    },
    about() {
      return { ok: true, data: 'baresip simulator (roomd)\n' };
    },
  };

  const handle = async (socket: net.Socket, payload: Buffer): Promise<void> => {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      return; // like baresip: bad JSON gets no response at all
    }
    if (typeof o !== 'object' || o === null || typeof o.command !== 'string') return;
    const cmd: CtrlCommand = { command: o.command };
    if (typeof o.params === 'string') cmd.params = o.params;
    if (typeof o.token === 'string') cmd.token = o.token;
    received.push(cmd);
    if (faults.stalled || chance(faults.dropRate)) return;
    if (faults.delayMs > 0) await sleep(faults.delayMs);
    if (socket !== client || socket.destroyed) return;
    const run = commands[cmd.command];
    const result = run ? run(cmd.params ?? '') : { ok: false, data: `command not found (${cmd.command})\n` };
    if (chance(faults.garbageRate)) socket.write(garbage());
    send({ response: true, ok: result.ok, data: result.data, ...(cmd.token !== undefined ? { token: cmd.token } : {}) });
  };

  const server = net.createServer((socket) => {
    connections++;
    // ctrl_tcp keeps one client: a new connection closes the previous one.
    client?.destroy();
    client = socket;
    socket.setNoDelay(true);
    const reader = new NetstringReader();
    let chain = Promise.resolve();
    socket.on('data', (chunk) => {
      for (const frame of reader.push(chunk)) chain = chain.then(() => handle(socket, frame));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (client === socket) client = undefined;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    transport: { type: 'tcp', host: '127.0.0.1', port },
    faults,
    received,
    get dtmf() {
      return dtmf;
    },
    get connections() {
      return connections;
    },
    call: () => call && { id: call.id, direction: call.direction, peer: call.peer, state: call.state, muted: call.muted },
    incoming(from = 'sip:caller@127.0.0.1') {
      if (call) return;
      const c: SimCall = { id: randomBytes(8).toString('hex'), direction: 'incoming', peer: from, state: 'INCOMING', muted: false, startedAt: Date.now(), timers: [] };
      call = c;
      event('CALL_INCOMING', c, from);
      if (answerMode === 'auto') later(c, 20, () => establish(c));
    },
    farHangup() {
      if (call) close(call, 'Connection reset by peer');
    },
    farAnswer() {
      if (call?.direction === 'outgoing' && call.state !== 'ESTABLISHED') {
        for (const t of call.timers) clearTimeout(t);
        establish(call);
      }
    },
    dropClient() {
      client?.destroy();
      client = undefined;
    },
    async close() {
      if (call) for (const t of call.timers) clearTimeout(t);
      call = undefined;
      client?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    setFarEnd(behaviour: FarEndBehaviour) {
      farEnd = behaviour;
    },
  };
}
