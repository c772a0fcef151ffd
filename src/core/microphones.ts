import type { Room } from './room.ts';

/** Every microphone in the room (arrays, USB mics, the codec's own) seen as one. */
export interface MicrophonesState {
  /** true/false when every online microphone device agrees; null when they disagree or none is known. */
  muted: boolean | null;
  /** Each micMute device's own state (null: unknown or offline). */
  devices: Record<string, boolean | null>;
  /** Devices whose state differs from the majority (what the panel warns about). */
  disagree: string[];
}

/** The ids of the devices with the micMute capability. */
export function microphoneDevices(room: Room): string[] {
  return room.devices().filter((d) => d.capabilities.includes('micMute')).map((d) => d.id);
}

/** The room's microphones now, from the state store (never asks a device). */
export function roomMicrophones(room: Room): MicrophonesState {
  const devices: Record<string, boolean | null> = {};
  for (const d of room.devices()) {
    if (!d.capabilities.includes('micMute')) continue;
    const value = d.state.micMuted;
    devices[d.id] = d.online && typeof value === 'boolean' ? value : null;
  }
  const known = Object.entries(devices).filter(([, v]) => v !== null) as Array<[string, boolean]>;
  const mutedCount = known.filter(([, v]) => v).length;
  const majority = mutedCount * 2 >= known.length; // ties count as muted: the safer reading
  const disagree = known.filter(([, v]) => v !== majority).map(([id]) => id);
  const muted = known.length === 0 || disagree.length > 0 ? null : majority;
  return { muted, devices, disagree };
}
