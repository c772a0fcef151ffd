import { generateKeyPairSync } from 'node:crypto';
import net from 'node:net';
import { SerialPort } from 'serialport';
import ssh2 from 'ssh2';
import type { SimulatorHandle, TransportConfig } from '../../src/sdk/index.ts';
import { chance, defaultFaults, garbage, sleep, type Faults } from '../../src/sim/faults.ts';
import { createPtyPair, type PtyPair } from '../../src/sim/pty-pair.ts';
import { SimCodec, type FeedbackItem } from './sim-codec.ts';

/**
 * A Cisco codec speaking the xAPI terminal protocol over real TCP (Telnet-style, with a
 * `login:`/`Password:` prompt) and, when asked, over SSH (ssh2 Server, password auth, shell or
 * exec channel) or RS-232 (a socat pty pair; like a real serial port it prints its `login:` only
 * once poked with a newline). Sessions keep their own echo flag and feedback registrations.
 */

export interface CiscoSimOptions {
  /** Which transport `handle.transport` points at; `ssh` / `serial` also start that listener. Default tcp. */
  transport?: 'tcp' | 'ssh' | 'serial';
  username?: string;
  password?: string;
  /** TCP and serial sessions ask for a login first (`SerialPort LoginRequired: On`). Default true. */
  loginRequired?: boolean;
  /** Delay between call progress steps. Default 100 ms. */
  connectDelayMs?: number;
  systemName?: string;
}

/** One line the simulator received, for assertions. */
export interface ReceivedLine {
  session: number;
  via: Via;
  line: string;
  at: number;
}

export interface CiscoSimulator extends SimulatorHandle {
  readonly codec: SimCodec;
  readonly faults: Faults;
  /** Every command line received after login, in order, tags included. */
  readonly received: ReceivedLine[];
  /** Sessions currently open. */
  readonly sessionCount: number;
  /** Config for the TCP listener (always running). */
  readonly tcp: TransportConfig;
  /** Config for the SSH listener, when started. */
  readonly ssh?: TransportConfig;
  /** Lines received that match `pattern`. */
  linesMatching(pattern: RegExp): string[];
  /** Cuts every open session, as a reboot or a network blip would. */
  dropConnections(): void;
}

type Via = 'tcp' | 'ssh' | 'serial';

interface Sink {
  write(text: string): void;
  end(): void;
}

class Session {
  echo = true;
  loggedIn: boolean;
  private stage: 'user' | 'password' = 'user';
  private user = '';
  private buffer = '';
  private readonly registrations: string[][] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly id: number,
    readonly via: Via,
    private readonly sink: Sink,
    private readonly sim: SimState,
  ) {
    this.loggedIn = via === 'ssh' || !sim.options.loginRequired;
    if (via === 'ssh') this.out(banner(sim.options.systemName));
    else if (via === 'tcp' && !this.loggedIn) this.out('login: ');
  }

  onData(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buffer.search(/\r?\n|\r/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer[nl] === '\r' && this.buffer[nl + 1] === '\n' ? 2 : 1));
      this.onLine(line);
    }
  }

  /** Sends feedback items that match this session's registrations, as one `** end` block. */
  feedback(items: FeedbackItem[]): void {
    const lines = items.filter((i) => this.registered(i)).map((i) => i.line);
    if (lines.length && !this.sim.faults.stalled) this.out(`${lines.join('\r\n')}\r\n** end\r\n`);
  }

  private registered(item: FeedbackItem): boolean {
    const kind = item.kind === 'status' ? 'status' : 'event';
    const path = item.path.filter((p) => !/^\d+$/.test(p)).map((p) => p.toLowerCase());
    return this.registrations.some((r) => r[0] === kind && r.slice(1).every((seg, i) => path[i] === seg));
  }

  private onLine(line: string): void {
    if (!this.loggedIn) return this.onLoginLine(line.trim());
    if (line.trim() === '') return;
    this.sim.received.push({ session: this.id, via: this.via, line, at: Date.now() });
    if (chance(this.sim.faults.dropRate)) return; // lost on the wire
    if (this.echo) this.out(`${line}\r\n`);
    const words = line.trim().toLowerCase().split(/\s+/);
    if (words[0] === 'echo') this.echo = words[1] !== 'off';
    if (words[0] === 'xfeedback' && words[2]?.startsWith('/')) {
      const path = words[2].split('/').filter(Boolean);
      if (words[1] === 'register') this.registrations.push(path);
      else if (words[1] === 'deregister') this.registrations.splice(0, this.registrations.length, ...this.registrations.filter((r) => r.join('/') !== path.join('/')));
    }
    const { lines, after } = this.sim.codec.execute(line);
    this.reply(`${lines.join('\r\n')}\r\n`, after);
  }

  private onLoginLine(text: string): void {
    if (this.stage === 'user') {
      if (text === '') return this.out('login: ');
      this.user = text;
      this.stage = 'password';
      return this.out('Password: ');
    }
    this.stage = 'user';
    if (this.user === this.sim.options.username && text === this.sim.options.password) {
      this.loggedIn = true;
      return this.out(banner(this.sim.options.systemName));
    }
    this.out('Login incorrect\r\n\r\nlogin: ');
  }

  /** Replies in order, after the fault delay, maybe with line noise in front. */
  private reply(text: string, after?: () => void): void {
    const faults = this.sim.faults;
    this.queue = this.queue.then(async () => {
      if (faults.stalled) return;
      if (faults.delayMs > 0) await sleep(faults.delayMs);
      // Noise arrives as its own broken line: a serial glitch, not a corrupted reply.
      if (chance(faults.garbageRate)) this.out(`${garbage().toString('latin1')}\r\n`);
      this.out(text);
      after?.();
    });
  }

  private out(text: string): void {
    try {
      this.sink.write(text);
    } catch {
      // the peer went away mid-write; the close handler cleans up
    }
  }

  close(): void {
    this.sink.end();
  }
}

interface SimState {
  options: Required<CiscoSimOptions>;
  faults: Faults;
  codec: SimCodec;
  received: ReceivedLine[];
}

function banner(systemName: string): string {
  return `Welcome to ${systemName}\r\nCisco Codec Release RoomOS 11.9.1.5 (simulated)\r\nSW Release Date: 2024-01-15\r\n*r Login successful\r\n\r\nOK\r\n`;
}

/** Starts the simulator; see {@link CiscoSimOptions}. */
export async function startCiscoSimulator(opts: CiscoSimOptions = {}): Promise<CiscoSimulator> {
  const options: Required<CiscoSimOptions> = {
    transport: opts.transport ?? 'tcp',
    username: opts.username ?? 'admin',
    password: opts.password ?? 'secret',
    loginRequired: opts.loginRequired ?? true,
    connectDelayMs: opts.connectDelayMs ?? 100,
    systemName: opts.systemName ?? 'roomd-sim',
  };
  const sessions = new Set<Session>();
  const codec = new SimCodec({ connectDelayMs: options.connectDelayMs }, (items) => {
    for (const s of sessions) s.feedback(items);
  });
  const state: SimState = { options, faults: defaultFaults(), codec, received: [] };
  let nextSession = 1;

  const sockets = new Set<net.Socket>();
  const tcpServer = net.createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    const session = new Session(nextSession++, 'tcp', { write: (t) => socket.write(t), end: () => socket.destroy() }, state);
    sessions.add(session);
    socket.on('data', (chunk) => session.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      sessions.delete(session);
    });
  });
  await listen(tcpServer);
  const tcp: TransportConfig = { type: 'tcp', host: '127.0.0.1', port: (tcpServer.address() as net.AddressInfo).port };

  let sshServer: ssh2.Server | undefined;
  const sshClients = new Set<ssh2.Connection>();
  let ssh: TransportConfig | undefined;
  if (options.transport === 'ssh') {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'pkcs1', format: 'pem' } });
    sshServer = new ssh2.Server({ hostKeys: [privateKey] }, (client) => {
      sshClients.add(client);
      client.on('error', () => undefined);
      client.on('close', () => sshClients.delete(client));
      client.on('authentication', (ctx) => {
        if (ctx.method === 'password' && ctx.username === options.username && ctx.password === options.password) ctx.accept();
        else ctx.reject(['password']);
      });
      client.on('ready', () => {
        client.on('session', (acceptSession) => {
          const sshSession = acceptSession();
          sshSession.on('pty', (accept) => accept?.());
          sshSession.on('shell', (accept) => {
            const channel = accept();
            const session = new Session(nextSession++, 'ssh', { write: (t) => channel.write(t), end: () => channel.close() }, state);
            sessions.add(session);
            channel.on('data', (chunk: Buffer) => session.onData(chunk));
            channel.on('close', () => sessions.delete(session));
          });
          sshSession.on('exec', (accept, _reject, info) => {
            const channel = accept();
            const { lines, after } = codec.execute(info.command);
            channel.write(`${lines.join('\r\n')}\r\n`);
            after?.();
            channel.exit(0);
            channel.end();
          });
        });
      });
    });
    await listen(sshServer as unknown as net.Server);
    const port = (sshServer.address() as net.AddressInfo).port;
    ssh = { type: 'ssh', host: '127.0.0.1', port, username: options.username, password: options.password };
  }

  let pty: PtyPair | undefined;
  let serialPort: SerialPort | undefined;
  let serial: TransportConfig | undefined;
  if (options.transport === 'serial') {
    pty = await createPtyPair();
    const port = new SerialPort({ path: pty.simPath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    serialPort = port;
    const session = new Session(nextSession++, 'serial', { write: (t) => port.write(t), end: () => undefined }, state);
    sessions.add(session);
    port.on('data', (chunk: Buffer) => session.onData(chunk));
    port.on('error', () => undefined);
    serial = { type: 'serial', path: pty.devicePath, baudRate: 115200 };
  }

  return {
    transport: options.transport === 'ssh' && ssh ? ssh : options.transport === 'serial' && serial ? serial : tcp,
    tcp,
    ...(ssh ? { ssh } : {}),
    codec,
    faults: state.faults,
    received: state.received,
    get sessionCount() {
      return sessions.size;
    },
    linesMatching: (pattern) => state.received.map((r) => r.line).filter((l) => pattern.test(l)),
    dropConnections() {
      for (const s of sockets) s.destroy();
      for (const c of sshClients) c.end();
      sessions.clear();
    },
    async close() {
      codec.stop();
      for (const s of sockets) s.destroy();
      for (const c of sshClients) c.end();
      sessions.clear();
      await new Promise<void>((r) => tcpServer.close(() => r()));
      if (sshServer) await new Promise<void>((r) => sshServer!.close(() => r()));
      if (serialPort?.isOpen) await new Promise<void>((r) => serialPort!.close(() => r()));
      await pty?.close();
    },
  };
}

function listen(server: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}
