import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLink, RoomError, type ByteTransport, type Reply } from '../../src/sdk/index.ts';

/** A TCP peer on 127.0.0.1 (port chosen at run time) that keeps its sockets and what each sent. */
async function startPeer() {
  const sockets: net.Socket[] = [];
  const received: string[][] = [];
  const closed: boolean[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const server = net.createServer((socket) => {
    const n = sockets.push(socket) - 1;
    received[n] = [];
    closed[n] = false;
    socket.on('data', (chunk) => {
      received[n]!.push(chunk.toString('latin1'));
      notify();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed[n] = true;
      notify();
    });
    notify();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const until = (check: () => boolean, what: string, timeoutMs = 5000) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve();
      // Told by the peer's sockets, and polled for what happens on the driver's side (lost).
      const poll = setInterval(() => w(), 10);
      const timer = setTimeout(() => {
        waiters.delete(w);
        clearInterval(poll);
        reject(new Error(`peer: ${what} did not happen within ${timeoutMs} ms`));
      }, timeoutMs);
      const w = () => {
        if (!check()) return;
        clearTimeout(timer);
        clearInterval(poll);
        waiters.delete(w);
        resolve();
      };
      waiters.add(w);
    });
  return {
    transport: { type: 'tcp' as const, host: '127.0.0.1', port },
    sockets,
    received,
    closed,
    until,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

type Peer = Awaited<ReturnType<typeof startPeer>>;

/** A driver-shaped user of the link: `ask` writes a line and the next line from the device answers it. */
function makeDriver(peer: Peer) {
  const lost: Error[] = [];
  const heard: Array<{ text: string; transport: ByteTransport }> = [];
  let pending: Reply<string> | undefined;
  const link = new DeviceLink({
    open: peer.transport,
    onData: (chunk, transport) => {
      heard.push({ text: chunk.toString('latin1'), transport });
      pending?.resolve(chunk.toString('latin1').trim());
    },
    lost: (err) => lost.push(err),
  });
  const ask = (line: string, timeoutMs = 5000, signal?: AbortSignal) =>
    link.oneAtATime(() =>
      link.request<string>({
        frame: `${line}\n`,
        label: line,
        timeoutMs,
        ...(signal ? { signal } : {}),
        timedOut: () => new RoomError('DeviceTimeout', `${line}: no answer within ${timeoutMs} ms`),
        start: (reply) => (pending = reply),
        settled: () => (pending = undefined),
      }),
    );
  return { link, lost, heard, ask };
}

const peers: Peer[] = [];
const links: DeviceLink[] = [];
afterEach(async () => {
  for (const l of links.splice(0)) await l.disconnect();
  for (const p of peers.splice(0)) await p.close();
});

async function setup() {
  const peer = await startPeer();
  peers.push(peer);
  const d = makeDriver(peer);
  links.push(d.link);
  return { peer, ...d };
}

describe('DeviceLink over a real TCP socket', () => {
  it('a request resolves on its reply, and the requests go out one at a time', async () => {
    const { peer, link, ask } = await setup();
    await link.connect(async () => undefined);
    expect(link.online).toBe(true);
    const first = ask('one');
    const second = ask('two');
    await peer.until(() => peer.received[0]?.join('') === 'one\n', 'the first request');
    // The second is not written while the first waits for its answer.
    await new Promise((r) => setTimeout(r, 50));
    expect(peer.received[0]!.join('')).toBe('one\n');
    peer.sockets[0]!.write('1\n');
    await expect(first).resolves.toBe('1');
    await peer.until(() => peer.received[0]!.join('') === 'one\ntwo\n', 'the second request');
    peer.sockets[0]!.write('2\n');
    await expect(second).resolves.toBe('2');
  });

  it('fails the request in flight with DeviceOffline when the device closes the link, then reports lost once', async () => {
    const { peer, link, lost, ask } = await setup();
    await link.connect(async () => undefined);
    const waiting = ask('status');
    await peer.until(() => peer.received[0]?.length === 1, 'the request');
    peer.sockets[0]!.destroy();
    await expect(waiting).rejects.toMatchObject({ code: 'DeviceOffline', message: expect.stringMatching(/link lost/) });
    expect(lost).toHaveLength(1);
    expect(link.online).toBe(false);
    expect(link.transport).toBeUndefined();
    await expect(ask('again')).rejects.toMatchObject({ code: 'DeviceOffline', message: 'again: not connected' });
  });

  it('does not report lost for a link that closes during the handshake; connect() rejects instead', async () => {
    const { peer, link, lost, ask } = await setup();
    const connecting = link.connect(async () => {
      await ask('hello');
    });
    await peer.until(() => peer.received[0]?.length === 1, 'the handshake request');
    peer.sockets[0]!.destroy();
    await expect(connecting).rejects.toMatchObject({ code: 'DeviceOffline' });
    expect(lost).toEqual([]);
    expect(link.online).toBe(false);

    // The next connect succeeds; only a loss after it is reported.
    const again = link.connect(async () => {
      await ask('hello');
    });
    await peer.until(() => peer.received[1]?.length === 1, 'the second handshake request');
    peer.sockets[1]!.write('hi\n');
    await again;
    expect(link.online).toBe(true);
    peer.sockets[1]!.destroy();
    await peer.until(() => lost.length === 1, 'lost');
    expect(lost).toHaveLength(1);
  });

  it('a late close or late bytes of a stale link leave the new link alone', async () => {
    const { peer, link, lost, heard, ask } = await setup();
    await link.connect(async () => undefined);
    const stale = link.transport!;
    await link.connect(async () => undefined); // a new link while the old socket is still up
    const fresh = link.transport!;
    expect(fresh).not.toBe(stale);
    await peer.until(() => peer.sockets.length === 2, 'the second connection');
    const waiting = ask('on the new link');
    await peer.until(() => peer.received[1]?.length === 1, 'the request on the new link');
    peer.sockets[0]!.write('from the old link\n');
    peer.sockets[0]!.destroy();
    await peer.until(() => peer.closed[0] === true, 'the old socket closing');
    await new Promise((r) => setTimeout(r, 50));
    expect(heard).toEqual([]);
    expect(lost).toEqual([]);
    expect(link.transport).toBe(fresh);
    expect(link.online).toBe(true);
    peer.sockets[1]!.write('answer\n');
    await expect(waiting).resolves.toBe('answer');
    await stale.close();
  });

  it('closes the transport when the handshake fails, and rethrows its error', async () => {
    const { peer, link, lost } = await setup();
    const refused = new RoomError('DeviceError', 'password refused');
    await expect(link.connect(async () => Promise.reject(refused))).rejects.toBe(refused);
    await peer.until(() => peer.closed[0] === true, 'the device seeing the link closed');
    expect(link.transport).toBeUndefined();
    expect(link.online).toBe(false);
    expect(lost).toEqual([]);
  });

  it('disconnect() fails what is in flight (requests and tracked waits) with DeviceOffline, without lost', async () => {
    const { peer, link, lost, ask } = await setup();
    await link.connect(async () => undefined);
    const waiting = ask('status');
    const login = new Promise<void>((_, reject) => link.track(reject));
    await peer.until(() => peer.received[0]?.length === 1, 'the request');
    await link.disconnect();
    await expect(waiting).rejects.toMatchObject({ code: 'DeviceOffline', message: 'disconnected' });
    await expect(login).rejects.toMatchObject({ code: 'DeviceOffline' });
    await peer.until(() => peer.closed[0] === true, 'the device seeing the link closed');
    expect(lost).toEqual([]);
  });

  it('times a request out with the driver’s error, and an abort with the signal’s reason', async () => {
    const { link, ask } = await setup();
    await link.connect(async () => undefined);
    await expect(ask('slow', 100)).rejects.toMatchObject({ code: 'DeviceTimeout', message: 'slow: no answer within 100 ms' });
    const aborter = new AbortController();
    const waiting = ask('abandoned', 5000, aborter.signal);
    aborter.abort(new RoomError('DeviceTimeout', 'queue timeout'));
    await expect(waiting).rejects.toMatchObject({ message: 'queue timeout' });
  });

  it('reportLost() reports an online current link once, and never a stale one', async () => {
    const { link, lost } = await setup();
    await link.connect(async () => undefined);
    const first = link.transport!;
    await link.connect(async () => undefined);
    link.reportLost(first, new Error('stale'));
    expect(lost).toEqual([]);
    link.reportLost(link.transport!, new Error('TLS greeting'));
    link.reportLost(link.transport!, new Error('again'));
    expect(lost.map((e) => e.message)).toEqual(['TLS greeting']);
    await first.close();
  });
});
