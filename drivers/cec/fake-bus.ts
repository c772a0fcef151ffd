import { createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { chance, defaultFaults, type Faults } from '../../src/sim/faults.ts';
import { BROADCAST, formatFrame, parseFrameHex, type CecFrame } from './protocol.ts';
import { TvModel, type TvModelOptions } from './tv-model.ts';

/**
 * The CEC bus the fake cec-client joins over loopback TCP: the simulated TV lives here, in the
 * simulator's process, so tests and the demo can work its remote and its state survives restarts of
 * the fake client (as a real TV outlives a crashed cec-client).
 *
 * Line protocol: client `hello <logical>`, `tx <hex>` → server `ack 1|0`; server pushes `rx <hex>`
 * (frames for that client or broadcast) and `noise <text>` (garbage fault: printed verbatim).
 */
export interface FakeCecBus {
  readonly tv: TvModel;
  readonly faults: Faults;
  readonly port: number;
  /** Frames the clients transmitted (`40:04`), oldest first. */
  readonly transmitted: string[];
  close(): Promise<void>;
}

const NOISE = ['TRAFFIC: [   garbled]\t<< zz', 'TRAFFIC: [             12]\t>> 0f:9', '\u0000\u0013>>>', 'ERROR:   [  77]\tcommand \'CEC transmission\' was not acked by the controller'];

export async function startFakeCecBus(tvOptions: TvModelOptions = {}): Promise<FakeCecBus> {
  const clients = new Map<Socket, number>();
  const faults = defaultFaults();
  const transmitted: string[] = [];
  const tv = new TvModel((f: CecFrame) => {
    for (const [socket, logical] of clients) {
      if (f.destination === BROADCAST || f.destination === logical) socket.write(`rx ${formatFrame(f)}\n`);
    }
  }, tvOptions);
  const server: Server = createServer((socket) => {
    clients.set(socket, 0xf);
    socket.on('error', () => {}); // a client killed with frames unread resets the connection
    socket.on('close', () => clients.delete(socket));
    const lines = createInterface({ input: socket });
    // readline re-emits its input's errors: without this, that reset would crash the simulator's process
    lines.on('error', () => {});
    lines.on('line', (line) => {
      const space = line.indexOf(' ');
      const verb = space < 0 ? line : line.slice(0, space);
      const arg = space < 0 ? '' : line.slice(space + 1);
      if (verb === 'hello') clients.set(socket, Number(arg) & 0xf);
      else if (verb === 'tx') {
        if (faults.stalled) return; // a hung bus: the client never learns whether it was ACKed
        if (chance(faults.garbageRate)) socket.write(`noise ${NOISE[Math.floor(Math.random() * NOISE.length)]}\n`);
        const f = parseFrameHex(arg);
        if (f) transmitted.push(formatFrame(f));
        const acked = !!f && (tv.receive(f) || f.destination === BROADCAST);
        socket.write(`ack ${acked ? 1 : 0}\n`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    tv,
    faults,
    port,
    transmitted,
    async close() {
      tv.close();
      for (const s of clients.keys()) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
