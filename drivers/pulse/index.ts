import { RoomError, Type, defineDriver, type SimulatorHandle } from '../../src/sdk/index.ts';
import { PulseDriver } from './driver.ts';
import { hasPulseaudio, startPrivateDaemon } from './private-daemon.ts';
import { DEFAULT_SOURCE } from './protocol.ts';

/** `options` of a `pulse` device (docs/configuration.md): which source is the microphone, which sink the speaker. */
export const PulseOptionsSchema = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      default: DEFAULT_SOURCE,
      description: "PulseAudio/PipeWire source name (see `pactl list short sources`), or '@DEFAULT_SOURCE@'",
    }),
    sink: Type.Optional(
      Type.String({ minLength: 1, description: "Sink whose volume the `volume` capability drives (or '@DEFAULT_SINK@'); without it, the source's" }),
    ),
    server: Type.Optional(
      Type.String({ minLength: 1, description: 'PULSE_SERVER for every pactl call, e.g. unix:/run/user/1000/pulse/native' }),
    ),
  },
  { additionalProperties: false },
);

/** The `pulse` driver: the room PC's own USB speakerphone / microphones through `pactl`. */
export const driver = defineDriver({
  manifest: {
    name: 'pulse',
    title: 'Local microphone and speaker through PulseAudio / PipeWire (pactl)',
    manufacturer: 'PulseAudio / PipeWire (the room PC)',
    capabilities: ['micMute', 'volume'],
    checks: ['answers'],
    feedback: { micMute: 'full', volume: 'full' },
    transports: ['process'],
    defaultTransport: { type: 'process', command: 'pactl' },
    options: PulseOptionsSchema,
    // No pollIntervalMs: `pactl subscribe` tells the driver of every change.
    commandTimeoutMs: 5000,
  },
  create: (ctx) => new PulseDriver(ctx),
  /**
   * A private PulseAudio daemon with a null source (and a null sink) on its own unix socket — a real
   * server, not an imitation, so it exists only where the `pulseaudio` binary does. The driver reaches
   * it with `pactl --server unix:<dir>/native`. Sim options: `{ source?, sink? }` override the names.
   */
  async startSimulator(options, deviceOptions): Promise<SimulatorHandle> {
    if (!hasPulseaudio()) throw new RoomError('DeviceOffline', 'pulseaudio not installed: apt-get install pulseaudio pulseaudio-utils');
    const pick = (simValue: unknown, deviceValue: string | undefined, fallback: string) =>
      typeof simValue === 'string' ? simValue : deviceValue && !deviceValue.startsWith('@') ? deviceValue : fallback;
    let daemon;
    try {
      daemon = await startPrivateDaemon({
        sourceName: pick(options.source, deviceOptions.source, 'roomd_sim_mic'),
        sinkName: pick(options.sink, deviceOptions.sink, 'roomd_sim_speaker'),
      });
    } catch (err) {
      throw new RoomError('DeviceOffline', (err as Error).message);
    }
    return {
      transport: { type: 'process', command: 'pactl', args: ['--server', daemon.server] },
      close: () => daemon.stop(),
    };
  },
});
