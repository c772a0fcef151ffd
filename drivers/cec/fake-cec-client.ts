/**
 * A stand-in for libCEC's `cec-client` for demos and machines without cec-utils/socat. Started as
 * `node --import tsx fake-cec-client.ts [--bus HOST:PORT] [--sim JSON] -d 8 -t p -o roomd [PORT]`,
 * it prints the same lines the real one does (banners, `TRAFFIC: [ ms]\t<< 40:04`, `waiting for
 * input`, `power status: on`) and reads the same stdin commands, so the cec driver runs unchanged.
 *
 * The CEC bus is either the simulator's TCP bus (`--bus`, see fake-bus.ts: the TV lives in the
 * simulator process and outlives restarts of this process) or, without `--bus`, a TV in-process.
 */
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';
import { BROADCAST, Opcode, formatFrame, frame, parseFrameHex, powerFromStatus, type CecFrame } from './protocol.ts';
import { TvModel, type TvModelOptions } from './tv-model.ts';

const POWER_TEXT = { on: 'on', off: 'standby', warming: 'in transition from standby to on', cooling: 'in transition from on to standby', unknown: 'unknown' };
const TYPES: Record<string, { name: string; address: number; type: number }> = {
  p: { name: 'playback device', address: 4, type: 4 },
  r: { name: 'recording device', address: 1, type: 1 },
  t: { name: 'tuner', address: 3, type: 3 },
  a: { name: 'audio system', address: 5, type: 5 },
};

/** The bus as the fake sees it: transmit returns whether the destination ACKed. */
interface Bus {
  transmit(f: CecFrame): Promise<boolean>;
  onFrame(listener: (f: CecFrame) => void): void;
}

function parseArgs(argv: string[]) {
  const out = { level: 31, type: 'r', osd: 'CECTester', bus: undefined as string | undefined, sim: {} as TvModelOptions };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-d' || a === '--log-level') out.level = Number(argv[++i]);
    else if (a === '-t' || a === '--type') out.type = argv[++i];
    else if (a === '-o' || a === '--osd-name') out.osd = argv[++i].slice(0, 12);
    else if (a === '--bus') out.bus = argv[++i];
    else if (a === '--sim') out.sim = JSON.parse(argv[++i]) as TvModelOptions;
    // anything else is the adapter port, which a fake has no use for
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const me = TYPES[args.type] ?? TYPES.r;
const started = Date.now();
const print = (text: string) => process.stdout.write(`${text}\n`);
const traffic = (dir: '<<' | '>>', f: CecFrame) => {
  if (args.level & 8) print(`TRAFFIC: [${String(Date.now() - started).padStart(16)}]\t${dir} ${formatFrame(f)}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Frames from the bus for us (or broadcast) are printed as received; waiters see them too. */
const frameWaiters = new Set<(f: CecFrame) => boolean>();
function received(f: CecFrame): void {
  if (f.destination !== me.address && f.destination !== BROADCAST) return;
  traffic('>>', f);
  for (const w of frameWaiters) if (w(f)) frameWaiters.delete(w);
}

function waitFrame(match: (f: CecFrame) => boolean, ms: number): Promise<CecFrame | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      frameWaiters.delete(check);
      resolve(undefined);
    }, ms);
    const check = (f: CecFrame) => {
      if (!match(f)) return false;
      clearTimeout(timer);
      resolve(f);
      return true;
    };
    frameWaiters.add(check);
  });
}

function localBus(): Bus {
  const listeners: Array<(f: CecFrame) => void> = [];
  const tv = new TvModel((f) => listeners.forEach((l) => l(f)), args.sim);
  return {
    transmit: async (f) => f.destination === BROADCAST || tv.receive(f),
    onFrame: (l) => listeners.push(l),
  };
}

/** The simulator's bus: `tx HEX` → `ack 1|0`; pushed `rx HEX` frames; `noise TEXT` to print as is. */
async function tcpBus(address: string): Promise<Bus> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const socket = createConnection({ host, port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('close', () => process.exit(1)); // the adapter is gone
  socket.write(`hello ${me.address}\n`);
  const listeners: Array<(f: CecFrame) => void> = [];
  const acks: Array<(ok: boolean) => void> = [];
  const lines = createInterface({ input: socket });
  lines.on('error', () => {}); // readline re-emits the socket's errors; 'close' above ends the process
  lines.on('line', (line) => {
    const [verb, rest = ''] = [line.slice(0, line.indexOf(' ') >>> 0), line.slice(line.indexOf(' ') + 1)];
    if (verb === 'ack') acks.shift()?.(rest === '1');
    else if (verb === 'rx') {
      const f = parseFrameHex(rest);
      if (f) listeners.forEach((l) => l(f));
    } else if (verb === 'noise') print(rest);
  });
  return {
    transmit: (f) =>
      new Promise((resolve) => {
        acks.push(resolve);
        socket.write(`tx ${formatFrame(f)}\n`);
      }),
    onFrame: (l) => listeners.push(l),
  };
}

/** Like libCEC's Transmit: log the frame, put it on the bus, report the ACK. */
async function tx(bus: Bus, f: CecFrame): Promise<boolean> {
  traffic('<<', f);
  return bus.transmit(f);
}

async function startUp(bus: Bus): Promise<void> {
  if (args.level >= 1 && args.level <= 31) print(`log level set to ${args.level}`);
  print(`== using device type '${me.name}'`);
  print(`using osd name ${args.osd}`);
  print('CEC Parser created - libCEC version 6.0.2');
  print('opening a connection to the CEC adapter...');
  await sleep(100);
  await tx(bus, frame(0xf, 0));
  await tx(bus, frame(0xf, 0, Opcode.GIVE_DEVICE_VENDOR_ID));
  await sleep(50);
  // logical address allocation: the poll of our own address must go unanswered (libCEC tries twice)
  await tx(bus, frame(me.address, me.address));
  await tx(bus, frame(me.address, me.address));
  await tx(bus, frame(me.address, BROADCAST, Opcode.REPORT_PHYSICAL_ADDRESS, 0x10, 0x00, me.type));
  await tx(bus, frame(me.address, 0, Opcode.SET_OSD_NAME, ...Buffer.from(args.osd, 'ascii')));
  await tx(bus, frame(me.address, 0, Opcode.GIVE_DEVICE_POWER_STATUS));
  print('waiting for input');
}

async function powerStatus(bus: Bus, dest: number): Promise<string> {
  const reply = waitFrame((f) => f.initiator === dest && f.opcode === Opcode.REPORT_POWER_STATUS, 1000);
  if (!(await tx(bus, frame(me.address, dest, Opcode.GIVE_DEVICE_POWER_STATUS)))) return POWER_TEXT.unknown;
  const f = await reply;
  return POWER_TEXT[powerFromStatus(f?.operands[0])];
}

async function key(bus: Bus, code: number): Promise<string> {
  const report = waitFrame((f) => f.opcode === Opcode.REPORT_AUDIO_STATUS, 500);
  await tx(bus, frame(me.address, 0, Opcode.USER_CONTROL_PRESSED, code));
  await tx(bus, frame(me.address, 0, Opcode.USER_CONTROL_RELEASE));
  const f = await report;
  return (f?.operands[0] ?? 0x7f).toString(16).toUpperCase().padStart(2, ' ');
}

/** One stdin command; returns whether cec-client would print `waiting for input` after it. */
async function command(bus: Bus, line: string): Promise<boolean> {
  const [cmd, ...rest] = line.trim().split(/\s+/);
  const arg = rest.join(' ');
  const addr = parseInt(rest[0] ?? '', 16);
  switch (cmd) {
    case 'tx':
    case 'txn': {
      // like CommandFromString: tokens up to the first space, parsed base 16
      const f = parseFrameHex(arg.split(' ')[0] ?? '');
      if (f) await tx(bus, f);
      return true;
    }
    case 'on':
      if (!(addr >= 0 && addr <= 15)) return print('invalid destination'), true;
      await tx(bus, addr === 0 ? frame(me.address, 0, Opcode.IMAGE_VIEW_ON) : frame(me.address, addr, Opcode.USER_CONTROL_PRESSED, 0x40));
      return false;
    case 'standby':
      if (!(addr >= 0 && addr <= 15)) return print('invalid destination'), true;
      await tx(bus, frame(me.address, addr, Opcode.STANDBY));
      return false;
    case 'pow':
      print(`power status: ${await powerStatus(bus, Number.isNaN(addr) ? 0 : addr)}`);
      return false;
    case 'as':
      await tx(bus, frame(me.address, 0, Opcode.IMAGE_VIEW_ON));
      await tx(bus, frame(me.address, BROADCAST, Opcode.ACTIVE_SOURCE, 0x10, 0x00));
      return false;
    case 'volup':
      print(`volume up: ${await key(bus, 0x41)}`);
      return false;
    case 'voldown':
      print(`volume down: ${await key(bus, 0x42)}`);
      return false;
    case 'mute':
      print(`mute: ${await key(bus, 0x43)}`);
      return false;
    case 'q':
    case 'quit':
      process.exit(0);
      break;
    default:
      return rest.length > 0;
  }
  return false;
}

async function main(): Promise<void> {
  process.on('SIGINT', () => {
    print('signal caught: 2 - exiting');
    process.exit(0);
  });
  const bus = args.bus ? await tcpBus(args.bus) : localBus();
  bus.onFrame(received);
  await startUp(bus);
  // cec-client handles one command at a time; so do we
  let chain = Promise.resolve();
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    chain = chain.then(async () => {
      if (await command(bus, line)) print('waiting for input');
    });
  });
  rl.on('close', () => void chain.then(() => process.exit(0)));
}

main().catch((err: Error) => {
  print(`unable to open the device on port ${args.bus ?? 'RPI'}`);
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
