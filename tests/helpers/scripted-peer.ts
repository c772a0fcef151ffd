import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * A peer that replays a real device's (or program's) recorded output: when the driver writes a
 * request the script knows, the peer answers with the transcript's reply, cut the way the test asks
 * — one byte per write, each reply in one write, or at given points. Served over a real TCP socket
 * or as a child process on stdio, so the driver's own transport, framer and waits see the chunks.
 *
 * Bytes are carried as latin1 strings (one char per byte): scripts stay JSON for the child process.
 */

/** How replies are cut into writes: one byte each, one write per reply, or at these offsets. */
export type Chunking = 'bytes' | 'whole' | readonly number[];

/** When the driver has written `on` (anywhere in what it sent and the peer has not consumed), reply. */
export interface PeerRule {
  on: string;
  reply: string;
  /** Used once, then later rules with the same `on` take over (e.g. a first and a second answer). */
  once?: boolean;
}

export interface PeerScript {
  /** Written as soon as the driver connects (a banner, a start-up log). */
  greeting?: string;
  rules: PeerRule[];
}

/** Bytes written as hex (`'AA FF 00 03'`) as a latin1 string, for binary scripts. */
export function bin(hex: string): string {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex').toString('latin1');
}

/** `data` cut into writes according to `chunking` (offsets taken modulo length + 1). */
export function chunksOf(data: string, chunking: Chunking): string[] {
  if (chunking === 'whole' || data.length <= 1) return [data];
  if (chunking === 'bytes') return [...data];
  const at = [...new Set(chunking.map((c) => c % (data.length + 1)))].filter((c) => c > 0 && c < data.length).sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const c of [...at, data.length]) {
    out.push(data.slice(from, c));
    from = c;
  }
  return out;
}

/** The rule engine, shared by the TCP and the process peer. */
export class ScriptEngine {
  private pending = '';
  private readonly used = new Set<number>();
  private queue: Promise<void> = Promise.resolve();
  /** Everything the driver wrote, in order (latin1). */
  received = '';

  constructor(
    private readonly script: PeerScript,
    private readonly chunking: Chunking,
    private readonly write: (bytes: Buffer) => void,
  ) {}

  start(): void {
    if (this.script.greeting) this.send(this.script.greeting);
  }

  push(chunk: Buffer): void {
    const text = chunk.toString('latin1');
    this.received += text;
    this.pending += text;
    for (;;) {
      let best: { index: number; rule: number } | undefined;
      this.script.rules.forEach((r, i) => {
        if (this.used.has(i)) return;
        const index = this.pending.indexOf(r.on);
        if (index >= 0 && (!best || index < best.index)) best = { index, rule: i };
      });
      if (!best) return;
      const rule = this.script.rules[best.rule]!;
      if (rule.once) this.used.add(best.rule);
      this.pending = this.pending.slice(best.index + rule.on.length);
      this.send(rule.reply);
    }
  }

  /** Writes in order; a pause between chunks so each one reaches the driver as its own read. */
  private send(data: string): void {
    const chunks = chunksOf(data, this.chunking);
    this.queue = this.queue.then(async () => {
      for (const c of chunks) {
        this.write(Buffer.from(c, 'latin1'));
        // One turn of the event loop: the driver (in this process, or reading a pipe) gets
        // the chunk as a read of its own before the next one is written.
        if (chunks.length > 1) await new Promise((r) => setImmediate(r));
      }
    });
  }
}

export interface TcpPeer {
  port: number;
  /** What the driver wrote over every connection (latin1). */
  received(): string;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 (port chosen at run time) that runs `script` for every connection. */
export async function startTcpPeer(script: PeerScript, chunking: Chunking): Promise<TcpPeer> {
  const sockets = new Set<Socket>();
  let received = '';
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.setNoDelay(true);
    const engine = new ScriptEngine(script, chunking, (b) => {
      if (!socket.destroyed) socket.write(b);
    });
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      engine.push(d);
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    engine.start();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    received: () => received,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The command line of a child process that runs `script` on its stdio (for process transports):
 * `{ command, args }` as a `process` transport takes them.
 */
export function processPeerCommand(script: PeerScript, chunking: Chunking): { command: string; args: string[] } {
  const here = fileURLToPath(new URL('./scripted-peer-process.ts', import.meta.url));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const payload = Buffer.from(JSON.stringify({ script, chunking }), 'utf8').toString('base64');
  return { command: process.execPath, args: ['--import', tsx, here, payload] };
}
