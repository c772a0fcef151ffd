import { describe } from 'vitest';
import { driver } from '../../drivers/cisco-xapi/index.ts';
import { CISCO_SCRIPT } from '../fixtures/transcripts/cisco-xapi.ts';
import { itSettlesTheSameHoweverCut, stepRecorder } from '../helpers/chunking-suite.ts';
import { createDriverHarness } from '../helpers/driver-harness.ts';
import { startTcpPeer, type Chunking } from '../helpers/scripted-peer.ts';

/**
 * The cisco-xapi driver against a CE codec's terminal output as Cisco's guides print it, served
 * over TCP whole, byte by byte and cut at random points: login, registrations, status reads, a
 * dial, a mute and a hang-up by CallId settle the same whatever the cuts.
 */
const OPTIONS = { username: 'admin', password: 'secret', commandTimeoutMs: 1500, loginQuietMs: 300 };

async function session(chunking: Chunking) {
  const peer = await startTcpPeer(CISCO_SCRIPT, chunking);
  const h = createDriverHarness(driver, OPTIONS, { type: 'tcp', host: '127.0.0.1', port: peer.port });
  const { results, step } = stepRecorder();
  try {
    await step('connect', () => h.connect());
    await step('dial', () => h.exec('dial', { number: 'alice@example.com' }));
    await step('connected', () => h.waitForState((s) => s.call?.status === 'connected'));
    await step('mute', () => h.exec('muteMicrophones'));
    await step('muted', () => h.waitForState((s) => s.micMuted === true));
    await step('hangup', () => h.exec('hangup'));
    await step('idle', () => h.waitForState((s) => s.call?.status === 'idle'));
    const calls = ((h.state.calls ?? []) as Array<Record<string, unknown>>).map(({ number, direction, outcome }) => ({ number, direction, outcome }));
    return { results, calls, power: h.state.power, lost: h.lost.length };
  } finally {
    await h.close();
    await peer.close();
  }
}

const EXPECTED = {
  results: ['connect: ok', 'dial: ok', 'connected: ok', 'mute: ok', 'muted: ok', 'hangup: ok', 'idle: ok'],
  calls: [{ number: 'alice@example.com', direction: 'outgoing', outcome: 'answered' }],
  power: 'on',
  lost: 0,
};

describe('cisco-xapi driver: a CE codec\'s terminal output, however it is cut', () => {
  itSettlesTheSameHoweverCut(session, EXPECTED, { maxCut: 700, runs: 5 });
});
