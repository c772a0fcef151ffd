import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

/**
 * A device that sends garbage cannot flood the log. A Shure DCS driver's socket is fed random
 * bytes (each '<' … '>' stretch is an unparseable frame, everything between is junk) — before the
 * fix, 78 000 warn lines in 50 s. The daemon's real pino logger writes into this test, which counts
 * the device's lines: a few of each kind, then one line per interval with the count left out, and
 * no line carries more than a short cut of the raw bytes.
 */
describe('log flood from a device sending garbage', () => {
  let server: Server;
  let daemon: TestDaemon;
  const sockets = new Set<Socket>();
  const lines: Array<Record<string, unknown> & { raw: string }> = [];
  let sent = 0;
  let feeding = true;

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
      const feed = () => {
        if (!feeding || socket.destroyed) return;
        const chunk = randomBytes(16_384);
        sent += chunk.length;
        socket.write(chunk, () => setTimeout(feed, 2));
      };
      feed();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const raw of chunk.toString().split('\n')) if (raw) lines.push({ ...(JSON.parse(raw) as Record<string, unknown>), raw });
        done();
      },
    });
    daemon = await startTestDaemon(
      `
room: { id: flood, name: Salle }
devices:
  mics: { driver: shure-dcs, transport: { type: tcp, host: 127.0.0.1, port: ${port} }, options: { model: MXA310 } }
`,
      { log: pino({ level: 'info' }, sink) },
    );
  });
  afterAll(async () => {
    feeding = false;
    await daemon?.close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('writes a few lines of each kind, then counts; raw bytes are cut', { timeout: 90_000 }, async () => {
    const fromMics = () => lines.filter((l) => l.device === 'mics');
    // Feed at least 2 MB (≈ 8 000 frames at one '<' in 256 bytes), then wait for the interval's summary.
    await eventually(() => sent, (n) => n >= 2_000_000, 30_000);
    const summary = await eventually(() => fromMics().find((l) => typeof l.repeated === 'number'), Boolean, 20_000).catch((err) => {
      throw new Error(`${(err as Error).message}; sent ${sent} bytes; lines: ${lines.slice(0, 40).map((l) => `${String(l.device)}:${String(l.msg)}`).join(' / ')}`);
    });
    expect(summary!.repeated as number).toBeGreaterThan(100);
    expect(summary!.msg).toMatch(/repeated: \d+ more like this in the last 10 s/);

    const device = fromMics();
    if (process.env.ROOMD_FLOOD_FIGURES) console.log(JSON.stringify({ sent, lines: device.length, repeated: summary!.repeated }));
    // Without the summary this was thousands of lines; now a handful of kinds × 5, plus their counts.
    expect(device.length).toBeLessThan(120);
    for (const line of device) expect(line.raw.length, line.raw.slice(0, 200)).toBeLessThan(1200);
    const frames = device.filter((l) => typeof l.frame === 'string' || typeof l.junk === 'string');
    expect(frames.length).toBeGreaterThan(0);
    for (const l of frames) expect(String(l.frame ?? l.junk).length).toBeLessThanOrEqual(160 + 20);
  });
});
