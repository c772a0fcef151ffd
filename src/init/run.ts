import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/loader.ts';
import { ConfigError, formatProblem } from '../config/problems.ts';
import { defaultsAsker, lineAsker, type Asker } from './ask.ts';
import { assignIds, composeConfig, defaultDeviceName, slugify, type ChosenDevice, type Locale } from './compose.ts';
import { MESSAGES } from './messages.ts';
import { probeRoom, type ProbeOptions, type ProbeResult } from './probes.ts';

export const INIT_USAGE = `usage: roomd init [--serial PATH...] [--output FILE] [--yes] [--force] [--lang fr|en]

  Finds what is attached (VISCA cameras on the serial ports named, ONVIF cameras by WS-Discovery,
  USB-CEC adapters through cec-client -l, PulseAudio sources, a local baresip), asks what to use,
  writes API tokens beside the configuration and a configuration that passes --check.

  --serial PATH       a serial port to look for VISCA cameras on (repeatable; ports are never scanned)
  --output FILE       where to write (default /etc/roomd/roomd.yaml)
  --yes               ask nothing, take every default
  --force             replace an existing configuration without asking
  --lang fr|en        the language of the questions and of the panel (default: French, or $LANG)
  --onvif-probe H:P   send the WS-Discovery probe there (default the multicast group 239.255.255.250:3702)
  --no-onvif          no ONVIF discovery
  --timeout MS        how long each probe may take (default 3000)`;

export interface InitIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** Replaces the probes (unit tests of the dialogue). */
  probe?: (options: ProbeOptions) => Promise<ProbeResult>;
}

/** `roomd init`: returns the exit code (0 written, 1 nothing written, 2 usage). */
export async function runInit(argv: string[], io: InitIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        serial: { type: 'string', multiple: true, default: [] },
        output: { type: 'string', short: 'o', default: '/etc/roomd/roomd.yaml' },
        yes: { type: 'boolean', short: 'y', default: false },
        force: { type: 'boolean', default: false },
        lang: { type: 'string' },
        'onvif-probe': { type: 'string' },
        'no-onvif': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '3000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    io.stderr(`roomd init: ${(err as Error).message}\n${INIT_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${INIT_USAGE}\n`);
    return 0;
  }
  const locale: Locale = values.lang === 'en' || values.lang === 'fr' ? values.lang : /^en/i.test(io.env.LC_ALL || io.env.LANG || '') ? 'en' : 'fr';
  if (values.lang !== undefined && values.lang !== 'fr' && values.lang !== 'en') return usage(io, `--lang must be fr or en, not '${values.lang}'`);
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) return usage(io, '--timeout must be a whole number of milliseconds, 100 to 60000');
  let onvif: ProbeOptions['onvif'] = { address: '239.255.255.250', port: 3702 };
  if (values['no-onvif']) onvif = null;
  else if (values['onvif-probe']) {
    const m = /^(239\.255\.255\.250|127\.\d+\.\d+\.\d+):(\d{1,5})$/.exec(values['onvif-probe']);
    if (!m) return usage(io, '--onvif-probe must be 239.255.255.250:PORT or a loopback address:PORT');
    onvif = { address: m[1], port: Number(m[2]) };
  }
  const serialPorts = values.serial as string[];
  // A stable udev name (/dev/roomd-camera) or a pty's link is fine: what counts is the device it names.
  const outside = serialPorts.find((p) => !devicePath(p).startsWith('/dev/'));
  if (outside) return usage(io, `--serial takes a device under /dev/, not '${outside}'`);

  const say = MESSAGES[locale];
  const output = resolve(values.output as string);
  const asker: Asker = values.yes ? defaultsAsker(io.stdout, locale) : lineAsker(io.stdin, io.stdout, locale);
  try {
    if (existsSync(output) && !values.force) {
      if (values.yes) {
        io.stderr(`${say.exists(output)}\n`);
        return 1;
      }
      if (!(await asker.yesNo(say.overwrite(output), false))) {
        io.stdout(`${say.kept(output)}\n`);
        return 1;
      }
    }

    io.stdout(`${say.searching}\n`);
    const probe = io.probe ?? ((o: ProbeOptions) => probeRoom(o));
    const found = await probe({ serialPorts, onvif, timeoutMs, cecClient: 'cec-client', pactl: 'pactl', baresip: { host: '127.0.0.1', port: 4444 } });
    io.stdout(`${say.found(found.candidates.length)}\n`);
    for (const c of found.candidates) io.stdout(`  - ${c.description} (${c.driver})\n`);
    for (const n of found.notes) io.stdout(`${say.note(n)}\n`);

    const name = await asker.text(say.roomName, locale === 'fr' ? 'Salle de visioconférence' : 'Videoconference room');
    let id = await asker.text(say.roomId, slugify(name));
    while (!/^[a-z0-9-]+$/.test(id)) {
      io.stdout(`${say.badRoomId}\n`);
      id = await asker.text(say.roomId, slugify(name));
    }
    const helpLine = await asker.text(say.helpLine, '');

    const dir = dirname(output);
    const ids = assignIds(found.candidates);
    const devices: ChosenDevice[] = [];
    const pending: ChosenDevice[] = [];
    for (const [i, candidate] of found.candidates.entries()) {
      if (!(await asker.yesNo(say.use(`${candidate.description} (${ids[i]})`), true))) continue;
      const chosen: ChosenDevice = { id: ids[i], name: await asker.text(say.deviceName(ids[i]), defaultDeviceName(candidate.role, locale)), candidate };
      if (candidate.needsCredentials) {
        const passwordFile = join(dir, `${chosen.id}.password`);
        const transport: Record<string, unknown> = { ...(candidate.device.transport as Record<string, unknown>), passwordFile };
        transport.username = await asker.text(say.onvifUser, String(transport.username ?? 'admin'));
        const password = values.yes ? '' : await asker.text(say.onvifPassword, '');
        chosen.candidate = { ...candidate, device: { ...candidate.device, transport } };
        if (!password) {
          pending.push(chosen);
          continue;
        }
        writeSecret(passwordFile, password);
      }
      devices.push(chosen);
    }
    const scenes = devices.length > 0 && (await asker.yesNo(say.scenes, true));

    const tokenFiles = { panel: join(dir, 'panel.token'), technician: join(dir, 'tech.token') };
    for (const file of Object.values(tokenFiles)) {
      if (existsSync(file)) io.stdout(`${say.tokenKept(file)}\n`);
      else {
        writeSecret(file, randomBytes(24).toString('base64url'));
        io.stdout(`${say.tokenWritten(file)}\n`);
      }
    }
    const text = composeConfig({
      room: { id, name, locale, ...(helpLine ? { helpLine } : {}) },
      http: { host: '127.0.0.1', port: 8080 },
      tokenFiles,
      database: dir === '/etc/roomd' ? '/var/lib/roomd/sessions.db' : 'sessions.db',
      devices,
      pending,
      scenes,
    }, output);

    // Checked exactly as `roomd --check` would, beside its final place (relative paths resolve alike).
    const draft = `${output}.init-${process.pid}`;
    writeSecret(draft, text);
    try {
      await loadConfig(draft);
    } catch (err) {
      rmSync(draft, { force: true });
      if (!(err instanceof ConfigError)) throw err;
      io.stderr(`${say.invalid}\n${err.problems.map(formatProblem).join('\n')}\n`);
      return 1;
    }
    renameSync(draft, output);
    io.stdout(`${say.written(output)}\n\n${say.next(output)}\n`);
    return 0;
  } finally {
    asker.close();
  }
}

function devicePath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function usage(io: InitIO, message: string): number {
  io.stderr(`roomd init: ${message}\n${INIT_USAGE}\n`);
  return 2;
}

/** Secrets and the config: 0640, group `roomd` when run as root on a machine that has it (the package). */
function writeSecret(file: string, content: string): void {
  writeFileSync(file, content.endsWith('\n') ? content : `${content}\n`, { mode: 0o640 });
  const gid = roomdGroupId();
  if (gid !== undefined && process.getuid?.() === 0) chownSync(file, 0, gid);
}

function roomdGroupId(): number | undefined {
  try {
    const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith('roomd:'));
    return line ? Number(line.split(':')[2]) : undefined;
  } catch {
    return undefined;
  }
}
