import { describe, expect } from 'vitest';
import { driver } from '../../drivers/visca/index.ts';
import { VISCA_SCRIPT } from '../fixtures/transcripts/visca.ts';
import { itSettlesTheSameHoweverCut, stepRecorder } from '../helpers/chunking-suite.ts';
import { createDriverHarness } from '../helpers/driver-harness.ts';
import { startTcpPeer, type Chunking } from '../helpers/scripted-peer.ts';

/**
 * The visca driver (RS-232 chain behind a TCP serial server) against the Sony manuals' reply
 * vectors, served whole, byte by byte and cut at random points: chain set-up, inquiries, a preset
 * recall, home, standby and a refused command settle the same whatever the cuts.
 */
const OPTIONS = { address: 1, replyTimeoutMs: 1500 };

async function session(chunking: Chunking) {
  const peer = await startTcpPeer(VISCA_SCRIPT, chunking);
  const h = createDriverHarness(driver, OPTIONS, { type: 'tcp', host: '127.0.0.1', port: peer.port });
  const { results, step } = stepRecorder();
  try {
    await step('connect', () => h.connect());
    const atConnect = { power: h.state.power, pan: h.state.pan, tilt: h.state.tilt, zoom: h.state.zoom };
    await step('recallPreset 3', () => h.exec('recallPreset', { preset: 3 }));
    await step('home', () => h.exec('home'));
    await step('storePreset 3', () => h.exec('storePreset', { preset: 3 }));
    await step('powerOff', () => h.exec('powerOff'));
    return { results, atConnect, power: h.state.power, lost: h.lost.length };
  } finally {
    await h.close();
    await peer.close();
  }
}

const EXPECTED = {
  results: ['connect: ok', 'recallPreset 3: ok', 'home: ok', 'storePreset 3: DeviceError', 'powerOff: ok'],
  // R6: pan 0xF670 = -2448 of the default ±0x2200 range, tilt 0x01B0 = 432; R4 zoom 0x4000 = tele end.
  atConnect: { power: 'on', pan: expect.closeTo(-2448 / 0x2200, 3), tilt: expect.any(Number), zoom: 1 },
  power: 'off',
  lost: 0,
};

describe('visca driver: the Sony manuals\' reply vectors, however they are cut', () => {
  itSettlesTheSameHoweverCut(session, EXPECTED, { wholeTitle: 'each reply in one read (ACK and Completion together)', maxCut: 12, runs: 6 });
});
