import { describe, it, expect, vi } from 'vitest';
import { StreamLink, type ViscaLink } from '../../drivers/visca/link.ts';
import { BaseTransport } from '../../src/transports/transport.ts';
import { encode, parseHex, toHex } from '../../drivers/visca/protocol.ts';
import { ViscaSession } from '../../drivers/visca/session.ts';
import { positionToUnit, speedByte, unitToPosition, unitToZoom, zoomSpeedNibble, zoomToUnit } from '../../drivers/visca/units.ts';
import { silentLogger, type Logger } from '../../src/sdk/index.ts';

/** A link we drive by hand: what the session sent, and frames we make the camera "reply". */
function fakeLink() {
  const sent: string[] = [];
  const frameListeners: Array<(f: Buffer) => void> = [];
  const link: ViscaLink = {
    description: 'fake',
    isOpen: true,
    send: async (packet) => {
      sent.push(toHex(packet));
      return 'sent';
    },
    onFrame: (l) => void frameListeners.push(l),
    onClose: () => {},
    onNotice: () => {},
    close: async () => {},
  };
  const reply = (hex: string) => frameListeners.forEach((l) => l(parseHex(hex)));
  return { link, sent, reply };
}

const flush = () => new Promise((r) => setImmediate(r));

function makeSession(overrides: Partial<ConstructorParameters<typeof ViscaSession>[1]> = {}, log: Logger = silentLogger) {
  const f = fakeLink();
  const onLost = vi.fn();
  const onNetworkChange = vi.fn();
  const session = new ViscaSession(f.link, { address: 1, replyTimeoutMs: 200, maxTimeouts: 3, log, onLost, onNetworkChange, ...overrides });
  return { ...f, session, onLost, onNetworkChange };
}

describe('ViscaSession: matching by socket', () => {
  it('resolves on ACK and settles completions by socket, out of order', async () => {
    const { session, sent, reply } = makeSession();
    const first = session.command(encode.memory(1, 'recall', 1), 'recall 1');
    await flush();
    reply('90 41 FF');
    const a = await first;
    expect(a.socket).toBe(1);
    const second = session.command(encode.zoomDirect(1, 0x1000), 'zoom');
    await flush();
    expect(sent).toEqual(['81 01 04 3F 02 01 FF', '81 01 04 47 01 00 00 00 FF']);
    reply('90 42 FF');
    const b = await second;
    const order: number[] = [];
    void a.completion.then(() => order.push(1));
    void b.completion.then(() => order.push(2));
    reply('90 52 FF'); // socket 2 finishes first
    reply('90 51 FF');
    await flush();
    expect(order).toEqual([2, 1]);
  });

  it('sends one packet at a time: the next waits for the first reply', async () => {
    const { session, sent, reply } = makeSession();
    const p1 = session.command(encode.power(1, true), 'on');
    const p2 = session.inquiry(encode.powerInquiry(1), 'inq');
    await flush();
    expect(sent).toHaveLength(1);
    reply('90 41 FF');
    await p1;
    await flush();
    expect(sent).toHaveLength(2);
    reply('90 50 02 FF');
    expect(toHex((await p2).data)).toBe('02');
  });

  it('keeps a list per socket (PTZOptics reuses a socket before completing it)', async () => {
    const { session, reply } = makeSession();
    const acks = [];
    for (let i = 0; i < 2; i++) {
      const p = session.command(encode.home(1), `home ${i}`);
      await flush();
      reply('90 41 FF');
      acks.push(await p);
    }
    const done: number[] = [];
    acks.forEach((a, i) => void a.completion.then(() => done.push(i)));
    reply('90 51 FF');
    await flush();
    expect(done).toEqual([0]);
    reply('90 51 FF');
    await flush();
    expect(done).toEqual([0, 1]);
  });

  it('treats a completion with no ACK as acceptance (IF_Clear → 90 50 FF)', async () => {
    const { session, reply } = makeSession();
    const p = session.command(encode.ifClear(1), 'IF_Clear');
    await flush();
    reply('90 50 FF');
    expect((await p).socket).toBeNull();
  });

  it('turns device errors into DeviceError with the bytes in the message', async () => {
    const { session, reply } = makeSession();
    const p = session.command(parseHex('81 01 7F 7F FF'), 'raw');
    await flush();
    reply('90 60 02 FF');
    await expect(p).rejects.toMatchObject({ code: 'DeviceError', message: expect.stringContaining('camera replied syntax error (90 60 02 FF)') });
    const q = session.command(encode.home(1), 'home');
    await flush();
    reply('90 60 03 FF');
    await expect(q).rejects.toMatchObject({ code: 'DeviceError', details: { code: 3 }, message: expect.stringContaining('command buffer full') });
  });

  it('routes a not-executable error to a running socket when nothing awaits a reply', async () => {
    const { session, reply } = makeSession();
    const p = session.command(encode.home(1), 'home');
    await flush();
    reply('90 41 FF');
    const ack = await p;
    reply('90 61 41 FF');
    await expect(ack.completion).rejects.toThrow(/command not executable \(90 61 41 FF\) while running home/);
  });

  it('matches a Cancel reply and fails the cancelled command', async () => {
    const { session, reply } = makeSession();
    const p = session.command(encode.home(1), 'home');
    await flush();
    reply('90 41 FF');
    const ack = await p;
    const c = session.cancel(encode.cancel(1, 1), 'cancel');
    await flush();
    reply('90 61 04 FF');
    expect(toHex(await c)).toBe('90 61 04 FF');
    await expect(ack.completion).rejects.toThrow(/cancelled/);
    expect(session.busySockets()).toEqual([]);
  });

  it('accepts a quirky reply header, logging it once as a warning', async () => {
    const warn = vi.fn();
    const log = { ...silentLogger, warn, debug: vi.fn() } as unknown as Logger;
    const { session, reply } = makeSession({}, log);
    for (let i = 0; i < 2; i++) {
      const p = session.inquiry(encode.powerInquiry(1), 'inq');
      await flush();
      reply('A0 50 02 FF');
      expect(toHex((await p).data)).toBe('02');
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![1])).toMatch(/A0 where 90 was expected/);
  });

  it('survives garbage frames and reports network changes', async () => {
    const { session, reply, onNetworkChange } = makeSession();
    reply('90 61 FF');
    reply('90 41 FF'); // an ACK nobody waits for
    reply('90 38 FF');
    expect(onNetworkChange).toHaveBeenCalledTimes(1);
    const p = session.inquiry(encode.powerInquiry(1), 'inq');
    await flush();
    reply('90 50 03 FF');
    expect(toHex((await p).data)).toBe('03');
  });

  it('times out with DeviceTimeout and declares the link lost after maxTimeouts', async () => {
    const { session, onLost, reply } = makeSession({ replyTimeoutMs: 30, maxTimeouts: 2 });
    await expect(session.inquiry(encode.powerInquiry(1), 'inq 1')).rejects.toMatchObject({ code: 'DeviceTimeout', message: expect.stringMatching(/no reply from camera to inq 1 \(81 09 04 00 FF\) within 30 ms/) });
    expect(onLost).not.toHaveBeenCalled();
    await expect(session.inquiry(encode.powerInquiry(1), 'inq 2')).rejects.toMatchObject({ code: 'DeviceTimeout' });
    expect(onLost).toHaveBeenCalledTimes(1);
    // A reply resets the streak.
    const p = session.inquiry(encode.powerInquiry(1), 'inq 3');
    await flush();
    reply('90 50 02 FF');
    await p;
  });

  it('withdraws a queued request when its signal aborts, and fails everything on close', async () => {
    const { session, sent } = makeSession();
    const first = session.command(encode.home(1), 'home');
    const controller = new AbortController();
    const second = session.command(encode.power(1, true), 'on', controller.signal);
    controller.abort(new Error('gone'));
    await expect(second).rejects.toThrow('gone');
    session.close(new Error('closed'));
    await expect(first).rejects.toThrow('closed');
    expect(sent).toEqual(['81 01 06 04 FF']);
    await expect(session.inquiry(encode.powerInquiry(1), 'late')).rejects.toThrow('closed');
  });
});

describe('unit conversions (defaults: SRG-300H)', () => {
  const pan = { min: -0x2200, max: 0x2200 };
  const tilt = { min: -0x0400, max: 0x1200 };
  const zoom = { min: 0, max: 0x4000 };

  it.each([
    [0, 0],
    [1, 0x2200],
    [-1, -0x2200],
    [0.5, 0x1100],
  ])('pan %d ↔ %d camera units', (unit, camera) => {
    expect(unitToPosition(unit, pan)).toBe(camera);
    expect(positionToUnit(camera, pan)).toBe(unit);
  });

  it('maps an asymmetric tilt range piecewise so 0 stays level', () => {
    expect(unitToPosition(0, tilt)).toBe(0);
    expect(unitToPosition(1, tilt)).toBe(0x1200);
    expect(unitToPosition(-1, tilt)).toBe(-0x0400);
    expect(positionToUnit(-0x0200, tilt)).toBe(-0.5);
    expect(positionToUnit(0x7fff, tilt)).toBe(1); // clamped
  });

  it('maps zoom 0..1 linearly over the optical range', () => {
    expect(unitToZoom(1, zoom)).toBe(0x4000);
    expect(unitToZoom(0.25, zoom)).toBe(0x1000);
    expect(zoomToUnit(0x2000, zoom)).toBe(0.5);
    expect(zoomToUnit(0x7ac0, zoom)).toBe(1); // digital zoom beyond the range reads as 1
  });

  it('maps speeds −1..1 onto 1..max, 0 meaning stopped', () => {
    expect(speedByte(0, 0x18)).toBe(0);
    expect(speedByte(1, 0x18)).toBe(0x18);
    expect(speedByte(-1, 0x17)).toBe(0x17);
    expect(speedByte(0.001, 0x18)).toBe(1);
    expect(speedByte(0.5, 0x18)).toBe(0x0c);
    expect(zoomSpeedNibble(-1, 7)).toBe(7);
    expect(zoomSpeedNibble(0.05, 7)).toBe(0);
  });
});

/** A byte transport we feed by hand. */
class FakeTransport extends BaseTransport {
  readonly description = 'fake:serial';
  written: Buffer[] = [];
  async write(data: Uint8Array | string): Promise<void> {
    this.written.push(Buffer.from(data as Uint8Array));
  }
  async close(): Promise<void> {
    this.closing = true;
    this.emitClose();
  }
  feed(hex: string): void {
    this.emitData(parseHex(hex));
  }
}

describe('StreamLink', () => {
  it('frames a byte stream and reports the bytes it discarded', async () => {
    const t = new FakeTransport();
    const link = new StreamLink(t);
    const frames: string[] = [];
    const notices: string[] = [];
    link.onFrame((f) => frames.push(toHex(f)));
    link.onNotice((n) => notices.push(n));
    t.feed('12 90');
    t.feed('41 FF 90');
    t.feed('51 FF');
    expect(frames).toEqual(['90 41 FF', '90 51 FF']);
    expect(notices).toEqual([expect.stringMatching(/discarded 1 byte/)]);
    expect(await link.send(parseHex('81 01 06 04 FF'))).toBe('sent');
    expect(t.written.map(toHex)).toEqual(['81 01 06 04 FF']);
  });

  it('reports our own close without an error', async () => {
    const t = new FakeTransport();
    const link = new StreamLink(t);
    const closed = new Promise<Error | undefined>((r) => link.onClose(r));
    await link.close();
    expect(await closed).toBeUndefined();
  });
});
