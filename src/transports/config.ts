import { Type, type Static } from '@sinclair/typebox';

/** Transport settings as written in the config (CONTRACT §2). One schema gives the type and the validation. */
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Secret = { password: Type.Optional(Type.String()), passwordFile: Type.Optional(Type.String()) };

export const SerialTransportConfig = Type.Object(
  {
    type: Type.Literal('serial'),
    path: Type.String({ minLength: 1 }),
    baudRate: Type.Integer({ default: 9600, minimum: 50, maximum: 4_000_000 }),
    dataBits: Type.Optional(Type.Union([Type.Literal(5), Type.Literal(6), Type.Literal(7), Type.Literal(8)])),
    parity: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('even'), Type.Literal('odd')])),
    stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
  },
  { additionalProperties: false },
);
export const TcpTransportConfig = Type.Object(
  { type: Type.Literal('tcp'), host: Type.String({ minLength: 1 }), port: Port },
  { additionalProperties: false },
);
export const UdpTransportConfig = Type.Object(
  { type: Type.Literal('udp'), host: Type.String({ minLength: 1 }), port: Port },
  { additionalProperties: false },
);
export const SshTransportConfig = Type.Object(
  { type: Type.Literal('ssh'), host: Type.String({ minLength: 1 }), port: Type.Optional(Port), username: Type.String(), ...Secret },
  { additionalProperties: false },
);
export const HttpTransportConfig = Type.Object(
  { type: Type.Literal('http'), url: Type.String({ minLength: 1 }), username: Type.Optional(Type.String()), ...Secret },
  { additionalProperties: false },
);
export const ProcessTransportConfig = Type.Object(
  { type: Type.Literal('process'), command: Type.String({ minLength: 1 }), args: Type.Optional(Type.Array(Type.String())) },
  { additionalProperties: false },
);
/** The driver's bundled simulator, started in-process on a loopback port or pty. `options` go to the simulator. */
export const SimTransportConfig = Type.Object(
  {
    type: Type.Literal('sim'),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const TransportConfig = Type.Union([
  SerialTransportConfig,
  TcpTransportConfig,
  UdpTransportConfig,
  SshTransportConfig,
  HttpTransportConfig,
  ProcessTransportConfig,
  SimTransportConfig,
]);

export type SerialTransportConfig = Static<typeof SerialTransportConfig>;
export type TcpTransportConfig = Static<typeof TcpTransportConfig>;
export type UdpTransportConfig = Static<typeof UdpTransportConfig>;
export type SshTransportConfig = Static<typeof SshTransportConfig>;
export type HttpTransportConfig = Static<typeof HttpTransportConfig>;
export type ProcessTransportConfig = Static<typeof ProcessTransportConfig>;
export type SimTransportConfig = Static<typeof SimTransportConfig>;
export type TransportConfig = Static<typeof TransportConfig>;
export type TransportType = TransportConfig['type'];
export const TRANSPORT_TYPES: readonly TransportType[] = ['serial', 'tcp', 'udp', 'ssh', 'http', 'process', 'sim'];
