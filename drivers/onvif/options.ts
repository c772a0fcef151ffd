import { Type } from '../../src/sdk/index.ts';

const PresetNumber = Type.String({ pattern: '^[0-9]{1,3}$' });

/** `options` of an onvif device in the config (one schema: validation, type and docs). */
export const OnvifOptions = Type.Object(
  {
    profile: Type.Optional(Type.String({ minLength: 1, description: 'media profile token; default: the first profile with a PTZ configuration' })),
    presets: Type.Optional(
      Type.Record(PresetNumber, Type.String({ minLength: 1, maxLength: 64 }), {
        additionalProperties: false,
        description: 'preset number -> name for people, e.g. {"1": "Salle entière"}; copied into state.presets',
      }),
    ),
    presetTokens: Type.Optional(
      Type.Record(PresetNumber, Type.String({ minLength: 1, maxLength: 64 }), {
        additionalProperties: false,
        description: 'preset number -> camera PresetToken; default: discovered with GetPresets (by numeric Name, else by order)',
      }),
    ),
    quirks: Type.Optional(
      Type.Object(
        {
          stopWithZeroMove: Type.Optional(Type.Boolean({ description: 'also send a zero-velocity ContinuousMove after Stop (cameras whose Stop does nothing)' })),
          noTimeout: Type.Optional(Type.Boolean({ description: 'omit Timeout in ContinuousMove (cameras that reject it)' })),
          preserveAddress: Type.Optional(Type.Boolean({ description: 'use the configured host:port for every service, not the XAddrs the camera reports' })),
        },
        { additionalProperties: false },
      ),
    ),
    moveTimeoutSec: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3600, default: 10, description: 'ContinuousMove Timeout, whole seconds (a safety net; stop is always sent)' }),
    ),
    requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000, default: 5000, description: 'per SOAP request' })),
  },
  { additionalProperties: false },
);
