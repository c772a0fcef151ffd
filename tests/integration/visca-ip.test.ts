import dgram from 'node:dgram';
import { describe, it, expect, afterEach } from 'vitest';
import { decodeIpMessage, encodeIpMessage } from '../../drivers/visca-ip/protocol.ts';
import { parseHex, toHex } from '../../drivers/visca/protocol.ts';
import { driver, ViscaIpSimulator } from '../../drivers/visca-ip/index.ts';
import type { ViscaSerialSimulator } from '../../drivers/visca/index.ts';
import type { FrameLogEntry } from '../../drivers/visca/sim-wire.ts';
import { createDriverHarness } from '../helpers/driver-harness.ts';

/** `visca-ip` driver ↔ its simulator on 127.0.0.1: Sony UDP framing, raw UDP and raw TCP. */
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  cleanups = [];
});

const FAST = { retransmitMs: 60, maxResends: 2 };

async function sony(options: Record<string, unknown> = {}, sim: Record<string, unknown> = {}) {
  const simulator = await ViscaIpSimulator.start({ framing: 'sony', motionScale: 20, ...sim });
  cleanups.push(() => simulator.close());
  const h = createDriverHarness(driver, { ...FAST, ...options }, simulator.transport);
  cleanups.push(() => h.close());
  return { simulator, h };
}

const incoming = (log: FrameLogEntry[]) => log.filter((e) => e.dir === 'in');

describe('visca-ip, Sony VISCA over IP (UDP)', () => {
  it('RESETs first, then numbers every message 1, 2, 3… and never broadcasts', async () => {
    const { simulator, h } = await sony();
    await h.connect();
    await h.exec('powerOn');
    const rx = incoming(simulator.log.entries);
    expect(rx[0]!.hex).toBe('02 00 00 01 00 00 00 00 01');
    expect(rx.slice(1).map((e) => e.payloadHex)).toEqual(['81 09 04 00 FF', '81 09 04 47 FF', '81 09 06 12 FF', '81 01 04 00 02 FF']);
    expect(rx.slice(1).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(rx[1]!.hex).toBe('01 10 00 05 00 00 00 01 81 09 04 00 FF');
    expect(rx[4]!.hex).toBe('01 00 00 06 00 00 00 04 81 01 04 00 02 FF');
    expect(simulator.log.entries.find((e) => e.dir === 'out' && e.payloadHex === '90 41 FF')?.hex).toBe('01 11 00 03 00 00 00 04 90 41 FF');
    expect(rx.some((e) => e.payloadHex?.startsWith('88'))).toBe(false);
    expect(h.state.power).toBe('on');
  });

  it('resends a lost command with the same sequence number', async () => {
    const { simulator, h } = await sony();
    await h.connect();
    simulator.camera.dropNextIncoming(1);
    const from = simulator.log.entries.length;
    await h.exec('recallPreset', { preset: 2 });
    const rx = incoming(simulator.log.entries.slice(from));
    expect(rx.map((e) => [e.seq, e.payloadHex])).toEqual([
      [4, '81 01 04 3F 02 02 FF'],
      [4, '81 01 04 3F 02 02 FF'],
    ]);
    expect(h.state.preset).toBe(2);
  });

  it('resends when the ACK is lost; the camera answers ERROR 0F01 and the command counts as done', async () => {
    const { simulator, h } = await sony({}, { motionScale: 1 }); // a long move: its completion comes after the resend
    await h.connect();
    simulator.camera.dropNextReplies(1); // the ACK of the next command
    const from = simulator.log.entries.length;
    await h.exec('goto', { pan: 1, tilt: 1 });
    const log = simulator.log.entries.slice(from);
    expect(incoming(log).map((e) => [e.seq, e.payloadHex])).toEqual([
      [4, '81 01 06 02 18 17 02 02 00 00 01 02 00 00 FF'],
      [4, '81 01 06 02 18 17 02 02 00 00 01 02 00 00 FF'],
    ]);
    expect(log.filter((e) => e.dir === 'out').map((e) => e.hex)).toEqual(['02 01 00 02 00 00 00 04 0F 01']);
    // The next message moves on to a new number and works as usual.
    await h.exec('powerOn');
    const on = incoming(simulator.log.entries).find((e) => e.payloadHex === '81 01 04 00 02 FF');
    expect(on!.seq).toBeGreaterThan(4);
  });

  it('takes a completion that arrives before a lost ACK as the acceptance', async () => {
    const { simulator, h } = await sony();
    await h.connect();
    simulator.camera.dropNextReplies(1);
    await h.exec('home'); // at home already: completes within 1V, long before the resend
    expect(incoming(simulator.log.entries).filter((e) => e.payloadHex === '81 01 06 04 FF')).toHaveLength(1);
  });

  it('asks again with a new sequence number when an inquiry answer is lost', async () => {
    const { simulator, h } = await sony();
    await h.connect();
    simulator.camera.dropNextReplies(1); // the power answer
    const from = simulator.log.entries.length;
    await h.poll();
    const rx = incoming(simulator.log.entries.slice(from)).map((e) => [e.seq, e.payloadHex]);
    expect(rx.slice(0, 3)).toEqual([
      [4, '81 09 04 00 FF'],
      [4, '81 09 04 00 FF'],
      [5, '81 09 04 00 FF'],
    ]);
    expect(h.state.power).toBe('on');
  });

  it('RESETs and starts again at seq 1 when the camera refuses a sequence number (camera restarted)', async () => {
    const { simulator, h } = await sony();
    await h.connect();
    simulator.lastSeq = 1000; // as if the camera had a counter of its own
    const from = simulator.log.entries.length;
    await h.exec('powerOff');
    const rx = incoming(simulator.log.entries.slice(from)).map((e) => [e.seq, e.payloadHex ?? e.hex]);
    expect(rx).toEqual([
      [4, '81 01 04 00 03 FF'],
      [0, '02 00 00 01 00 00 00 00 01'],
      [1, '81 01 04 00 03 FF'],
    ]);
    expect(h.state.power).toBe('off');
  });

  it('stays in step when replies come later than the resend timer', async () => {
    const { simulator, h } = await sony(); // retransmitMs 60
    await h.connect();
    simulator.faults.delayMs = 90; // every reply arrives after the resend, whose 0F 01 comes at once
    await h.exec('home');
    await h.exec('powerOff');
    simulator.faults.delayMs = 0;
    await new Promise((r) => setTimeout(r, 200)); // the late ACKs and completions arrive and are sorted out
    await h.poll();
    expect(h.state).toMatchObject({ power: 'off', pan: 0, tilt: 0 });
    await h.exec('powerOn');
    await h.poll();
    expect(h.state.power).toBe('on');
    expect(h.lost).toEqual([]);
  });

  it('turns a syntax error into a DeviceError, and gets the same error when resent', async () => {
    const { h } = await sony();
    await h.connect();
    await expect(h.exec('send', { data: '81 01 7F 7F FF' })).rejects.toMatchObject({
      code: 'DeviceError',
      message: expect.stringContaining('camera replied syntax error (90 60 02 FF)'),
    });
    await expect(h.exec('send', { data: '88 30 01 FF' })).rejects.toMatchObject({ code: 'BadArgs', message: expect.stringMatching(/broadcasts/) });
  });

  it('fails to connect when the camera does not answer RESET', async () => {
    const { simulator, h } = await sony();
    simulator.faults.stalled = true;
    await expect(h.connect()).rejects.toMatchObject({ code: 'DeviceTimeout', message: expect.stringMatching(/no answer to RESET/) });
    expect(incoming(simulator.log.entries).map((e) => e.hex)).toEqual(Array(3).fill('02 00 00 01 00 00 00 00 01'));
  });

  it('calls lost after repeated timeouts', async () => {
    const { simulator, h } = await sony({ retransmitMs: 30, maxResends: 1, maxTimeouts: 2 });
    await h.connect();
    simulator.faults.stalled = true;
    await expect(h.exec('home')).rejects.toMatchObject({ code: 'DeviceTimeout' });
    await expect(h.exec('home')).rejects.toMatchObject({ code: 'DeviceTimeout' });
    expect(h.lost).toHaveLength(1);
  });

  it('moves, stops and reads position back, exactly as on RS-232', async () => {
    const { simulator, h } = await sony();
    await h.connect();
    await h.exec('move', { pan: -1 });
    await new Promise((r) => setTimeout(r, 50));
    await h.exec('stop');
    await h.poll();
    expect(h.state.pan).toBeLessThan(0);
    const payloads = incoming(simulator.log.entries).map((e) => e.payloadHex).filter((p) => p && !p.includes(' 09 '));
    expect(payloads).toEqual(['81 01 06 01 18 08 01 03 FF', '81 01 04 07 00 FF', '81 01 06 01 08 08 03 03 FF', '81 01 04 07 00 FF']);
  });

  it('refuses the sony framing over tcp with a clear message', async () => {
    const h = createDriverHarness(driver, { framing: 'sony' }, { type: 'tcp', host: '127.0.0.1', port: 9 });
    await expect(h.connect()).rejects.toMatchObject({ code: 'ConfigError', message: expect.stringMatching(/framing 'sony' runs over udp/) });
  });
});

describe('visca-ip, raw VISCA', () => {
  it('speaks bare VISCA datagrams on UDP', async () => {
    const handle = await driver.startSimulator!({ framing: 'raw' }, { framing: 'raw' } as never);
    cleanups.push(() => handle.close());
    const simulator = (handle as unknown as { simulator: ViscaIpSimulator }).simulator;
    const h = createDriverHarness(driver, { framing: 'raw' }, handle.transport);
    cleanups.push(() => h.close());
    await h.connect();
    await h.exec('recallPreset', { preset: 100 });
    expect(simulator.log.received()).toEqual(['81 09 04 00 FF', '81 09 04 47 FF', '81 09 06 12 FF', '81 01 04 3F 02 64 FF']);
    expect(simulator.log.sent()[0]).toBe('90 50 02 FF');
  });

  it('speaks bare VISCA on TCP (PTZOptics style), with no Address Set', async () => {
    const handle = await driver.startSimulator!({ framing: 'raw', protocol: 'tcp' }, { framing: 'raw' } as never);
    cleanups.push(() => handle.close());
    expect(handle.transport).toMatchObject({ type: 'tcp', host: '127.0.0.1' });
    const simulator = (handle as unknown as { simulator: ViscaSerialSimulator }).simulator;
    const h = createDriverHarness(driver, { framing: 'raw' }, handle.transport);
    cleanups.push(() => h.close());
    await h.connect();
    await h.exec('goto', { pan: 0, tilt: 0 });
    expect(simulator.log.received()).toEqual(['81 09 04 00 FF', '81 09 04 47 FF', '81 09 06 12 FF', '81 01 06 02 18 17 00 00 00 00 00 00 00 00 FF']);
    await simulator.disconnect();
    await h.waitForState(() => h.lost.length > 0, 2000);
  });
});

/**
 * A camera scripted by the test, for orderings the simulator does not produce on demand:
 * "camera expects bytes", "camera replies bytes".
 */
async function scriptedCamera() {
  const socket = dgram.createSocket('udp4');
  const inbox: Array<{ seq: number; hex: string }> = [];
  let wake: (() => void) | undefined;
  let peer: { port: number; address: string } | undefined;
  socket.on('message', (d, rinfo) => {
    peer = { port: rinfo.port, address: rinfo.address };
    const m = decodeIpMessage(d);
    if (!('error' in m)) inbox.push({ seq: m.seq, hex: toHex(m.payload) });
    wake?.();
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => socket.close(() => r())));
  return {
    transport: { type: 'udp' as const, host: '127.0.0.1', port: socket.address().port },
    /** The next message the driver sends: its sequence number and payload. */
    async expect(payloadHex: string): Promise<number> {
      while (!inbox.length) await new Promise<void>((r) => (wake = r));
      const m = inbox.shift()!;
      expect(m.hex).toBe(payloadHex);
      return m.seq;
    },
    reply(type: number, seq: number, payloadHex: string): void {
      socket.send(encodeIpMessage(type, seq, parseHex(payloadHex)), peer!.port, peer!.address);
    },
    pending: () => inbox.map((m) => `${m.seq}:${m.hex}`),
  };
}

describe('visca-ip, Sony framing against a scripted camera', () => {
  const REPLY = 0x0111;
  const CONTROL_REPLY = 0x0201;

  it('ignores a late ERROR 0F 01 and a late answer that belong to an earlier sequence number', async () => {
    const cam = await scriptedCamera();
    const h = createDriverHarness(driver, { retransmitMs: 80, maxResends: 2 }, cam.transport);
    cleanups.push(() => h.close());
    const connecting = h.connect();
    cam.reply(CONTROL_REPLY, await cam.expect('01'), '01');
    // Power inquiry, seq 1: "lost"; the resend comes; the late answer arrives, then the resend's 0F 01.
    expect(await cam.expect('81 09 04 00 FF')).toBe(1);
    expect(await cam.expect('81 09 04 00 FF')).toBe(1);
    cam.reply(REPLY, 1, '90 50 02 FF');
    const zoomSeq = await cam.expect('81 09 04 47 FF');
    cam.reply(CONTROL_REPLY, 1, '0F 01'); // about seq 1, not the zoom inquiry now in flight
    cam.reply(REPLY, zoomSeq, '90 50 01 00 00 00 FF');
    cam.reply(REPLY, await cam.expect('81 09 06 12 FF'), '90 50 00 00 00 00 00 00 00 00 FF');
    await connecting;
    expect(h.state).toMatchObject({ power: 'on', zoom: 0.25, pan: 0, tilt: 0 });

    // Poll: the power answer is lost, so the resend gets 0F 01 and the inquiry is asked again with a
    // new number. The old answer then turns up late, before the new one: it must not be taken.
    const polling = h.poll();
    const first = await cam.expect('81 09 04 00 FF');
    expect(await cam.expect('81 09 04 00 FF')).toBe(first);
    cam.reply(CONTROL_REPLY, first, '0F 01');
    const again = await cam.expect('81 09 04 00 FF');
    expect(again).toBe(first + 1);
    cam.reply(REPLY, first, '90 50 03 FF'); // late, stale
    cam.reply(REPLY, again, '90 50 02 FF');
    cam.reply(REPLY, await cam.expect('81 09 04 47 FF'), '90 50 02 00 00 00 FF');
    cam.reply(REPLY, await cam.expect('81 09 06 12 FF'), '90 50 00 00 00 00 00 00 00 00 FF');
    await polling;
    expect(h.state).toMatchObject({ power: 'on', zoom: 0.5 });
    expect(cam.pending()).toEqual([]); // and no RESET was sent after the first
  });
});
