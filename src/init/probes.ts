import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { DriverRegistry } from '../core/driver-registry.ts';
import { silentLogger } from '../core/logger.ts';
import type { DiscoverParams } from '../core/driver-api.ts';
import { parseCecAdapterList, parsePactlShortList } from './system-lists.ts';

/** What a device found by `roomd init` is for in the room; decides its default id, name and scene steps. */
export type DeviceRole = 'camera' | 'display' | 'codec' | 'mics';

/** A device `roomd init` found, with the config it would get. */
export interface Candidate {
  role: DeviceRole;
  driver: string;
  /** Where it was found and what it said it is, for the technician. */
  description: string;
  /** The `devices.<id>` block without `name` (driver, transport, options). */
  device: Record<string, unknown>;
  /** ONVIF cameras need a user name and password before they can be used. */
  needsCredentials?: boolean;
}

export interface ProbeOptions {
  /** Serial ports to look for VISCA cameras on (only these: ports are never enumerated). */
  serialPorts: string[];
  /** Where to send the WS-Discovery probe; null: no ONVIF discovery. */
  onvif: { address: string; port: number } | null;
  /** How long each probe may take. */
  timeoutMs: number;
  /** `cec-client` binary, or null to skip. */
  cecClient: string | null;
  /** `pactl` binary, or null to skip. */
  pactl: string | null;
  /** Where a local baresip's ctrl_tcp would listen. */
  baresip: { host: string; port: number } | null;
}

export interface ProbeResult {
  candidates: Candidate[];
  /** One line per probe that found nothing usable, or could not run (for the technician). */
  notes: string[];
}

/** Runs every probe at once; a probe that fails adds a note, never an error. */
export async function probeRoom(options: ProbeOptions, registry = new DriverRegistry()): Promise<ProbeResult> {
  const notes: string[] = [];
  const params: DiscoverParams = {
    timeoutMs: options.timeoutMs,
    serialPorts: options.serialPorts,
    wsDiscovery: options.onvif ?? { address: '239.255.255.250', port: 3702 },
    log: silentLogger,
  };
  const fromDriver = async (name: string, role: DeviceRole): Promise<Candidate[]> => {
    const mod = await registry.load(name);
    const found = (await mod.discover?.(params)) ?? [];
    return found.map((d) => {
      const block = Object.values(parseYaml(d.configSnippet) as Record<string, Record<string, unknown>>)[0] ?? {};
      return { role, driver: d.driver, description: d.description, device: block, needsCredentials: name === 'onvif' };
    });
  };
  const probes: Array<Promise<Candidate[]>> = [
    options.serialPorts.length ? fromDriver('visca', 'camera') : Promise.resolve([]),
    options.onvif ? fromDriver('onvif', 'camera') : Promise.resolve([]),
    options.cecClient ? probeCec(options.cecClient, options.timeoutMs) : Promise.resolve([]),
    options.pactl ? probePulse(options.pactl, options.timeoutMs) : Promise.resolve([]),
    options.baresip ? probeBaresip(options.baresip, options.timeoutMs) : Promise.resolve([]),
  ];
  const names = ['VISCA', 'ONVIF', 'cec-client', 'PulseAudio', 'baresip'];
  const NOTHING = [
    `no camera answered on ${options.serialPorts.join(', ')}`,
    'no camera answered the WS-Discovery probe',
    'no USB-CEC adapter found',
    'no microphone source',
    `nothing listens on ${options.baresip?.host}:${options.baresip?.port} (start baresip with its ctrl_tcp module)`,
  ];
  const settled = await Promise.allSettled(probes);
  const candidates: Candidate[] = [];
  const asked = [options.serialPorts.length > 0, options.onvif !== null, options.cecClient !== null, options.pactl !== null, options.baresip !== null];
  settled.forEach((result, i) => {
    if (result.status === 'rejected') notes.push(`${names[i]}: ${(result.reason as Error).message}`);
    else if (result.value.length) candidates.push(...result.value);
    else if (asked[i]) notes.push(`${names[i]}: ${NOTHING[i]}`);
  });
  return { candidates, notes };
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) => {
      if (err) reject(new Error((err as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} is not installed` : err.message.split('\n')[0]));
      else resolve(stdout);
    });
  });
}

/** USB-CEC adapters, through `cec-client -l` (libCEC enumerates them; roomd never opens the port here). */
async function probeCec(cecClient: string, timeoutMs: number): Promise<Candidate[]> {
  const adapters = parseCecAdapterList(await run(cecClient, ['-l'], Math.max(timeoutMs, 5000)));
  return adapters.map((a) => ({
    role: 'display' as const,
    driver: 'cec',
    description: `${a.type ?? 'CEC adapter'} on ${a.comPort}`,
    device: {
      driver: 'cec',
      transport: { type: 'process', command: 'cec-client', args: ['-d', '8', '-t', 'p', '-o', 'roomd', a.comPort] },
      options: { inputs: { codec: '1.0.0.0', pc: '2.0.0.0' } },
    },
  }));
}

/** PulseAudio sources (microphones), with the first sink for the room's volume. */
async function probePulse(pactl: string, timeoutMs: number): Promise<Candidate[]> {
  const [sources, sinks] = await Promise.all([
    run(pactl, ['list', 'short', 'sources'], timeoutMs).then(parsePactlShortList, () => {
      throw new Error('no PulseAudio server answered (pactl list short sources)');
    }),
    run(pactl, ['list', 'short', 'sinks'], timeoutMs).then(parsePactlShortList),
  ]);
  return sources.map((source) => ({
    role: 'mics' as const,
    driver: 'pulse',
    description: `PulseAudio source ${source.name}${sinks[0] ? `, volume on ${sinks[0].name}` : ''}`,
    device: { driver: 'pulse', options: { source: source.name, ...(sinks[0] ? { sink: sinks[0].name } : {}) } },
  }));
}

/** A baresip on this PC answers on its ctrl_tcp port (127.0.0.1:4444 unless configured otherwise). */
function probeBaresip(at: { host: string; port: number }, timeoutMs: number): Promise<Candidate[]> {
  return new Promise((resolve) => {
    const socket = connect(at.port, at.host);
    const done = (found: boolean) => {
      socket.destroy();
      clearTimeout(timer);
      const isDefault = at.host === '127.0.0.1' && at.port === 4444;
      resolve(found
        ? [{ role: 'codec', driver: 'baresip', description: `baresip ctrl_tcp on ${at.host}:${at.port}`,
             device: { driver: 'baresip', ...(isDefault ? {} : { transport: { type: 'tcp', host: at.host, port: at.port } }) } }]
        : []);
    };
    const timer = setTimeout(() => done(false), Math.min(timeoutMs, 1000));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
