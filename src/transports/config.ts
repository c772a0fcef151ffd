import { Type, type Static } from '../core/typebox.ts';

/** Transport settings as written in the config (docs/configuration.md). One schema gives the type, the validation and the reference. */
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Secret = {
  password: Type.Optional(Type.String()),
  passwordFile: Type.Optional(Type.String({ description: 'a file holding the password, instead of `password`' })),
};

export const SerialTransportConfig = Type.Object(
  {
    type: Type.Literal('serial'),
    path: Type.String({ minLength: 1, description: 'the device, e.g. /dev/ttyUSB0 (a /dev/serial/by-id/ path survives re-plugging)' }),
    baudRate: Type.Integer({ default: 9600, minimum: 50, maximum: 4_000_000 }),
    dataBits: Type.Optional(Type.Union([Type.Literal(5), Type.Literal(6), Type.Literal(7), Type.Literal(8)])),
    parity: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('even'), Type.Literal('odd')])),
    stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
  },
  { additionalProperties: false, description: 'RS-232 through a local serial port (default 8 data bits, no parity, 1 stop bit)' },
);
export const TcpTransportConfig = Type.Object(
  { type: Type.Literal('tcp'), host: Type.String({ minLength: 1 }), port: Port },
  { additionalProperties: false, description: 'a TCP connection (a device\'s control port, or a serial-to-TCP server)' },
);
export const UdpTransportConfig = Type.Object(
  { type: Type.Literal('udp'), host: Type.String({ minLength: 1 }), port: Port },
  { additionalProperties: false, description: 'UDP datagrams (VISCA over IP)' },
);
export const SshTransportConfig = Type.Object(
  { type: Type.Literal('ssh'), host: Type.String({ minLength: 1 }), port: Type.Optional(Port), username: Type.String(), ...Secret },
  { additionalProperties: false, description: 'an SSH shell session (codecs that offer their API over SSH); port 22 by default' },
);
export const HttpTransportConfig = Type.Object(
  { type: Type.Literal('http'), url: Type.String({ minLength: 1, description: 'the device\'s base URL, e.g. http://192.168.10.40/onvif/device_service' }), username: Type.Optional(Type.String()), ...Secret },
  { additionalProperties: false, description: 'HTTP requests (ONVIF SOAP)' },
);
export const ProcessTransportConfig = Type.Object(
  { type: Type.Literal('process'), command: Type.String({ minLength: 1, description: 'the program, found on PATH' }), args: Type.Optional(Type.Array(Type.String())) },
  { additionalProperties: false, description: 'a child process spoken to on stdin/stdout (cec-client, pactl); restarted when it exits' },
);
/** The driver's bundled simulator, started in-process on a loopback port or pty. `options` go to the simulator. */
export const SimTransportConfig = Type.Object(
  {
    type: Type.Literal('sim'),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'for the simulator (faults, delays, model); see the driver\'s README' })),
  },
  { additionalProperties: false, description: 'the driver\'s bundled simulator, started in-process on a loopback port or pty; it speaks the real wire protocol' },
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
