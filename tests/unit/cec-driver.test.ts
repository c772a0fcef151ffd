import { Value } from '../../src/core/typebox.ts';
import { describe, expect, it } from 'vitest';
import { driver } from '../../drivers/cec/index.ts';
import { CecOptions, resolveCommandLine } from '../../drivers/cec/driver.ts';
import { logicalAddressForType } from '../../drivers/cec/protocol.ts';

describe('cec manifest and options', () => {
  it('declares power, input and volume with honest feedback', () => {
    expect(driver.manifest.capabilities).toEqual(['power', 'input', 'volume']);
    expect(driver.manifest.feedback).toMatchObject({ power: 'full', input: 'optimistic', volume: 'optimistic' });
    expect(driver.manifest.defaultTransport).toEqual({ type: 'process', command: 'cec-client', args: ['-d', '8', '-t', 'p', '-o', 'roomd'] });
  });

  it('fills defaults and validates physical addresses', () => {
    const opts = Value.Default(CecOptions, {}) as CecOptions;
    expect(Value.Check(CecOptions, opts)).toBe(true);
    expect(opts).toMatchObject({ inputs: {}, audioDevice: 0, inputCommand: 'setStreamPath' });
    expect(Value.Check(CecOptions, { ...opts, inputs: { codec: '2.0.0.0' } })).toBe(true);
    expect(Value.Check(CecOptions, { ...opts, inputs: { codec: 'HDMI2' } })).toBe(false);
    expect(Value.Check(CecOptions, { ...opts, audioDevice: 15 })).toBe(false);
  });

  it('appends options.adapter as the port argument, once', () => {
    const opts = Value.Default(CecOptions, { adapter: '/dev/ttyACM0' }) as CecOptions;
    const t = driver.manifest.defaultTransport as { type: 'process'; command: string; args: string[] };
    expect(resolveCommandLine(t, opts).args).toEqual(['-d', '8', '-t', 'p', '-o', 'roomd', '/dev/ttyACM0']);
    expect(resolveCommandLine({ ...t, args: [...t.args, '/dev/ttyACM0'] }, opts).args).toHaveLength(7);
    expect(resolveCommandLine(t, Value.Default(CecOptions, {}) as CecOptions).args).toEqual(t.args);
  });

  it('guesses the logical address from -t until libCEC announces it', () => {
    expect(['p', 'r', 't', 'a', undefined].map(logicalAddressForType)).toEqual([4, 1, 3, 5, 1]);
  });
});
