import { describe } from 'vitest';
import { driver } from '../../drivers/cec/index.ts';
import { CEC_CLIENT_SCRIPT } from '../fixtures/transcripts/cec-client.ts';
import { itSettlesTheSameHoweverCut, stepRecorder } from '../helpers/chunking-suite.ts';
import { createDriverHarness } from '../helpers/driver-harness.ts';
import { processPeerCommand, type Chunking } from '../helpers/scripted-peer.ts';

/**
 * The cec driver against the real cec-client's recorded output, replayed by a child process on the
 * driver's own process transport: byte by byte, each answer in one read (the echo and its
 * `waiting for input` together), and cut at random points. Every cut must settle the same commands
 * with the same results.
 */
const OPTIONS = { inputs: { laptop: '1.0.0.0', codec: '2.0.0.0' }, audioDevice: 5, answerTimeoutMs: 1500, replyTimeoutMs: 1000, startTimeoutMs: 5000 };

async function session(chunking: Chunking) {
  const h = createDriverHarness(driver, OPTIONS, { type: 'process', ...processPeerCommand(CEC_CLIENT_SCRIPT, chunking) });
  const { results, step } = stepRecorder();
  try {
    await step('connect', () => h.connect());
    await step('poll', () => h.poll());
    await step('reads standby', () => h.waitForState((s) => s.power === 'off'));
    await step('selectInput', () => h.exec('selectInput', { input: 'codec' }));
    await step('powerOn', () => h.exec('powerOn'));
    await step('reads on', () => h.waitForState((s) => s.power === 'on'));
    await step('volumeUp', () => h.exec('volumeUp'));
    await step('powerOff', () => h.exec('powerOff'));
    await step('reads standby again', () => h.waitForState((s) => s.power === 'off'));
    return { results, state: { power: h.state.power, input: h.state.input }, lost: h.lost.length };
  } finally {
    await h.close();
  }
}

const EXPECTED = {
  results: ['connect: ok', 'poll: ok', 'reads standby: ok', 'selectInput: ok', 'powerOn: ok', 'reads on: ok', 'volumeUp: ok', 'powerOff: ok', 'reads standby again: ok'],
  state: { power: 'off', input: 'codec' },
  lost: 0,
};

describe('cec driver: the real cec-client output, however it is cut', () => {
  itSettlesTheSameHoweverCut(session, EXPECTED, { wholeTitle: 'each answer in one read: the echo and `waiting for input` together do not time out', maxCut: 200, runs: 4 });
});
