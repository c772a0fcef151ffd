import { SerialTransport, createFramer, type DiscoveredDevice, type DiscoverParams } from '../../src/sdk/index.ts';
import { decodeReply, decodeVersion, encode, splitReplies } from './protocol.ts';

const VENDORS: Record<number, string> = { 0x0001: 'Sony', 0x0020: 'Sony' };

/**
 * Finds VISCA cameras on the serial ports a technician names (never enumerated): Address Set on the
 * chain tells how many cameras answer, then each camera's CAM_VersionInq says what it is.
 */
export async function discoverVisca({ serialPorts, timeoutMs, log }: DiscoverParams): Promise<DiscoveredDevice[]> {
  const found = await Promise.all(serialPorts.map((path) => probePort(path, timeoutMs).catch((err: Error) => {
    log.debug({ path, err: err.message }, 'visca discovery: nothing on this port');
    return [];
  })));
  return found.flat();
}

async function probePort(path: string, timeoutMs: number): Promise<DiscoveredDevice[]> {
  const transport = await new SerialTransport({ type: 'serial', path, baudRate: 9600 }).open();
  const framer = createFramer(splitReplies);
  const waiters: Array<(frame: Buffer) => boolean> = [];
  transport.onData((chunk) => {
    for (const frame of framer.push(chunk)) {
      const index = waiters.findIndex((w) => w(frame));
      if (index >= 0) waiters.splice(index, 1);
    }
  });
  const ask = (packet: Buffer, accept: (frame: Buffer) => boolean, ms: number) =>
    new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ms);
      waiters.push((frame) => (accept(frame) ? (clearTimeout(timer), resolve(frame), true) : false));
      void transport.write(packet).catch(() => resolve(undefined));
    });
  try {
    const deadline = Math.max(200, Math.min(timeoutMs, 3000));
    const addressed = await ask(encode.addressSet(), (f) => decodeReply(f).type === 'addressSet', deadline);
    if (!addressed) return [];
    const reply = decodeReply(addressed);
    const cameras = reply.type === 'addressSet' ? Math.max(0, reply.nextAddress - 1) : 0;
    const devices: DiscoveredDevice[] = [];
    for (let address = 1; address <= Math.min(cameras, 7); address++) {
      const header = 0x80 + address * 0x10;
      const answer = await ask(encode.versionInquiry(address), (f) => f[0] === header && f[1] === 0x50 && f.length > 3, deadline);
      const version = answer ? decodeVersion(answer.subarray(2, answer.length - 1)) : undefined;
      const what = version
        ? `${VENDORS[version.vendor] ?? `vendor 0x${version.vendor.toString(16).padStart(4, '0')}`} model 0x${version.model.toString(16).padStart(4, '0')}`
        : 'VISCA camera (no version answer)';
      devices.push({
        driver: 'visca',
        address: `${path}#${address}`,
        description: `${what}, address ${address} on ${path}`,
        configSnippet: [
          `camera${cameras > 1 ? address : ''}:`,
          '  driver: visca',
          `  transport: { type: serial, path: ${path}, baudRate: 9600 }`,
          `  options: { address: ${address} }`,
          '',
        ].join('\n'),
      });
    }
    return devices;
  } finally {
    await transport.close();
  }
}
