import { afterEach, describe, expect, it } from 'vitest';
import { discoverOnvif } from '../../drivers/onvif/discovery.ts';
import { startDiscoveryResponder, type DiscoveryResponder } from '../../drivers/onvif/sim-discovery.ts';

/** discoverOnvif against a WS-Discovery responder bound on 127.0.0.1 (nothing leaves loopback). */

let responder: DiscoveryResponder | undefined;
afterEach(async () => {
  await responder?.close();
  responder = undefined;
});

describe('onvif WS-Discovery', () => {
  it('sends one Probe and returns each camera once, with a config snippet, ignoring junk and duplicates', async () => {
    responder = await startDiscoveryResponder({
      devices: [
        { endpoint: 'urn:uuid:cam-1', xaddrs: 'http://10.9.9.9/onvif/device_service http://127.0.0.1:8080/onvif/device_service' },
        { endpoint: 'urn:uuid:cam-2', xaddrs: 'http://127.0.0.2/onvif/device_service', scopes: 'onvif://www.onvif.org/name/Back' },
      ],
      duplicate: true,
      junk: true,
    });
    const t0 = performance.now();
    const cameras = await discoverOnvif({ timeoutMs: 300, multicastAddress: '127.0.0.1', port: responder.port, bindAddress: '127.0.0.1' });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(responder.probes).toHaveLength(1);
    expect(responder.probes[0]).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(cameras.map((c) => [c.endpoint, c.address, c.name, c.hardware])).toEqual([
      ['urn:uuid:cam-1', '127.0.0.1', 'Simulated PTZ', 'SIM-PTZ'],
      ['urn:uuid:cam-2', '127.0.0.1', 'Back', undefined],
    ]);
    expect(cameras[0]!.xaddrs).toHaveLength(2);
    // The XAddr on the host that answered wins over the unreachable one listed first.
    expect(cameras[0]!.configSnippet).toContain('url: "http://127.0.0.1:8080/onvif/device_service"');
    expect(cameras[0]!.configSnippet).toContain('driver: onvif');
    expect(cameras[1]!.configSnippet).toContain('url: "http://127.0.0.2/onvif/device_service"');
  });

  it('returns an empty list when no camera matches, within the time bound', async () => {
    responder = await startDiscoveryResponder({ devices: [] });
    const t0 = performance.now();
    const cameras = await discoverOnvif({ timeoutMs: 150, multicastAddress: '127.0.0.1', port: responder.port, bindAddress: '127.0.0.1' });
    expect(cameras).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
