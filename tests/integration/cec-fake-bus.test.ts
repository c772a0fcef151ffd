import { createConnection, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCecBus, type FakeCecBus } from '../../drivers/cec/fake-bus.ts';

/** A raw client of the fake CEC bus's line protocol. */
async function join(bus: FakeCecBus, logical: number): Promise<{ socket: Socket; lines: string[] }> {
  const socket = createConnection({ host: '127.0.0.1', port: bus.port });
  await once(socket, 'connect');
  const lines: string[] = [];
  let buffered = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      lines.push(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  socket.write(`hello ${logical}\n`);
  return { socket, lines };
}

async function lineMatching(lines: string[], pattern: RegExp): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const line = lines.find((l) => pattern.test(l));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no line matching ${pattern} in ${JSON.stringify(lines)}`);
}

describe('the fake CEC bus', () => {
  let bus: FakeCecBus | undefined;
  afterEach(async () => {
    await bus?.close();
  });

  it('survives a client whose connection is reset (a fake cec-client killed with frames unread)', async () => {
    bus = await startFakeCecBus();
    const killed = await join(bus, 4);
    killed.socket.write('tx 40:8F\n');
    await lineMatching(killed.lines, /^ack /);
    // SIGKILL with unread data makes the kernel send RST: the bus reads ECONNRESET. readline
    // re-emits it on its interface, which crashed this (the simulator's) process before.
    killed.socket.resetAndDestroy();
    await once(killed.socket, 'close');
    await new Promise((r) => setTimeout(r, 50));

    const next = await join(bus, 4);
    next.socket.write('tx 40:8F\n');
    expect(await lineMatching(next.lines, /^ack /)).toMatch(/^ack [01]$/);
    next.socket.destroy();
  });
});
