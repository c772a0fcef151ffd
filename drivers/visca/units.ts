/**
 * Conversions between the room's units (pan/tilt −1..1, zoom 0..1, speeds −1..1) and camera
 * units (signed 16-bit positions, speed bytes). Pure.
 */

/** A camera's position range on one axis, in its own units. */
export interface AxisRange {
  min: number;
  max: number;
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/**
 * Camera units → −1..1. When the range straddles 0 the mapping is piecewise, so that camera 0
 * (straight ahead, level) is 0 for people too even on an asymmetric range like tilt FC00..1200.
 */
export function positionToUnit(value: number, range: AxisRange): number {
  const { min, max } = range;
  if (min < 0 && max > 0) return round4(value >= 0 ? clamp(value / max, 0, 1) : -clamp(value / min, 0, 1));
  return round4(clamp(((value - min) / (max - min)) * 2 - 1, -1, 1));
}

/** −1..1 → camera units (inverse of {@link positionToUnit}), rounded and clamped to the range. */
export function unitToPosition(unit: number, range: AxisRange): number {
  const { min, max } = range;
  const u = clamp(unit, -1, 1);
  if (min < 0 && max > 0) return Math.round(u >= 0 ? u * max : -u * min);
  return Math.round(min + ((u + 1) / 2) * (max - min));
}

/** Zoom camera units → 0..1 over the configured (optical) range. */
export function zoomToUnit(value: number, range: AxisRange): number {
  return round4(clamp((value - range.min) / (range.max - range.min), 0, 1));
}

/** 0..1 → zoom camera units. */
export function unitToZoom(unit: number, range: AxisRange): number {
  return Math.round(range.min + clamp(unit, 0, 1) * (range.max - range.min));
}

/**
 * A speed −1..1 → a speed byte 1..`max` (0 when the speed is 0): the slowest non-zero speed is 1,
 * because 0 is not a valid pan/tilt speed byte.
 */
export function speedByte(speed: number, max: number): number {
  const magnitude = Math.abs(clamp(speed, -1, 1));
  if (magnitude === 0) return 0;
  return clamp(Math.round(magnitude * max), 1, max);
}

/** A zoom speed −1..1 → the variable-speed nibble 0..`max` (0 is a valid, slowest, speed). */
export function zoomSpeedNibble(speed: number, max: number): number {
  const magnitude = Math.abs(clamp(speed, -1, 1));
  return clamp(Math.round(magnitude * max), 0, max);
}
