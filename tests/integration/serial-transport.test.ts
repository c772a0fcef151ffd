import { afterEach, describe, expect, it } from 'vitest';
import { openSync, readSync, writeSync, closeSync } from 'node:fs';
import { createPtyPair, type PtyPair } from '../../src/sim/pty-pair.ts';
import { SerialTransport } from '../../src/transports/serial.ts';
import { requireTool } from '../helpers/tools.ts';

/** The serial transport over a real pty pair from socat: bytes both ways, and a vanished device noticed. */
describe.skipIf(!requireTool('socat', 'socat'))('SerialTransport over a socat pty', () => {
  let pty: PtyPair | undefined;
  afterEach(async () => {
    await pty?.close();
    pty = undefined;
  });

  it('carries bytes both ways', async () => {
    pty = await createPtyPair();
    const t = await new SerialTransport({ type: 'serial', path: pty.devicePath, baudRate: 9600 }).open();
    const fd = openSync(pty.simPath, 'r+');
    try {
      const got = new Promise<Buffer>((r) => t.onData(r));
      writeSync(fd, Buffer.from([0x90, 0x41, 0xff]));
      expect([...(await got)]).toEqual([0x90, 0x41, 0xff]);
      await t.write(Buffer.from([0x81, 0x01, 0x06, 0x04, 0xff]));
      const buf = Buffer.alloc(16);
      const n = readSync(fd, buf);
      expect([...buf.subarray(0, n)]).toEqual([0x81, 0x01, 0x06, 0x04, 0xff]);
    } finally {
      closeSync(fd);
      await t.close();
    }
  });

  it('reports the link lost within a few path checks when the device disappears (cable pulled)', async () => {
    pty = await createPtyPair();
    const watchMs = 250; // the default: the device path is checked this often
    const t = await new SerialTransport({ type: 'serial', path: pty.devicePath, baudRate: 9600 }, watchMs).open();
    const closed = new Promise<Error | undefined>((r) => t.onClose(r));
    const t0 = performance.now();
    await pty.close();
    pty = undefined;
    const error = await closed;
    // serialport says it its own way (EIO, "Disconnected", or our path watchdog): any error, not our own close
    expect(error).toBeInstanceOf(Error);
    expect(error!.message.length).toBeGreaterThan(0);
    // A few path checks, with room for a busy machine; a link that is never reported lost hangs above.
    expect(performance.now() - t0).toBeLessThan(watchMs * 8);
    expect(t.isOpen).toBe(false);
  });

  it('our own close reports no error', async () => {
    pty = await createPtyPair();
    const t = await new SerialTransport({ type: 'serial', path: pty.devicePath, baudRate: 9600 }).open();
    const closed = new Promise<Error | undefined>((r) => t.onClose(r));
    await t.close();
    expect(await closed).toBeUndefined();
  });
});
