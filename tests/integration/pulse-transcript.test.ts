import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe } from 'vitest';
import { driver } from '../../drivers/pulse/index.ts';
import { startPrivateDaemon, type PrivateDaemon } from '../../drivers/pulse/private-daemon.ts';
import { itSettlesTheSameHoweverCut, stepRecorder } from '../helpers/chunking-suite.ts';
import { createDriverHarness } from '../helpers/driver-harness.ts';
import type { Chunking } from '../helpers/scripted-peer.ts';
import { requireTool } from '../helpers/tools.ts';

/**
 * The pulse driver against the REAL pactl and a private PulseAudio, with `pactl subscribe`'s
 * output re-cut on its way to the driver (tests/helpers/rechunking-pactl.mjs): events gathered
 * into one read, byte by byte, and cut at random points. Changes made by another application
 * (the test's own pactl) and by the driver must come out the same whatever the cuts.
 */
const ok = requireTool('pulseaudio', 'pulseaudio') && requireTool('pactl', 'pulseaudio-utils');

describe.skipIf(!ok)('pulse driver: the real pactl subscribe output, however it is cut', () => {
  let daemon: PrivateDaemon;
  let dir: string;
  const pactl = (...args: string[]) => execFileSync('pactl', args, { env: { ...process.env, PULSE_SERVER: daemon.server, LC_ALL: 'C' }, encoding: 'utf8' });

  /** A `pactl` for the driver: the real one, except `subscribe`, which is re-cut as asked. */
  function rechunkingPactl(chunking: Chunking): string {
    const script = fileURLToPath(new URL('../helpers/rechunking-pactl.mjs', import.meta.url));
    const path = join(dir, `pactl-${Math.random().toString(36).slice(2)}`);
    const quoted = `'${JSON.stringify(chunking)}'`;
    writeFileSync(path, `#!/bin/sh\ncase " $* " in\n  *" subscribe "*) exec '${process.execPath}' '${script}' ${quoted} "$@" ;;\n  *) exec pactl "$@" ;;\nesac\n`);
    chmodSync(path, 0o755);
    return path;
  }

  beforeAll(async () => {
    daemon = await startPrivateDaemon({ sourceName: 'roomd_test_mic', sinkName: 'roomd_test_sink' });
    dir = mkdtempSync(join(tmpdir(), 'roomd-pactl-'));
  });
  afterAll(async () => {
    await daemon?.stop(true);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function session(chunking: Chunking) {
    pactl('set-source-mute', 'roomd_test_mic', '0');
    pactl('set-sink-volume', 'roomd_test_sink', '100%');
    const h = createDriverHarness(driver, { server: daemon.server, source: 'roomd_test_mic', sink: 'roomd_test_sink' }, { type: 'process', command: rechunkingPactl(chunking) });
    const { results, step } = stepRecorder();
    try {
      await step('connect', () => h.connect());
      pactl('set-source-mute', 'roomd_test_mic', '1'); // someone else mutes the microphone
      await step('sees the mute', () => h.waitForState((s) => s.micMuted === true, 5000));
      pactl('set-sink-volume', 'roomd_test_sink', '40%');
      await step('sees the volume', () => h.waitForState((s) => s.volume === 40, 5000));
      await step('unmute', () => h.exec('unmuteMicrophones'));
      await step('sees the unmute', () => h.waitForState((s) => s.micMuted === false, 5000));
      return { results, micMuted: h.state.micMuted, volume: h.state.volume, lost: h.lost.length };
    } finally {
      await h.close();
    }
  }

  const EXPECTED = {
    results: ['connect: ok', 'sees the mute: ok', 'sees the volume: ok', 'unmute: ok', 'sees the unmute: ok'],
    micMuted: false,
    volume: 40,
    lost: 0,
  };

  itSettlesTheSameHoweverCut(session, EXPECTED, { wholeTitle: 'several events in one read', maxCut: 40, runs: 3 });
});
