import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { find, parseXml, textOf } from './xml.ts';

/**
 * A tiny WS-Discovery responder for tests and demos: answers each Probe on its UDP socket with
 * ProbeMatches (shaped like agsh/onvif's test/serverMockup/Probe.xml), optionally twice (a
 * multi-homed camera) and preceded by junk (another device's noise). Binds loopback only.
 */

/** A device the responder announces. */
export interface AnnouncedDevice {
  endpoint: string;
  xaddrs: string;
  scopes?: string;
}

/** A ProbeMatches message for these devices, relating to the Probe's MessageID. */
export function buildProbeMatches(devices: AnnouncedDevice[], relatesTo = 'urn:uuid:unknown'): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"' +
    ' xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsdd="http://schemas.xmlsoap.org/ws/2005/04/discovery">' +
    `<SOAP-ENV:Header><wsa:MessageID>urn:uuid:${Math.random().toString(16).slice(2)}</wsa:MessageID><wsa:RelatesTo>${relatesTo}</wsa:RelatesTo>` +
    '<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header>' +
    '<SOAP-ENV:Body><wsdd:ProbeMatches>' +
    devices
      .map(
        (d) =>
          `<wsdd:ProbeMatch><wsa:EndpointReference><wsa:Address>${d.endpoint}</wsa:Address></wsa:EndpointReference>` +
          '<wsdd:Types>dn:NetworkVideoTransmitter tds:Device</wsdd:Types>' +
          `<wsdd:Scopes>${d.scopes ?? 'onvif://www.onvif.org/type/ptz onvif://www.onvif.org/hardware/SIM-PTZ onvif://www.onvif.org/name/Simulated%20PTZ'}</wsdd:Scopes>` +
          `<wsdd:XAddrs>${d.xaddrs}</wsdd:XAddrs><wsdd:MetadataVersion>1</wsdd:MetadataVersion></wsdd:ProbeMatch>`,
      )
      .join('') +
    '</wsdd:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>'
  );
}

export interface DiscoveryResponderOptions {
  devices: AnnouncedDevice[];
  /** Send every answer twice. */
  duplicate?: boolean;
  /** Send a junk datagram before the answer. */
  junk?: boolean;
}

export interface DiscoveryResponder {
  port: number;
  /** MessageIDs of the Probes received. */
  probes: string[];
  close(): Promise<void>;
}

export function startDiscoveryResponder(options: DiscoveryResponderOptions): Promise<DiscoveryResponder> {
  const socket: Socket = createSocket('udp4');
  const probes: string[] = [];
  socket.on('message', (msg, rinfo) => {
    let messageId: string | undefined;
    try {
      const root = parseXml(msg.toString('utf8'));
      if (!find(root, 'Probe')) return;
      messageId = textOf(find(root, 'MessageID'));
    } catch {
      return;
    }
    probes.push(messageId ?? '');
    const answer = Buffer.from(buildProbeMatches(options.devices, messageId));
    if (options.junk) socket.send(Buffer.from('\u0000\u00ffnot soap'), rinfo.port, rinfo.address);
    socket.send(answer, rinfo.port, rinfo.address);
    if (options.duplicate) socket.send(answer, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve({
        port: (socket.address() as AddressInfo).port,
        probes,
        close: () => new Promise((r) => socket.close(() => r())),
      });
    });
  });
}
