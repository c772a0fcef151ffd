import { describe, expect, it } from 'vitest';
import { driver } from '../../drivers/poly-group/index.ts';
import { polyScript } from '../fixtures/transcripts/poly-group.ts';
import { itSettlesTheSameHoweverCut, stepRecorder } from '../helpers/chunking-suite.ts';
import { createDriverHarness } from '../helpers/driver-harness.ts';
import { startTcpPeer, type Chunking } from '../helpers/scripted-peer.ts';

/**
 * The poly-group driver against the integrator references' own feedback, served over TCP whole,
 * byte by byte and cut at random points: both documented registration answers bring the codec
 * online on the FIRST connection, and the call settles the same whatever the cuts.
 */
const OPTIONS = { pacingMs: 0, bannerQuietMs: 300, commandTimeoutMs: 1500 };

async function session(registration: 'success' | 'already', chunking: Chunking) {
  const peer = await startTcpPeer(polyScript(registration), chunking);
  const h = createDriverHarness(driver, OPTIONS, { type: 'tcp', host: '127.0.0.1', port: peer.port });
  const { results, step } = stepRecorder();
  try {
    await step('connect', () => h.connect());
    await step('dial', () => h.exec('dial', { number: '192.168.1.101' }));
    await step('connected', () => h.waitForState((s) => s.call?.status === 'connected'));
    await step('hangup', () => h.exec('hangup'));
    await step('idle', () => h.waitForState((s) => s.call?.status === 'idle'));
    const calls = ((h.state.calls ?? []) as Array<Record<string, unknown>>).map(({ number, direction, outcome }) => ({ number, direction, outcome }));
    return { results, calls, micMuted: h.state.micMuted, connections: peer.accepted(), dialed: peer.received().match(/dial [^\r]*/g) };
  } finally {
    await h.close();
    await peer.close();
  }
}

const EXPECTED = {
  results: ['connect: ok', 'dial: ok', 'connected: ok', 'hangup: ok', 'idle: ok'],
  calls: [{ number: '192.168.1.101', direction: 'outgoing', outcome: 'answered' }],
  micMuted: false,
  connections: 1,
  dialed: ['dial manual 384 "192.168.1.101"'],
};

describe('poly-group driver: the references\' feedback, however it is cut', () => {
  it('online on the first connection when notify callstatus answers `already active`', async () => {
    expect(await session('already', 'whole')).toEqual(EXPECTED);
  }, 30_000);

  describe('answered `notify callstatus success`', () => {
    itSettlesTheSameHoweverCut((chunking) => session('success', chunking), EXPECTED, { wholeTitle: 'online on the first connection, each reply in one read', maxCut: 600, runs: 5 });
  });
});
