import { defineDriver } from '../../src/sdk/index.ts';
import { BaresipDriver } from './driver.ts';
import { BaresipOptions } from './options.ts';
import { startBaresipSimulator, type BaresipSimulatorOptions, type FarEndBehaviour } from './simulator.ts';

/**
 * baresip, the open-source SIP softphone, as the room's codec, controlled through its `ctrl_tcp`
 * module (netstring JSON on TCP, default port 4444). See README.md for a sample baresip config.
 */
export const driver = defineDriver({
  manifest: {
    name: 'baresip',
    title: 'baresip SIP softphone over ctrl_tcp',
    manufacturer: 'baresip project',
    capabilities: ['call', 'micMute', 'raw'],
    checks: ['answers'],
    transports: ['tcp'],
    defaultTransport: { type: 'tcp', host: '127.0.0.1', port: 4444 },
    options: BaresipOptions,
    // Events push every call change; the poll is a keep-alive and a resync after missed events.
    pollIntervalMs: 15_000,
    commandTimeoutMs: 5000,
  },
  create: (ctx) => new BaresipDriver(ctx),
  startSimulator: async (options) => {
    const farEnd = options.farEnd;
    const simOptions: BaresipSimulatorOptions = {
      ...(typeof options.ringMs === 'number' ? { ringMs: options.ringMs } : {}),
      ...(typeof options.answerMs === 'number' ? { answerMs: options.answerMs } : {}),
      ...(farEnd === 'answer' || farEnd === 'reject' || farEnd === 'noanswer' ? { farEnd: farEnd as FarEndBehaviour } : {}),
    };
    return startBaresipSimulator(simOptions);
  },
});

export { BaresipDriver, BaresipOptions, startBaresipSimulator };
