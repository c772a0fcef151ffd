import { startMdcSimulator, type MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { startCiscoSimulator, type CiscoSimulator } from '../../drivers/cisco-xapi/simulator.ts';
import { startShureSimulator, type ShureSimulator } from '../../drivers/shure-dcs/simulator.ts';
import { ViscaSerialSimulator } from '../../drivers/visca/simulator.ts';
import type { Faults } from '../../src/sim/faults.ts';
import type { TransportConfig } from '../../src/transports/config.ts';

/** How the camera's simulator is reached. */
export interface CameraLink {
  link: 'pty' | 'tcp';
  /** Paces bytes both ways at this rate (9600 for the joystick figure); none = as fast as the link goes. */
  baudRate?: number;
}

/**
 * The room as the benchmarks and the soak use it: a Samsung display, a Cisco codec, a VISCA camera
 * and a Shure array, each a simulator in THIS process (so its timestamps share our clock and its
 * fault switches are in reach), and the daemon pointed at their real transports.
 */
export type DeviceId = 'display' | 'codec' | 'camera' | 'mics';

/** YAML flow text added to a device: `options` entries (`replyTimeoutMs: 5000`) and other keys (`pollIntervalMs: 60000`). */
export interface DeviceExtra {
  options?: string;
  more?: string;
}

export interface SimRoom {
  display: MdcSimulator;
  codec: CiscoSimulator;
  camera: ViscaSerialSimulator;
  mics: ShureSimulator;
  /** The four fault switch sets, by device id. */
  faults: Record<DeviceId, Faults>;
  /** The `devices:` section for the daemon's config; `extra` adds options and keys per device. */
  devicesYaml(extra?: Partial<Record<DeviceId, DeviceExtra>>): string;
  close(): Promise<void>;
}

function flow(t: TransportConfig): string {
  if (t.type === 'tcp') return `{ type: tcp, host: ${t.host}, port: ${t.port} }`;
  if (t.type === 'serial') return `{ type: serial, path: "${t.path}", baudRate: ${t.baudRate ?? 9600} }`;
  throw new Error(`unexpected simulator transport ${t.type}`);
}

export async function startSimRoom(camera: CameraLink = { link: 'tcp' }): Promise<SimRoom> {
  const display = await startMdcSimulator({});
  const codec = await startCiscoSimulator({ username: 'admin', password: 'bench-secret' });
  const mics = await startShureSimulator({}, { model: 'MXA910' });
  const cam = await ViscaSerialSimulator.start({ link: camera.link, ...(camera.baudRate ? { baudRate: camera.baudRate } : {}) });
  return {
    display: display.sim,
    codec,
    camera: cam,
    mics: mics.sim,
    faults: { display: display.sim.faults, codec: codec.faults, camera: cam.faults, mics: mics.sim.faults },
    devicesYaml(extra = {}) {
      const line = (id: DeviceId, driver: string, t: TransportConfig, baseOptions: string[] = []) => {
        const options = [...baseOptions, ...(extra[id]?.options ? [extra[id]!.options!] : [])];
        const more = extra[id]?.more ? `, ${extra[id]!.more}` : '';
        return `  ${id}: { driver: ${driver}, transport: ${flow(t)}, options: { ${options.join(', ')} }${more} }`;
      };
      return [
        'devices:',
        line('display', 'samsung-mdc', display.transport),
        line('codec', 'cisco-xapi', codec.transport, ['username: admin', 'password: bench-secret']),
        line('camera', 'visca', cam.transport),
        line('mics', 'shure-dcs', mics.transport),
      ].join('\n');
    },
    async close() {
      await Promise.all([display.close(), codec.close(), cam.close(), mics.close()]);
    },
  };
}
