import type { TestDaemon } from '../../tests/helpers/daemon.ts';
import { ViscaSerialSimulator } from '../../drivers/visca/simulator.ts';
import { encode, toHex } from '../../drivers/visca/protocol.ts';
import { speedByte } from '../../drivers/visca/units.ts';
import { allOnline, hasTool, startBenchDaemon } from '../../tests/helpers/rig.ts';

/** A VISCA camera simulator on a real link and an in-process daemon driving it. */
export interface CameraRig {
  sim: ViscaSerialSimulator;
  daemon: TestDaemon;
  /** `pty (socat)` or `loopback TCP (no socat)`, for the notes. */
  link: string;
  close(): Promise<void>;
}

/**
 * Starts the camera over a socat pty when socat exists (else loopback TCP), optionally paced at a
 * baud rate, and a daemon with `extraYaml` (e.g. an `mqtt:` section) that has it online.
 */
export async function startCameraRig(options: { baudRate?: number; extraYaml?: string } = {}): Promise<CameraRig> {
  // ROOMD_BENCH_LINK=tcp compares with loopback TCP (no socat process between the two ends).
  const pty = process.env.ROOMD_BENCH_LINK !== 'tcp' && hasTool('socat');
  const sim = await ViscaSerialSimulator.start({ link: pty ? 'pty' : 'tcp', ...(options.baudRate ? { baudRate: options.baudRate } : {}) });
  const t = sim.transport;
  const transport = t.type === 'serial' ? `{ type: serial, path: "${t.path}", baudRate: ${options.baudRate ?? 9600} }` : `{ type: tcp, host: 127.0.0.1, port: ${(t as { port: number }).port} }`;
  let daemon: TestDaemon;
  try {
    daemon = await startBenchDaemon(`
room: { id: bench, name: Bench }
devices:
  camera: { driver: visca, transport: ${transport}, options: { presets: { "1": "Salle", "2": "Pupitre" } } }
${options.extraYaml ?? ''}
`);
  } catch (err) {
    await sim.close();
    throw err;
  }
  const rig: CameraRig = {
    sim,
    daemon,
    link: pty ? `pty (socat)${options.baudRate ? ` at ${options.baudRate} baud` : ''}` : `loopback TCP${hasTool('socat') ? '' : ' (socat missing)'}${options.baudRate ? ` at ${options.baudRate} baud` : ''}`,
    async close() {
      await daemon.close();
      await sim.close();
    },
  };
  try {
    await allOnline(daemon);
  } catch (err) {
    await rig.close();
    throw err;
  }
  return rig;
}

/** The Memory Recall frame for camera 1, preset `n` (byte encoding), as the simulator logs it. */
export function recallFrame(n: number): string {
  return `81 01 04 3F 02 ${n.toString(16).toUpperCase().padStart(2, '0')} FF`;
}

/** Default speed maxima of the `visca` driver (Sony SRG-300H), which the rig's camera uses. */
const PAN_MAX = 0x18;
const TILT_MAX = 0x17;

/** The Pan-tilt Drive frame the driver sends for `move { pan, tilt }` (zoom 0), as the simulator logs it. */
export function driveFrame(pan: number, tilt: number): string {
  const panDir = pan > 0 ? 'right' : pan < 0 ? 'left' : 'stop';
  const tiltDir = tilt > 0 ? 'up' : tilt < 0 ? 'down' : 'stop';
  const frame = encode.panTiltDrive(1, speedByte(pan, PAN_MAX) || 8, speedByte(tilt, TILT_MAX) || 8, panDir, tiltDir);
  return toHex(frame);
}

/** The Pan-tilt Stop frame (`81 01 06 01 08 08 03 03 FF`). */
export const STOP_FRAME = toHex(encode.panTiltStop(1));
