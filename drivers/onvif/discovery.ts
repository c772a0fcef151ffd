import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { child, find, findAll, parseXml, textOf, type XmlElement } from './xml.ts';

/**
 * WS-Discovery for technicians (drivers/onvif/README.md, "Discovery"): one Probe for NetworkVideoTransmitters, the
 * ProbeMatches collected for a bounded time, each turned into a ready-to-paste config snippet.
 * Building the Probe and reading the matches are pure; only `discoverOnvif` touches the network.
 */

/** Builds the SOAP Probe agsh/onvif and most VMSs send (Types dn:NetworkVideoTransmitter). */
export function buildProbe(messageId: string = `urn:uuid:${randomUUID()}`): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"' +
    ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
    `<s:Header><a:MessageID>${messageId}</a:MessageID>` +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>' +
    '<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header>' +
    '<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes/></d:Probe></s:Body></s:Envelope>'
  );
}

/** One device from a ProbeMatch. */
export interface ProbeMatch {
  /** EndpointReference/Address (urn:uuid:...): the device's identity. */
  endpoint: string;
  types: string[];
  scopes: string[];
  xaddrs: string[];
  name?: string;
  hardware?: string;
}

function scopeValue(scopes: string[], kind: string): string | undefined {
  const prefix = `onvif://www.onvif.org/${kind}/`;
  const hit = scopes.find((s) => s.toLowerCase().startsWith(prefix));
  if (!hit) return undefined;
  const raw = hit.slice(prefix.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const words = (el: XmlElement | undefined): string[] => (textOf(el) ?? '').split(/\s+/).filter(Boolean);

/**
 * Reads the ProbeMatch entries of one datagram. Anything that is not a SOAP ProbeMatches message
 * (junk, other WS-Discovery traffic, matches without an endpoint or an http XAddr) yields [].
 * Matches repeated inside one message are merged by endpoint.
 */
export function parseProbeMatches(datagram: string): ProbeMatch[] {
  let root: XmlElement;
  try {
    root = parseXml(datagram);
  } catch {
    return [];
  }
  if (root.name !== 'Envelope') return [];
  const out = new Map<string, ProbeMatch>();
  for (const match of findAll(find(child(root, 'Body'), 'ProbeMatches'), 'ProbeMatch')) {
    const endpoint = textOf(find(child(match, 'EndpointReference'), 'Address'));
    const xaddrs = words(child(match, 'XAddrs')).filter((u) => /^https?:\/\//i.test(u));
    if (!endpoint || xaddrs.length === 0 || out.has(endpoint)) continue;
    const scopes = words(child(match, 'Scopes'));
    const found: ProbeMatch = { endpoint, types: words(child(match, 'Types')), scopes, xaddrs };
    const name = scopeValue(scopes, 'name');
    const hardware = scopeValue(scopes, 'hardware');
    if (name) found.name = name;
    if (hardware) found.hardware = hardware;
    out.set(endpoint, found);
  }
  return [...out.values()];
}

/**
 * The XAddr to use for a device that answered from `address`: one on that host, else one on the
 * same /24, else the first (multi-homed cameras list addresses the client cannot reach).
 */
export function chooseXAddr(xaddrs: string[], address: string): string {
  const host = (u: string): string => {
    try {
      return new URL(u).hostname;
    } catch {
      return '';
    }
  };
  const subnet = (ip: string): string => ip.split('.').slice(0, 3).join('.');
  return xaddrs.find((u) => host(u) === address) ?? xaddrs.find((u) => subnet(host(u)) === subnet(address)) ?? xaddrs[0]!;
}

/** A YAML device entry for roomd's config, with the password kept in a file. */
export function configSnippet(url: string, match: Pick<ProbeMatch, 'endpoint' | 'name' | 'hardware'>, deviceId = 'camera'): string {
  const label = [match.name, match.hardware && `(${match.hardware})`].filter(Boolean).join(' ').replace(/[\r\n]+/g, ' ');
  return [
    `# ${label ? `${label} — ` : ''}${match.endpoint}`,
    `${deviceId}:`,
    '  driver: onvif',
    '  transport:',
    '    type: http',
    `    url: ${JSON.stringify(url)}`,
    '    username: admin',
    `    passwordFile: /etc/roomd/${deviceId}.password`,
    '',
  ].join('\n');
}

/** One camera found on the network. */
export interface DiscoveredCamera {
  /** The IP address the answer came from. */
  address: string;
  xaddrs: string[];
  name?: string;
  hardware?: string;
  endpoint: string;
  configSnippet: string;
}

export interface DiscoverOptions {
  /** How long to collect answers (default 3000 ms). */
  timeoutMs?: number;
  multicastAddress?: string;
  port?: number;
  /** Local address to bind (default all interfaces). */
  bindAddress?: string;
}

/**
 * Sends one Probe and collects ProbeMatches until `timeoutMs`; answers are deduplicated by
 * endpoint, junk is ignored. Rejects only when the probe cannot be sent at all.
 */
export function discoverOnvif(options: DiscoverOptions = {}): Promise<DiscoveredCamera[]> {
  const { timeoutMs = 3000, multicastAddress = '239.255.255.250', port = 3702, bindAddress } = options;
  const probe = Buffer.from(buildProbe());
  const found = new Map<string, DiscoveredCamera>();
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // already closed by the error that brought us here
      }
      if (err) reject(err);
      else resolve([...found.values()]);
    };
    socket.on('error', (err) => finish(new Error(`WS-Discovery to ${multicastAddress}:${port} failed: ${err.message}`)));
    socket.on('message', (msg, rinfo) => {
      for (const match of parseProbeMatches(msg.toString('utf8'))) {
        if (found.has(match.endpoint)) continue;
        const url = chooseXAddr(match.xaddrs, rinfo.address);
        const camera: DiscoveredCamera = { address: rinfo.address, xaddrs: match.xaddrs, endpoint: match.endpoint, configSnippet: configSnippet(url, match) };
        if (match.name) camera.name = match.name;
        if (match.hardware) camera.hardware = match.hardware;
        found.set(match.endpoint, camera);
      }
    });
    socket.bind(0, bindAddress, () => {
      timer = setTimeout(() => finish(), timeoutMs);
      socket.send(probe, port, multicastAddress, (err) => {
        if (err) finish(new Error(`WS-Discovery probe to ${multicastAddress}:${port} could not be sent: ${err.message}`));
      });
    });
  });
}
