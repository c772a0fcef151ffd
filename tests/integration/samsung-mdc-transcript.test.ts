import { describe } from 'vitest';
import { driver } from '../../drivers/samsung-mdc/index.ts';
import { MDC_SCRIPT } from '../fixtures/transcripts/samsung-mdc.ts';
import { itSettlesTheSameHoweverCut, stepRecorder } from '../helpers/chunking-suite.ts';
import { createDriverHarness } from '../helpers/driver-harness.ts';
import { startTcpPeer, type Chunking } from '../helpers/scripted-peer.ts';

/**
 * The samsung-mdc driver against MDC frames as Samsung documents them, served over TCP whole, byte
 * by byte and cut at random points: the status read, power, volume, input (one refused with a
 * NAK) and mute settle the same whatever the cuts.
 */
const OPTIONS = { replyTimeoutMs: 1500 };

async function session(chunking: Chunking) {
  const peer = await startTcpPeer(MDC_SCRIPT, chunking);
  const h = createDriverHarness(driver, OPTIONS, { type: 'tcp', host: '127.0.0.1', port: peer.port });
  const { results, step } = stepRecorder();
  try {
    await step('connect', () => h.connect());
    const atConnect = { power: h.state.power, volume: h.state.volume, muted: h.state.muted, input: h.state.input };
    await step('powerOff', () => h.exec('powerOff'));
    await step('powerOn', () => h.exec('powerOn'));
    await step('setVolume 50', () => h.exec('setVolume', { level: 50 }));
    await step('input hdmi2', () => h.exec('selectInput', { input: 'hdmi2' }));
    await step('input hdmi1', () => h.exec('selectInput', { input: 'hdmi1' }));
    await step('mute', () => h.exec('mute'));
    return { results, atConnect, end: { power: h.state.power, volume: h.state.volume, muted: h.state.muted, input: h.state.input }, lost: h.lost.length };
  } finally {
    await h.close();
    await peer.close();
  }
}

const EXPECTED = {
  results: ['connect: ok', 'powerOff: ok', 'powerOn: ok', 'setVolume 50: ok', 'input hdmi2: DeviceError', 'input hdmi1: ok', 'mute: ok'],
  atConnect: { power: 'on', volume: 25, muted: false, input: 'hdmi1' },
  end: { power: 'on', volume: 50, muted: true, input: 'hdmi1' },
  lost: 0,
};

describe('samsung-mdc driver: documented MDC frames, however they are cut', () => {
  itSettlesTheSameHoweverCut(session, EXPECTED, { maxCut: 14, runs: 6 });
});
