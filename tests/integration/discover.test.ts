import { realpathSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscoveryResponder, type DiscoveryResponder } from '../../drivers/onvif/sim-discovery.ts';
import { ViscaSerialSimulator } from '../../drivers/visca/simulator.ts';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { requireTool } from '../helpers/tools.ts';

/** `POST /api/v1/discover` (what `roomctl discover` calls): bounded, and only to the targets allowed. */
describe('discovery for technicians', () => {
  let daemon: TestDaemon;
  let responder: DiscoveryResponder;

  beforeAll(async () => {
    responder = await startDiscoveryResponder({
      devices: [{ endpoint: 'urn:uuid:cam-9', xaddrs: 'http://127.0.0.1:8899/onvif/device_service' }],
    });
    daemon = await startTestDaemon('room: { id: disc, name: Salle }\n');
  });
  afterAll(async () => {
    await daemon?.close();
    await responder?.close();
  });

  it('lists ONVIF cameras with a config snippet ready to paste', async () => {
    const t0 = performance.now();
    const res = await daemon.api('POST', '/api/v1/discover', { drivers: ['onvif'], timeoutMs: 300, wsDiscoveryAddress: '127.0.0.1', wsDiscoveryPort: responder.port });
    expect(res.status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(res.body.errors).toEqual([]);
    expect(res.body.devices).toHaveLength(1);
    expect(res.body.devices[0]).toMatchObject({ driver: 'onvif', address: '127.0.0.1', description: expect.stringContaining('Simulated PTZ') });
    expect(res.body.devices[0].configSnippet).toContain('url: "http://127.0.0.1:8899/onvif/device_service"');
    expect(responder.probes).toHaveLength(1);
  });

  it('refuses targets other than the multicast group or loopback', async () => {
    const res = await daemon.api('POST', '/api/v1/discover', { wsDiscoveryAddress: '192.168.1.255' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BadArgs');
    expect(responder.probes).toHaveLength(1);
  });

  it.skipIf(!requireTool('socat', 'socat'))('finds a VISCA camera on a serial port it is given, and says what it is', async () => {
    const camera = await ViscaSerialSimulator.start({ link: 'pty' });
    try {
      // socat's link lives in a temp directory; discovery only takes the device's own path under /dev/.
      const path = realpathSync((camera.transport as { path: string }).path);
      const res = await daemon.api('POST', '/api/v1/discover', { drivers: ['visca'], serialPorts: [path, '/dev/ttyNOPE0'], timeoutMs: 500 });
      expect(res.status).toBe(200);
      expect(res.body.devices).toEqual([
        expect.objectContaining({ driver: 'visca', address: `${path}#1`, description: expect.stringContaining('Sony model 0x0511') }),
      ]);
      expect(res.body.devices[0].configSnippet).toContain(`transport: { type: serial, path: ${path}, baudRate: 9600 }`);
      expect(camera.log.received().slice(0, 2)).toEqual(['88 30 01 FF', '81 09 00 02 FF']);
    } finally {
      await camera.close();
    }
  });
});
