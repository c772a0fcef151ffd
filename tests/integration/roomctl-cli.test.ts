import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRoomctl } from '../../src/cli/run.ts';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TECH = 'tech-token-0123456789abcdef';
const PANEL = 'panel-token-0123456789abcdef';

const YAML = `
room: { id: cli-room, name: "Salle CLI", locale: en }
http:
  tokens:
    - { name: tech, role: technician, token: ${TECH} }
    - { name: panel, role: panel, token: ${PANEL} }
sessions:
  database: $DIR/sessions.db
  sites: { montpellier: { name: Montpellier, roundTripKm: 220 } }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
  mics: { driver: shure-dcs, transport: { type: sim } }
scenes:
  meetingStart:
    - { device: display, command: powerOn }
  meetingEnd:
    - { device: display, command: powerOff }
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

/** Starts `node bin/roomctl.js ARGS` with ROOMD_URL/ROOMD_TOKEN in its environment. */
function start(args: string[], env: Record<string, string | undefined>): { proc: ChildProcess; done: Promise<Run>; output: () => string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ROOMD_URL: undefined, ROOMD_TOKEN: undefined, ...env };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  const proc = spawn(process.execPath, ['bin/roomctl.js', ...args], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  const done = new Promise<Run>((resolve) =>
    proc.on('close', (code) => {
      clearTimeout(timer);
      children.delete(proc);
      resolve({ code, stdout, stderr });
    }),
  );
  return { proc, done, output: () => stdout };
}

describe('roomctl against a running roomd', () => {
  let daemon: TestDaemon;
  let env: Record<string, string>;
  /** The real binary, as a child process: for the exit-code contract and Ctrl-C. */
  const roomctl = (args: string[], extra: Record<string, string | undefined> = {}) => start(args, { ...env, ...extra }).done;
  /**
   * The same code in this process (runRoomctl is everything bin/roomctl.js does but bind stdio):
   * for the many output checks, since each child costs a Node start-up on a shared 2-core machine.
   */
  const inProcess = async (args: string[], extra: Record<string, string | undefined> = {}, interrupted?: Promise<void>): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const code = await runRoomctl(args, {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      env: { ...env, ...extra },
      ...(interrupted ? { interrupted } : {}),
    });
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    daemon = await startTestDaemon(YAML);
    env = { ROOMD_URL: daemon.url, ROOMD_TOKEN: TECH };
    const until = Date.now() + 10_000;
    while (!daemon.room.devices().every((d) => d.online)) {
      if (Date.now() > until) throw new Error('simulated devices did not come online');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await daemon?.close();
  });

  it('state, devices, device ID: tables for people, JSON for scripts', async () => {
    const [state, devices, one] = await Promise.all([roomctl(['state']), inProcess(['--json', 'devices']), inProcess(['device', 'display'])]);
    expect(state).toMatchObject({ code: 0, stderr: '' });
    expect(state.stdout).toMatch(/^Salle CLI \(cli-room\)\nmeeting: none\ndevices: 2\/2 online\n\nDEVICE +DRIVER +ONLINE +STATE/);
    expect(state.stdout).toMatch(/^display +samsung-mdc +yes +power=off input=\S+ volume=\d+ muted=false$/m);

    expect(devices.code).toBe(0);
    const parsed = JSON.parse(devices.stdout) as Array<{ id: string; online: boolean }>;
    expect(parsed.map((d) => [d.id, d.online])).toEqual([['display', true], ['mics', true]]);

    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^display\n  driver +samsung-mdc\n  online +yes\n  capabilities +power, input, volume\n/);
  });

  it('device ID COMMAND key=value: parsed values reach the device, and the new state is shown', async () => {
    const run = await roomctl(['device', 'display', 'setVolume', 'level=35']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe('display setVolume: ok\n  power=off input=hdmi1 volume=35 muted=false\n');
    expect(daemon.room.device('display').state.volume).toBe(35);
  });

  it('refusals from roomd are exit 1 with roomd\'s own message', async () => {
    const [unknownDevice, badArgs, unknownCommand, unsupported] = await Promise.all([
      roomctl(['device', 'nope', 'powerOn']),
      inProcess(['device', 'display', 'setVolume', 'level=500']),
      inProcess(['device', 'display', 'frobnicate']),
      inProcess(['device', 'display', 'recallPreset', 'preset=1']),
    ]);
    expect(unknownDevice).toMatchObject({ code: 1, stdout: '', stderr: "roomctl: unknown device 'nope' (UnknownDevice)\n" });
    expect(badArgs.code).toBe(1);
    expect(badArgs.stderr).toMatch(/^roomctl: args\.level: .*100.* \(BadArgs\)\n$/);
    expect(unknownCommand).toMatchObject({ code: 1, stderr: "roomctl: unknown command 'frobnicate' (UnknownCommand)\n" });
    expect(unsupported.code).toBe(1);
    expect(unsupported.stderr).toMatch(/no 'ptz' capability \(Unsupported\)/);
  });

  it('bad usage is exit 2 and sends nothing', async () => {
    const commands: string[] = [];
    const off = daemon.room.events.on('command', (r) => commands.push(r.command.command));
    const [noArg, badPair, unknown, badOption] = await Promise.all([
      inProcess(['device']),
      roomctl(['device', 'display', 'setVolume', 'level']),
      inProcess(['frobnicate']),
      inProcess(['state', '--csv']),
    ]);
    off();
    for (const run of [noArg, badPair, unknown, badOption]) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^roomctl: .+\n\(roomctl --help for usage\)\n$/);
    }
    expect(badPair.stderr).toContain("expected key=value, got 'level'");
    expect(commands).toEqual([]);
  });

  it('authentication and permission refusals are exit 4', async () => {
    const [noToken, wrongToken, panelPowerOn, panelVolume] = await Promise.all([
      roomctl(['state'], { ROOMD_TOKEN: undefined }),
      inProcess(['state'], { ROOMD_TOKEN: 'not-a-valid-token-at-all' }),
      inProcess(['device', 'display', 'powerOn'], { ROOMD_TOKEN: PANEL }),
      inProcess(['--token', PANEL, 'device', 'display', 'setVolume', 'level=20'], { ROOMD_TOKEN: undefined }),
    ]);
    expect(noToken.code).toBe(4);
    expect(noToken.stderr).toMatch(/missing bearer token.*\(Unauthorized\)/);
    expect(wrongToken).toMatchObject({ code: 4, stderr: 'roomctl: unknown token (Unauthorized)\n' });
    expect(panelPowerOn.code).toBe(4);
    expect(panelPowerOn.stderr).toMatch(/\(Forbidden\)/);
    expect(panelVolume.code).toBe(0); // the panel role may set the volume
  });

  it('a daemon that is not running is exit 3', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const [run, logs] = await Promise.all([
      roomctl(['state'], { ROOMD_URL: `http://127.0.0.1:${port}` }),
      inProcess(['logs', '--follow'], { ROOMD_URL: `http://127.0.0.1:${port}` }),
    ]);
    expect(run).toMatchObject({ code: 3, stdout: '' });
    expect(run.stderr).toBe(`roomctl: cannot reach roomd at http://127.0.0.1:${port}: ECONNREFUSED — is roomd running? (systemctl status roomd)\n`);
    expect(logs.code).toBe(3);
    expect(logs.stderr).toMatch(/cannot reach roomd.*ECONNREFUSED/);
  });

  it('meeting start/end, then sessions, sessions --csv and report', async () => {
    const started = await inProcess(['meeting', 'start', '--organisation', 'PNR', '--travel', 'montpellier=2']);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^meeting started — session [0-9a-f-]{36}\n\nDEVICE +COMMAND +STATUS +MS +ERROR\ndisplay +powerOn +ok +\d+\n$/);
    expect(daemon.meeting.current.active).toBe(true);
    const ended = await inProcess(['meeting', 'end']);
    expect(ended.code).toBe(0);
    expect(ended.stdout).toMatch(/^meeting ended — session/);

    const month = new Date().toISOString().slice(0, 7);
    const [sessions, csv, report, json] = await Promise.all([
      inProcess(['sessions']),
      inProcess(['sessions', '--csv']),
      inProcess(['report', '--month', month]),
      inProcess(['--json', 'sessions', '--organisation', 'PNR']),
    ]);
    expect(sessions.code).toBe(0);
    expect(sessions.stdout).toMatch(/^STARTED +MIN +ORGANISATION +TITLE +KM +CO2 KG +STATUS +ID\n\d{4}-\d\d-\d\d \d\d:\d\d +0 +PNR +440 +107\.4 +closed +[0-9a-f-]{36}\n$/);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^id,room,organisation,/);
    expect(csv.stdout).toContain(',cli-room,PNR,');
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/meetings +1\n/);
    expect(report.stdout).toMatch(/km avoided +440\n/);
    expect(JSON.parse(json.stdout)).toMatchObject({ total: 1, sessions: [{ organisation: 'PNR', kmAvoided: 440 }] });
  });

  it('logs prints the snapshot; logs --follow prints each event until Ctrl-C', async () => {
    const once = await inProcess(['logs']);
    expect(once.code).toBe(0);
    expect(once.stdout).toMatch(/^\d\d:\d\d:\d\d snapshot 2\/2 devices online, meeting none\n$/);

    const follow = start(['logs', '--follow'], env);
    const until = Date.now() + 10_000;
    while (!follow.output().includes('snapshot')) {
      if (Date.now() > until) throw new Error(`no snapshot from logs --follow: ${follow.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await daemon.api('POST', '/api/v1/devices/display/commands/setVolume', { level: 42 }, TECH);
    while (!/display volume=42/.test(follow.output())) {
      if (Date.now() > until) throw new Error(`no volume event from logs --follow: ${follow.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    follow.proc.kill('SIGINT');
    const run = await follow.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d display volume=42 \(.+\)$/m);
  });

  it('discover: nothing on the ports given is said plainly; a bad --seconds is a usage error', async () => {
    // --driver visca: no WS-Discovery multicast leaves this machine during tests
    const none = await inProcess(['discover', '--driver', 'visca', '--serial', '/dev/ttyNOPE9', '--seconds', '0.3']);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^nothing found/);
    const bad = await inProcess(['discover', '--seconds', '99']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--seconds takes 0\.1 to 10/);
  });

  it('logs --follow exits 3 when roomd goes away (runs last: stops the daemon)', async () => {
    let stdout = '';
    let stderr = '';
    const running = runRoomctl(['logs', '--follow', '--json'], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
    const until = Date.now() + 10_000;
    while (!stdout.includes('"snapshot":true')) {
      if (Date.now() > until) throw new Error(`no snapshot: ${stdout} ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await daemon.stop();
    expect(await running).toBe(3);
    expect(stderr).toMatch(/roomd closed the event stream|connection to roomd lost/);
    expect(JSON.parse(stdout.split('\n')[0]!)).toMatchObject({ type: 'state', snapshot: true });
  });
});
