import { RoomError } from '../../src/sdk/index.ts';
import { BROADCAST, checkRawPacket, parseHex } from './protocol.ts';
import type { ViscaSession } from './session.ts';

/** `send {data}`: a technician's hex packet, parsed and checked (BadArgs naming what is wrong). */
export function parseRawPacket(data: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = parseHex(data);
  } catch (err) {
    throw new RoomError('BadArgs', `args.data: ${(err as Error).message} (expected hex bytes like "81 09 04 00 FF")`);
  }
  const problem = checkRawPacket(bytes);
  if (problem) throw new RoomError('BadArgs', `args.data: ${problem}`);
  return bytes;
}

/** Sends a checked raw packet the way its kind needs (broadcast, cancel, inquiry, command); returns the camera's reply. */
export async function sendRawPacket(session: ViscaSession, bytes: Buffer, label: string, serialChain: boolean, signal: AbortSignal): Promise<Buffer> {
  if (bytes[0] === BROADCAST) {
    if (!serialChain) throw new RoomError('BadArgs', 'args.data: broadcasts (88 …) do not exist over IP');
    return session.broadcast(bytes, label, (f) => f[0] === BROADCAST, signal);
  }
  if ((bytes[1]! & 0xf0) === 0x20 && bytes.length === 3) return session.cancel(bytes, label, signal);
  if (bytes[1] === 0x09) return (await session.inquiry(bytes, label, signal)).frame;
  return (await session.command(bytes, label, signal)).frame;
}
