import { Type, type Static } from '../../src/sdk/index.ts';

/** `options` of a baresip device in the config. */
export const BaresipOptions = Type.Object(
  {
    domain: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Appended to a bare user part: "siege" dials sip:siege@DOMAIN (otherwise baresip uses the account domain)',
      }),
    ),
    answerMode: Type.Optional(
      Type.Union([Type.Literal('manual'), Type.Literal('auto')], {
        description: "Sent as baresip's `answermode` on every connect; absent leaves the account's setting alone",
      }),
    ),
    historySize: Type.Integer({ minimum: 0, maximum: 200, default: 20, description: 'Calls kept in the `calls` state field (newest last, the one still up included)' }),
    responseTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 4000,
      description: 'How long to wait for the response carrying a command token',
    }),
  },
  { additionalProperties: false },
);
export type BaresipOptions = Static<typeof BaresipOptions>;
