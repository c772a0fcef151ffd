import { execFileSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { driver } from '../../drivers/pulse/index.ts';
import { startPrivateDaemon, type PrivateDaemon } from '../../drivers/pulse/private-daemon.ts';
import { RoomError, type Logger, type TransportConfig } from '../../src/sdk/index.ts';
import { createDriverHarness, type DriverHarness } from '../helpers/driver-harness.ts';
import { requireTool } from '../helpers/tools.ts';

const ok = requireTool('pulseaudio', 'pulseaudio') && requireTool('pactl', 'pulseaudio-utils');
const PACTL: TransportConfig = { type: 'process', command: 'pactl' };
type Options = { source?: string; sink?: string; server?: string };

/** A logger that keeps warnings, to prove strange input was logged rather than thrown. */
function recordingLogger(warnings: string[]): Logger {
  const log: Logger = {
    trace() {},
    debug() {},
    info() {},
    warn: (obj, msg) => void warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
    error: (obj, msg) => void warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
    child: () => log,
  };
  return log;
}

describe.skipIf(!ok)('pulse driver ↔ a private PulseAudio daemon', () => {
  let daemon: PrivateDaemon;
  const open: DriverHarness<Options>[] = [];

  /** The test's own pactl, pointed at the private daemon: the "other application" in the room. */
  const pactl = (...args: string[]) =>
    execFileSync('pactl', args, { env: { ...process.env, PULSE_SERVER: daemon.server, LC_ALL: 'C' }, encoding: 'utf8' }).trim();

  function harness(options: Options, transport: TransportConfig = PACTL): DriverHarness<Options> {
    const h = createDriverHarness(driver, { server: daemon.server, ...options }, transport);
    open.push(h);
    return h;
  }

  beforeAll(async () => {
    daemon = await startPrivateDaemon({ sourceName: 'roomd_test_mic', sinkName: 'roomd_test_sink' });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
    if (daemon) {
      // Reset what a test changed, so each test starts from the same server state.
      pactl('set-source-mute', 'roomd_test_mic', '0');
      pactl('set-source-volume', 'roomd_test_mic', '100%');
      pactl('set-sink-mute', 'roomd_test_sink', '0');
      pactl('set-sink-volume', 'roomd_test_sink', '100%');
    }
  });
  afterAll(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
    await daemon?.stop(true);
  });

  it('connects and reads the initial state of the source and sink', async () => {
    pactl('set-source-mute', 'roomd_test_mic', '1');
    pactl('set-sink-volume', 'roomd_test_sink', '42%');
    const h = harness({ source: 'roomd_test_mic', sink: 'roomd_test_sink' });
    await h.connect();
    expect(h.state).toMatchObject({ micMuted: true, volume: 42, muted: false });
  });

  it('mutes and unmutes the microphone both ways: roomd → server, and another client → roomd', async () => {
    const h = harness({ source: 'roomd_test_mic', sink: 'roomd_test_sink' });
    await h.connect();
    expect(h.state.micMuted).toBe(false);

    await h.exec('muteMicrophones');
    expect(pactl('get-source-mute', 'roomd_test_mic')).toBe('Mute: yes');
    expect(h.state.micMuted).toBe(true);
    await h.exec('unmuteMicrophones');
    expect(pactl('get-source-mute', 'roomd_test_mic')).toBe('Mute: no');

    // Someone mutes by hand: `pactl subscribe` → re-read → state follows.
    pactl('set-source-mute', 'roomd_test_mic', '1');
    await h.waitForState((s) => s.micMuted === true);
    pactl('set-source-mute', 'roomd_test_mic', '0');
    await h.waitForState((s) => s.micMuted === false);
    expect(h.state.muted).toBe(false); // the sink's mute is its own
  });

  it('sets the sink volume both ways, steps it, and mutes the sink', async () => {
    const h = harness({ source: 'roomd_test_mic', sink: 'roomd_test_sink' });
    await h.connect();

    await h.exec('setVolume', { level: 35 });
    expect(pactl('get-sink-volume', 'roomd_test_sink')).toMatch(/front-left: \d+ \/\s+35%/);
    expect(h.state.volume).toBe(35);

    pactl('set-sink-volume', 'roomd_test_sink', '62%');
    await h.waitForState((s) => s.volume === 62);
    await h.exec('volumeUp');
    expect(pactl('get-sink-volume', 'roomd_test_sink')).toMatch(/\s67%/);
    await h.exec('volumeDown');
    await h.exec('volumeDown');
    expect(pactl('get-sink-volume', 'roomd_test_sink')).toMatch(/\s57%/);
    await h.waitForState((s) => s.volume === 57);

    // PulseAudio allows > 100 %; the room model clamps, and volumeUp never pushes past 100.
    pactl('set-sink-volume', 'roomd_test_sink', '130%');
    await h.waitForState((s) => s.volume === 100);
    await h.exec('volumeUp');
    expect(pactl('get-sink-volume', 'roomd_test_sink')).toMatch(/\s100%/);

    await h.exec('mute');
    expect(pactl('get-sink-mute', 'roomd_test_sink')).toBe('Mute: yes');
    expect(pactl('get-source-mute', 'roomd_test_mic')).toBe('Mute: no');
    pactl('set-sink-mute', 'roomd_test_sink', '0');
    await h.waitForState((s) => s.muted === false);
    expect(h.state.micMuted).toBe(false);
  });

  it('drives the source volume when no sink is configured, through @DEFAULT_SOURCE@', async () => {
    const h = harness({ source: '@DEFAULT_SOURCE@' });
    await h.connect();
    await h.exec('setVolume', { level: 20 });
    expect(pactl('get-source-volume', 'roomd_test_mic')).toMatch(/\s20%/);
    pactl('set-source-volume', 'roomd_test_mic', '75%');
    await h.waitForState((s) => s.volume === 75);
    await h.exec('mute'); // with no sink, `mute` is the source's mute: the same as micMuted
    expect(pactl('get-source-mute', 'roomd_test_mic')).toBe('Mute: yes');
    expect(h.state).toMatchObject({ muted: true, micMuted: true });
  });

  it('falls back to text output on a pactl without -f json, and survives garbage from subscribe', async () => {
    // A wrapper around the real pactl that claims to be 15.0 and prints junk before subscribing.
    const wrapper = join(daemon.dir, 'old-pactl.sh');
    await writeFile(
      wrapper,
      [
        '#!/bin/sh',
        'case "$*" in',
        '  --version) echo "pactl 15.0"; echo "Compiled with libpulse 15.0.0"; exit 0;;',
        '  *subscribe*) echo "garbage line"; echo "Event \'change\' on source #abc"; exec pactl "$@";;',
        '  *-f\\ json*) echo "json is not supported here" >&2; exit 1;;',
        'esac',
        'exec pactl "$@"',
        '',
      ].join('\n'),
    );
    await chmod(wrapper, 0o755);
    const warnings: string[] = [];
    const h = harness({ source: 'roomd_test_mic', sink: 'roomd_test_sink' }, { type: 'process', command: wrapper });
    (h.ctx as { log: Logger }).log = recordingLogger(warnings);
    await h.connect();
    expect(h.state).toMatchObject({ micMuted: false, volume: 100, muted: false });

    pactl('set-source-mute', 'roomd_test_mic', '1');
    await h.waitForState((s) => s.micMuted === true);
    pactl('set-sink-volume', 'roomd_test_sink', '44%');
    await h.waitForState((s) => s.volume === 44);
    expect(warnings.filter((w) => w.includes('unrecognised pactl subscribe line'))).toHaveLength(2);
    expect(h.lost).toEqual([]);
  });

  it('refuses an unknown source with the list of available ones', async () => {
    const h = harness({ source: 'jabra_speak_510' });
    const err = await h.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RoomError);
    expect(err).toMatchObject({ code: 'DeviceOffline' });
    expect((err as Error).message).toMatch(/source 'jabra_speak_510' not found.*available sources: .*roomd_test_mic/);
  });

  it('says which package to install when pactl is missing', async () => {
    const h = harness({ source: 'roomd_test_mic' }, { type: 'process', command: join(daemon.dir, 'no-such-pactl') });
    await expect(h.connect()).rejects.toMatchObject({ code: 'DeviceOffline', message: expect.stringMatching(/not found: install pulseaudio-utils/) });
  });

  it('treats an unplugged source as lost, and a command on it fails with the server\'s text', async () => {
    const module = pactl('load-module', 'module-null-source', 'source_name=usb_speakerphone');
    const h = harness({ source: 'usb_speakerphone' });
    try {
      await h.connect();
      expect(h.state.micMuted).toBe(false);
      pactl('unload-module', module); // the USB cable is pulled
      await h.waitForState(() => h.lost.length > 0);
      expect(h.lost[0]).toMatchObject({
        code: 'DeviceOffline',
        message: expect.stringMatching(/source 'usb_speakerphone' not found.*available sources: .*roomd_test_mic/),
      });
      await expect(h.exec('muteMicrophones')).rejects.toMatchObject({
        code: 'DeviceError',
        message: expect.stringMatching(/set-source-mute usb_speakerphone 1: .*No such entity/),
      });
    } finally {
      if (pactl('list', 'short', 'modules').split('\n').some((l) => l.startsWith(`${module}\t`))) pactl('unload-module', module);
    }
  });

  it('startSimulator starts a real private server the driver reaches through pactl --server', async () => {
    const sim = await driver.startSimulator!({}, { source: '@DEFAULT_SOURCE@', sink: 'room_speaker' });
    try {
      expect(sim.transport).toMatchObject({ type: 'process', command: 'pactl', args: ['--server', expect.stringMatching(/^unix:/)] });
      const h = createDriverHarness(driver, { source: 'roomd_sim_mic', sink: 'room_speaker' }, sim.transport);
      await h.connect();
      await h.exec('muteMicrophones');
      expect(h.state).toMatchObject({ micMuted: true, volume: 100 });
      await h.close();
    } finally {
      await sim.close();
    }
  });

  // Last: it kills the shared daemon and starts a new one on the same socket path.
  it('calls ctx.lost when the server dies, is offline while it is down, and reconnects after a restart', async () => {
    const h = harness({ source: 'roomd_test_mic', sink: 'roomd_test_sink' });
    await h.connect();
    await daemon.kill('SIGKILL');
    await h.waitForState(() => h.lost.length > 0);
    expect(h.lost).toHaveLength(1);
    expect(h.lost[0]).toMatchObject({ code: 'DeviceOffline', message: expect.stringMatching(/pactl subscribe exited/) });

    await h.close(); // what the runtime does after lost()
    await expect(h.connect()).rejects.toMatchObject({ code: 'DeviceOffline', message: expect.stringMatching(/not reachable/) });

    daemon = await startPrivateDaemon({ dir: daemon.dir, sourceName: 'roomd_test_mic', sinkName: 'roomd_test_sink' });
    await h.connect();
    expect(h.state).toMatchObject({ micMuted: false, volume: 100 });
    await h.exec('muteMicrophones');
    expect(pactl('get-source-mute', 'roomd_test_mic')).toBe('Mute: yes');
    pactl('set-sink-volume', 'roomd_test_sink', '12%');
    await h.waitForState((s) => s.volume === 12);
    expect(h.lost).toHaveLength(1);
  });
});
