import type { CallStatus } from '../core/capabilities.ts';

/**
 * The words codecs use for a call's progress (Cisco xAPI `Call n Status`, Poly `cs:` state[...]
 * and `notification:callstatus`), lower-cased, → the call capability's status. One table, because
 * the codecs share most of the vocabulary; the direction (tracked by CallTracker) later decides
 * whether `ringing` is the far end or us. `idle` means the call is over.
 */
const CODEC_CALL_WORDS: Readonly<Record<string, CallStatus>> = {
  idle: 'idle',
  allocated: 'dialing',
  opened: 'dialing',
  dialing: 'dialing',
  dialling: 'dialing',
  ringing: 'ringing',
  connecting: 'ringing',
  earlymedia: 'ringing',
  bonding: 'ringing',
  connected: 'connected',
  complete: 'connected',
  onhold: 'connected',
  preserved: 'connected',
  remotepreserved: 'connected',
  disconnecting: 'disconnecting',
  clearing: 'disconnecting',
};

/** A codec's call-status word (any case) → the room's call status; `undefined` for a word we do not know. */
export function callStatusFromCodec(word: string): CallStatus | undefined {
  const key = word.toLowerCase();
  return Object.hasOwn(CODEC_CALL_WORDS, key) ? CODEC_CALL_WORDS[key] : undefined;
}
