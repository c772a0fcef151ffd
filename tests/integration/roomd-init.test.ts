import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { startDiscoveryResponder, type DiscoveryResponder } from '../../drivers/onvif/sim-discovery.ts';
import { startPrivateDaemon, type PrivateDaemon } from '../../drivers/pulse/private-daemon.ts';
import { ViscaSerialSimulator } from '../../drivers/visca/simulator.ts';
import { requireTool } from '../helpers/tools.ts';

const ROOMD = fileURLToPath(new URL('../../bin/roomd.js', import.meta.url));

interface Run { code: number; stdout: string; stderr: string }

/** Runs `roomd ARGS` as its own process, with `input` on its stdin (then closed). */
function roomd(args: string[], input = '', env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [ROOMD, ...args], { env: { ...process.env, LANG: 'C', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

/** `roomd init`: finds what is attached, asks (or takes the defaults) and writes a config that passes --check. */
// Each test runs roomd several times as its own process (through tsx when dist/ is stale): generous
// per-test timeouts, since a busy 2-core machine takes seconds per start. They bound no behaviour.
describe('roomd init', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'roomd-init-'));
  const hasSocat = requireTool('socat', 'socat');
  let camera: ViscaSerialSimulator | undefined;
  let responder: DiscoveryResponder;
  let pty = '';

  beforeAll(async () => {
    if (hasSocat) {
      camera = await ViscaSerialSimulator.start({ link: 'pty' });
      pty = (camera.transport as { path: string }).path;
    }
    responder = await startDiscoveryResponder({
      devices: [{ endpoint: 'urn:uuid:cam-7', xaddrs: 'http://127.0.0.1:8899/onvif/device_service' }],
    });
  });
  afterAll(async () => {
    await camera?.close();
    await responder?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasSocat)('--yes: a VISCA camera on the pty named becomes the camera, with tokens, scenes and a passing --check', async () => {
    const output = join(dir, 'yes', 'roomd.yaml');
    rmSync(join(dir, 'yes'), { recursive: true, force: true });
    await import('node:fs').then((fs) => fs.mkdirSync(join(dir, 'yes')));
    const run = await roomd(['init', '--yes', '--serial', pty, '--no-onvif', '--timeout', '1500', '--output', output]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Recherche des appareils branchés…');
    expect(run.stdout).toContain(`Sony model 0x0511, address 1 on ${pty} (visca)`);
    expect(run.stdout).toContain(`Configuration écrite : ${output}`);
    // The camera saw discovery's Address Set and version inquiry on its serial line.
    expect(camera!.log.received().slice(0, 2)).toEqual(['88 30 01 FF', '81 09 00 02 FF']);

    const config = parse(readFileSync(output, 'utf8'));
    expect(config.room).toEqual({ id: 'salle-de-visioconference', name: 'Salle de visioconférence', locale: 'fr' });
    expect(config.devices.camera).toEqual({ name: 'Caméra', driver: 'visca', transport: { type: 'serial', path: pty, baudRate: 9600 }, options: { address: 1 } });
    expect(config.scenes.meetingStart).toEqual([{ device: 'camera', command: 'recallPreset', args: { preset: 1 } }]);
    expect(config.http.tokens.map((t: { role: string }) => t.role)).toEqual(['panel', 'technician']);
    for (const token of config.http.tokens as Array<{ tokenFile: string }>) {
      expect(statSync(token.tokenFile).mode & 0o777).toBe(0o640);
      expect(readFileSync(token.tokenFile, 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{32}$/);
    }
    expect(statSync(output).mode & 0o777).toBe(0o640);

    const check = await roomd(['--config', output, '--check']);
    expect(check.stdout).toContain('ok (1 devices)');
    expect(check.code).toBe(0);
  });

  it('never overwrites a file without asking: --yes refuses, a "no" keeps it, --force replaces it (and keeps the tokens)', async () => {
    const output = join(dir, 'keep.yaml');
    writeFileSync(output, 'room: { id: mine, name: Mine }\n');
    const refused = await roomd(['init', '--yes', '--no-onvif', '--output', output]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${output} existe déjà : rien n'a été écrit (--force pour le remplacer).`);
    const declined = await roomd(['init', '--no-onvif', '--output', output], 'n\n');
    expect(declined.code).toBe(1);
    expect(declined.stdout).toContain('existe déjà. Le remplacer ? [o/N]');
    expect(readFileSync(output, 'utf8')).toBe('room: { id: mine, name: Mine }\n');

    const forced = await roomd(['init', '--yes', '--force', '--no-onvif', '--output', output]);
    expect(forced.code).toBe(0);
    const token = readFileSync(join(dir, 'panel.token'), 'utf8');
    const again = await roomd(['init', '--yes', '--force', '--no-onvif', '--output', output]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Jeton conservé : ${join(dir, 'panel.token')}`);
    expect(readFileSync(join(dir, 'panel.token'), 'utf8')).toBe(token);
  });

  it('asks in English: the room, each device found by WS-Discovery, its credentials; writes the password file', async () => {
    const output = join(dir, 'en', 'roomd.yaml');
    await import('node:fs').then((fs) => fs.mkdirSync(join(dir, 'en'), { recursive: true }));
    const answers = ['Council room', '', '+33 4 67 00 00 00', 'y', 'Front camera', 'operator', 's3cret', 'y', ''].join('\n');
    const run = await roomd(['init', '--lang', 'en', '--onvif-probe', `127.0.0.1:${responder.port}`, '--timeout', '500', '--output', output], answers);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("The room's name [Videoconference room] : ");
    expect(run.stdout).toContain('Use ');
    expect(run.stdout).toContain('Make the meeting start and end scenes? [Y/n]');
    const config = parse(readFileSync(output, 'utf8'));
    expect(config.room).toEqual({ id: 'council-room', name: 'Council room', locale: 'en', helpLine: '+33 4 67 00 00 00' });
    expect(config.devices.camera).toMatchObject({
      name: 'Front camera', driver: 'onvif',
      transport: { type: 'http', url: 'http://127.0.0.1:8899/onvif/device_service', username: 'operator', passwordFile: join(dir, 'en', 'camera.password') },
    });
    expect(readFileSync(join(dir, 'en', 'camera.password'), 'utf8')).toBe('s3cret\n');
    expect(config.scenes.meetingStart).toEqual([{ device: 'camera', command: 'home' }]);
    expect((await roomd(['--config', output, '--check'])).code).toBe(0);
  });

  it('--yes leaves an ONVIF camera without a password as a comment to complete', async () => {
    const output = join(dir, 'onvif-yes.yaml');
    const run = await roomd(['init', '--yes', '--onvif-probe', `127.0.0.1:${responder.port}`, '--timeout', '500', '--output', output]);
    expect(run.code).toBe(0);
    const text = readFileSync(output, 'utf8');
    expect(parse(text).devices).toEqual({});
    expect(text).toContain('#   camera:');
    expect((await roomd(['--config', output, '--check'])).code).toBe(0);
  });

  it('refuses what it must not touch, with the reason', async () => {
    const run = await roomd(['init', '--yes', '--serial', '/etc/passwd', '--output', join(dir, 'x.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--serial takes a device under /dev/, not '/etc/passwd'");
    const probe = await roomd(['init', '--yes', '--onvif-probe', '192.168.1.255:3702', '--output', join(dir, 'x.yaml')]);
    expect(probe.code).toBe(2);
    expect(probe.stderr).toContain('--onvif-probe must be 239.255.255.250:PORT or a loopback address:PORT');
  });
});

describe('roomd init with PulseAudio', { timeout: 120_000 }, () => {
  const hasPulse = requireTool('pulseaudio', 'pulseaudio') && requireTool('pactl', 'pulseaudio-utils');
  let pulse: PrivateDaemon | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'roomd-init-pulse-'));
  beforeAll(async () => {
    if (hasPulse) pulse = await startPrivateDaemon();
  });
  afterAll(async () => {
    await pulse?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasPulse)('offers the PulseAudio source as the microphones, with the sink for volume', async () => {
    const output = join(dir, 'roomd.yaml');
    const run = await roomd(['init', '--yes', '--no-onvif', '--output', output], '', { PULSE_SERVER: pulse!.server });
    expect(run.code).toBe(0);
    const config = parse(readFileSync(output, 'utf8'));
    expect(config.devices.mics).toEqual({ name: 'Micros', driver: 'pulse', options: { source: pulse!.sourceName, sink: pulse!.sinkName } });
    expect(config.scenes).toEqual({ meetingStart: [{ device: 'mics', command: 'unmuteMicrophones' }], meetingEnd: [{ device: 'mics', command: 'muteMicrophones' }] });
  });
});
