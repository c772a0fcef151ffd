import { defineDriver } from '../../src/sdk/index.ts';
import { CecDriver, CecOptions } from './driver.ts';
import { CEC_CLIENT_ARGS, startCecSimulator } from './simulator.ts';

/**
 * HDMI-CEC display driver over libCEC's `cec-client` (a long-lived child process; any adapter libCEC
 * supports — Pulse-Eight USB, Raspberry Pi, /dev/cec*). See README.md.
 */
export const driver = defineDriver({
  manifest: {
    name: 'cec',
    title: 'HDMI-CEC display via libCEC cec-client',
    manufacturer: 'HDMI-CEC display (any brand, via libCEC)',
    capabilities: ['power', 'input', 'volume'],
    // HDMI-CEC 1.4 has volume keys and mute, no absolute level: no setVolume.
    commands: { volume: ['volumeUp', 'volumeDown', 'mute', 'unmute'] },
    checks: ['answers', 'power'],
    // Power is read back (Report Power Status). CEC cannot ask a TV which input it shows, and
    // volume is only known when the audio device sends Report Audio Status: both are optimistic.
    feedback: { power: 'full', input: 'optimistic', volume: 'optimistic' },
    transports: ['process'],
    defaultTransport: { type: 'process', command: 'cec-client', args: [...CEC_CLIENT_ARGS] },
    options: CecOptions,
    pollIntervalMs: 10_000,
    // cec-client echoes quickly, but the TV may take a couple of seconds to answer a power request
    commandTimeoutMs: 8_000,
    // a CEC frame takes ~25 ms per byte on the wire; keep key press/release pairs apart
    pacingMs: 50,
  },
  create: (ctx) => new CecDriver(ctx),
  startSimulator: (options) => startCecSimulator(options),
});
