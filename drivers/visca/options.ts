import { Type, type Static } from '../../src/sdk/index.ts';

/**
 * Options shared by `visca` and `visca-ip`: everything about the camera itself. Defaults are a
 * Sony SRG-300H (pan DE00..2200, tilt FC00..1200, optical zoom 0..4000, speeds 18/17).
 */
export const cameraOptionProperties = {
  maxPreset: Type.Integer({ minimum: 0, maximum: 254, default: 127, description: 'Highest preset (memory) number the camera accepts' }),
  presetEncoding: Type.Union([Type.Literal('nibble'), Type.Literal('byte')], {
    default: 'byte',
    description: "'nibble' (0p, Sony EVI/SRG, 0–15) or 'byte' (pp, BRC-300/PTZOptics); identical for presets 0–15",
  }),
  presets: Type.Record(Type.String(), Type.String(), { default: {}, description: 'Preset number -> name, copied into state.presets' }),
  panMin: Type.Integer({ minimum: -0x8000, maximum: 0x7fff, default: -0x2200, description: 'Pan limit in camera units (signed; DE00 = -8704)' }),
  panMax: Type.Integer({ minimum: -0x8000, maximum: 0x7fff, default: 0x2200 }),
  tiltMin: Type.Integer({ minimum: -0x8000, maximum: 0x7fff, default: -0x0400, description: 'Tilt limit in camera units (FC00 = -1024)' }),
  tiltMax: Type.Integer({ minimum: -0x8000, maximum: 0x7fff, default: 0x1200 }),
  zoomMin: Type.Integer({ minimum: 0, maximum: 0xffff, default: 0 }),
  zoomMax: Type.Integer({ minimum: 0, maximum: 0xffff, default: 0x4000, description: 'Optical tele end (SRG-300H: 4000)' }),
  panSpeedMax: Type.Integer({ minimum: 1, maximum: 0x7f, default: 0x18 }),
  tiltSpeedMax: Type.Integer({ minimum: 1, maximum: 0x7f, default: 0x17, description: 'Sony 0x17; PTZOptics/Vaddio 0x14' }),
  zoomSpeedMax: Type.Integer({ minimum: 0, maximum: 15, default: 7 }),
  gotoSpeed: Type.Number({ minimum: 0, maximum: 1, default: 1, description: 'Pan/tilt speed of goto, as a fraction of the maxima' }),
  replyTimeoutMs: Type.Integer({ minimum: 50, maximum: 30_000, default: 1000, description: 'Wait for a first reply (ACK, error, answer)' }),
  maxTimeouts: Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'Consecutive timeouts before the link is declared lost' }),
};

const CameraOptions = Type.Object(cameraOptionProperties);

/** The camera part of both drivers' options, typed. */
export type ViscaCameraOptions = Static<typeof CameraOptions>;
