import { describe, expect, it } from 'vitest';
import { buildProbe, chooseXAddr, configSnippet, parseProbeMatches } from '../../drivers/onvif/discovery.ts';
import { buildProbeMatches } from '../../drivers/onvif/sim-discovery.ts';
import { parseXml } from '../../drivers/onvif/xml.ts';

const SCOPES = 'onvif://www.onvif.org/type/ptz onvif://www.onvif.org/hardware/HD_PREDATOR onvif://www.onvif.org/name/PREDATOR%20Salle';
const probeMatches = (devices: Array<{ endpoint: string; xaddrs: string; scopes?: string }>) =>
  buildProbeMatches(devices.map((d) => ({ scopes: SCOPES, ...d })));

describe('onvif WS-Discovery probe', () => {
  it('is a SOAP Probe for NetworkVideoTransmitter with our MessageID', () => {
    const root = parseXml(buildProbe('urn:uuid:1234'));
    const header = root.children.find((c) => c.name === 'Header')!;
    const texts = Object.fromEntries(header.children.map((c) => [c.name, c.text]));
    expect(texts).toEqual({
      MessageID: 'urn:uuid:1234',
      To: 'urn:schemas-xmlsoap-org:ws:2005:04:discovery',
      Action: 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe',
    });
    expect(buildProbe('urn:uuid:1234')).toContain('<d:Types>dn:NetworkVideoTransmitter</d:Types>');
    expect(buildProbe()).toMatch(/<a:MessageID>urn:uuid:[0-9a-f-]{36}<\/a:MessageID>/);
  });
});

describe('onvif ProbeMatches', () => {
  it('reads endpoint, types, scopes, xaddrs, name and hardware', () => {
    const [m, ...rest] = parseProbeMatches(probeMatches([{ endpoint: 'uuid:c979', xaddrs: 'http://10.0.0.5/onvif/device_service http://[fe80::1]/onvif/device_service' }]));
    expect(rest).toEqual([]);
    expect(m).toEqual({
      endpoint: 'uuid:c979',
      types: ['dn:NetworkVideoTransmitter', 'tds:Device'],
      scopes: ['onvif://www.onvif.org/type/ptz', 'onvif://www.onvif.org/hardware/HD_PREDATOR', 'onvif://www.onvif.org/name/PREDATOR%20Salle'],
      xaddrs: ['http://10.0.0.5/onvif/device_service', 'http://[fe80::1]/onvif/device_service'],
      name: 'PREDATOR Salle',
      hardware: 'HD_PREDATOR',
    });
  });

  it('dedupes by endpoint within a message and drops matches without endpoint or http XAddr', () => {
    const matches = parseProbeMatches(probeMatches([
      { endpoint: 'uuid:a', xaddrs: 'http://10.0.0.5/onvif/device_service' },
      { endpoint: 'uuid:a', xaddrs: 'http://10.0.1.5/onvif/device_service' },
      { endpoint: '', xaddrs: 'http://10.0.0.6/onvif/device_service' },
      { endpoint: 'uuid:b', xaddrs: 'soap.udp://10.0.0.7' },
      { endpoint: 'uuid:c', xaddrs: 'http://10.0.0.8/onvif/device_service', scopes: 'onvif://www.onvif.org/name/%E0%A4%A' },
    ]));
    expect(matches.map((m) => [m.endpoint, m.xaddrs[0], m.name])).toEqual([
      ['uuid:a', 'http://10.0.0.5/onvif/device_service', 'PREDATOR Salle'],
      ['uuid:c', 'http://10.0.0.8/onvif/device_service', '%E0%A4%A'],
    ]);
  });

  it.each([
    ['junk bytes', '\u0000\u00ff garbage'],
    ['not SOAP', '<html><body>hello</body></html>'],
    ['a Probe, not a match', buildProbe('urn:uuid:1')],
    ['truncated', probeMatches([{ endpoint: 'uuid:a', xaddrs: 'http://10.0.0.5/' }]).slice(0, 200)],
  ])('ignores %s', (_label, text) => {
    expect(parseProbeMatches(text)).toEqual([]);
  });

  it.each([
    [['http://10.0.1.9/x', 'http://192.168.1.20/x'], '192.168.1.20', 'http://192.168.1.20/x'],
    [['http://10.0.1.9/x', 'http://192.168.1.21/x'], '192.168.1.20', 'http://192.168.1.21/x'],
    [['http://10.0.1.9/x', 'http://10.0.2.9/x'], '192.168.1.20', 'http://10.0.1.9/x'],
  ])('chooseXAddr(%j, %s) = %s', (xaddrs, from, expected) => {
    expect(chooseXAddr(xaddrs, from)).toBe(expected);
  });

  it('makes a YAML config snippet with the password in a file', () => {
    expect(configSnippet('http://192.168.1.20/onvif/device_service', { endpoint: 'uuid:a', name: 'PTZ\nSalle', hardware: 'HD' })).toBe(
      [
        '# PTZ Salle (HD) — uuid:a',
        'camera:',
        '  driver: onvif',
        '  transport:',
        '    type: http',
        '    url: "http://192.168.1.20/onvif/device_service"',
        '    username: admin',
        '    passwordFile: /etc/roomd/camera.password',
        '',
      ].join('\n'),
    );
  });
});
