import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { lines, log: createLogger({ level: 'debug', destination, pretty: false }) };
}

describe('logging', () => {
  it('writes JSON lines with child bindings (device, command ids)', () => {
    const { lines, log } = capture();
    log.child({ device: 'camera', driver: 'visca' }).info({ commandId: 'c-1', command: 'recallPreset' }, 'command acknowledged');
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: 30, name: 'roomd', device: 'camera', driver: 'visca', commandId: 'c-1', command: 'recallPreset', msg: 'command acknowledged' });
  });

  it('never writes secrets: tokens, passwords, Authorization headers', () => {
    const { lines, log } = capture();
    log.info({ token: 'tok-123456789', password: 'hunter2', transport: { type: 'ssh', password: 'codecpass' }, req: { headers: { authorization: 'Bearer tok-123456789' } } }, 'x');
    log.child({ device: 'codec' }).warn({ options: { password: 'in-options' } }, 'y');
    const out = lines.join('');
    for (const secret of ['tok-123456789', 'hunter2', 'codecpass', 'in-options']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });

  it('takes its level from ROOMD_LOG_LEVEL', () => {
    const before = process.env.ROOMD_LOG_LEVEL;
    process.env.ROOMD_LOG_LEVEL = 'warn';
    try {
      expect(createLogger({ destination: new Writable({ write: (_c, _e, d) => d() }), pretty: false }).level).toBe('warn');
    } finally {
      if (before === undefined) delete process.env.ROOMD_LOG_LEVEL;
      else process.env.ROOMD_LOG_LEVEL = before;
    }
  });
});
