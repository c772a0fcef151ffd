import { describe } from 'vitest';
import { driver } from '../../drivers/shure-dcs/index.ts';
import { SHURE_SCRIPT } from '../fixtures/transcripts/shure-dcs.ts';
import { itSettlesTheSameHoweverCut, stepRecorder } from '../helpers/chunking-suite.ts';
import { createDriverHarness } from '../helpers/driver-harness.ts';
import { startTcpPeer, type Chunking } from '../helpers/scripted-peer.ts';

/**
 * The shure-dcs driver against an MXA910's REPs as Shure's reference writes them, served over TCP
 * whole, byte by byte and cut at random points: the GET ALL dump, mute and unmute with the LED
 * REP behind them, a channel mute, and a REP ERR settle the same whatever the cuts.
 */
const OPTIONS = { model: 'MXA910', replyTimeoutMs: 1500, errGraceMs: 50 };

async function session(chunking: Chunking) {
  const peer = await startTcpPeer(SHURE_SCRIPT, chunking);
  const h = createDriverHarness(driver, OPTIONS, { type: 'tcp', host: '127.0.0.1', port: peer.port });
  const { results, step } = stepRecorder();
  try {
    await step('connect', () => h.connect());
    await step('mute', () => h.exec('muteMicrophones'));
    const mutedAfterMute = h.state.micMuted;
    await step('channel 3 mute', () => h.exec('send', { data: '< SET 3 AUDIO_MUTE ON >' }));
    await step('unknown command', () => h.exec('send', { data: '< SET FLASH_ALL ON >' }));
    await step('unmute', () => h.exec('unmuteMicrophones'));
    const channels = (h.state.channels as Array<{ index: number; name: string | null; muted: boolean | null; gain: number | null }>).map((c) => `${c.index} ${c.name} ${c.muted} ${c.gain}`);
    return { results, mutedAfterMute, micMuted: h.state.micMuted, channels, lost: h.lost.length };
  } finally {
    await h.close();
    await peer.close();
  }
}

const EXPECTED = {
  results: ['connect: ok', 'mute: ok', 'channel 3 mute: ok', 'unknown command: DeviceError', 'unmute: ok'],
  mutedAfterMute: true,
  micMuted: false,
  channels: [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `${i} Lobe ${i} ${i === 3} 1100`),
  lost: 0,
};

describe('shure-dcs driver: an MXA910\'s REPs, however they are cut', () => {
  itSettlesTheSameHoweverCut(session, EXPECTED, { maxCut: 1400, runs: 5 });
});
