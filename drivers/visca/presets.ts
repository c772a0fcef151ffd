import { RoomError } from '../../src/sdk/index.ts';
import type { ViscaCameraOptions } from './options.ts';

/** A preset number, or a name from options.presets, checked against the camera's range. */
export function presetNumber(ref: number | string, o: Pick<ViscaCameraOptions, 'presets' | 'presetEncoding' | 'maxPreset'>): number {
  let n: number | undefined;
  if (typeof ref === 'number') n = ref;
  else if (/^\d+$/.test(ref.trim())) n = Number(ref.trim());
  else {
    const wanted = ref.trim().toLowerCase();
    const found = Object.entries(o.presets).find(([, name]) => name.trim().toLowerCase() === wanted);
    if (!found || !/^\d+$/.test(found[0])) {
      const known = Object.entries(o.presets).map(([k, v]) => `${k} "${v}"`).join(', ') || 'none configured';
      throw new RoomError('BadArgs', `args.preset: no preset named '${ref}' (known: ${known})`);
    }
    n = Number(found[0]);
  }
  const max = o.presetEncoding === 'nibble' ? Math.min(15, o.maxPreset) : o.maxPreset;
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new RoomError('BadArgs', `args.preset: ${n} is outside this camera's presets 0–${max}`);
  }
  return n;
}
