import { describe } from 'vitest';
import { driver } from '../../drivers/baresip/index.ts';
import { BARESIP_FAR, BARESIP_SCRIPT } from '../fixtures/transcripts/baresip.ts';
import { itSettlesTheSameHoweverCut, stepRecorder } from '../helpers/chunking-suite.ts';
import { createDriverHarness } from '../helpers/driver-harness.ts';
import { startTcpPeer, type Chunking } from '../helpers/scripted-peer.ts';

/**
 * The baresip driver against a real baresip's ctrl_tcp output, served over TCP whole, byte by
 * byte and cut at random points: the handshake, a dial whose event beats its response, a mute
 * and a hang-up whose CALL_CLOSED beats its response settle the same whatever the cuts.
 */
async function session(chunking: Chunking) {
  const peer = await startTcpPeer(BARESIP_SCRIPT, chunking);
  const h = createDriverHarness(driver, { responseTimeoutMs: 1500 }, { type: 'tcp', host: '127.0.0.1', port: peer.port });
  const { results, step } = stepRecorder();
  try {
    await step('connect', () => h.connect());
    await step('dial', () => h.exec('dial', { number: BARESIP_FAR }));
    await step('connected', () => h.waitForState((s) => s.call?.status === 'connected'));
    await step('mute', () => h.exec('muteMicrophones'));
    await step('hangup', () => h.exec('hangup'));
    await step('idle', () => h.waitForState((s) => s.call?.status === 'idle'));
    const calls = ((h.state.calls ?? []) as Array<Record<string, unknown>>).map(({ number, direction, outcome }) => ({ number, direction, outcome }));
    return { results, calls, micMuted: h.state.micMuted, lost: h.lost.length, sent: peer.received().match(/"command":"\w+"/g) };
  } finally {
    await h.close();
    await peer.close();
  }
}

const EXPECTED = {
  results: ['connect: ok', 'dial: ok', 'connected: ok', 'mute: ok', 'hangup: ok', 'idle: ok'],
  calls: [{ number: BARESIP_FAR, direction: 'outgoing', outcome: 'answered' }],
  micMuted: true,
  lost: 0,
  sent: ['"command":"listcalls"', '"command":"dial"', '"command":"mute"', '"command":"hangup"'],
};

describe('baresip driver: a real baresip\'s ctrl_tcp output, however it is cut', () => {
  itSettlesTheSameHoweverCut(session, EXPECTED, { wholeTitle: 'each reply in one read (an event and a response in one netstring read)', maxCut: 1300, runs: 6 });
});
