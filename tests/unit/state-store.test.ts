import { describe, expect, it } from 'vitest';
import { StateStore, type DeviceChange } from '../../src/core/state-store.ts';
import { EventBus } from '../../src/core/event-bus.ts';
import type { DeviceState } from '../../src/core/capabilities.ts';

function store() {
  const s = new StateStore();
  s.add({ id: 'cam', driver: 'visca', online: false, capabilities: ['ptz'], feedback: { ptz: 'full' }, state: { pan: null } });
  return s;
}

describe('StateStore', () => {
  it('emits from/to/reason and the changed keys', () => {
    const s = store();
    const changes: DeviceChange[] = [];
    s.events.on('device', (c) => changes.push(c));
    s.patchState('cam', { pan: 0.5 }, 'poll');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ device: 'cam', changed: ['pan'], reason: 'poll' });
    expect(changes[0]!.from.state.pan).toBeNull();
    expect(changes[0]!.to.state.pan).toBe(0.5);
  });

  it('emits nothing when nothing changed (deep equality)', () => {
    const s = store();
    s.patchState('cam', { call: { status: 'idle' } }, 'x');
    let n = 0;
    s.events.on('device', () => n++);
    s.patchState('cam', { call: { status: 'idle' } }, 'again');
    s.patchState('cam', { pan: undefined }, 'undefined is ignored');
    expect(n).toBe(0);
  });

  it('bumps its version on every change', () => {
    const s = store();
    const v = s.version;
    s.setOnline('cam', true, 'connected');
    expect(s.version).toBe(v + 1);
    expect(s.get('cam')!.online).toBe(true);
  });

  it('records lastError with the online change', () => {
    const s = store();
    s.setOnline('cam', true, 'up');
    s.setOnline('cam', false, 'lost', { code: 'DeviceOffline', message: 'pty gone' });
    expect(s.get('cam')).toMatchObject({ online: false, lastError: { code: 'DeviceOffline', message: 'pty gone' } });
  });
});

describe('EventBus', () => {
  it('a throwing listener does not stop the others, and is reported', () => {
    const errors: unknown[] = [];
    const bus = new EventBus<{ x: number }>((err) => errors.push(err));
    const seen: number[] = [];
    bus.on('x', () => { throw new Error('boom'); });
    bus.on('x', (v) => seen.push(v));
    bus.emit('x', 1);
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(1);
  });

  it('removeOwner removes exactly that owner\'s listeners', () => {
    const bus = new EventBus<{ x: number }>();
    const a = {};
    bus.on('x', () => {}, a);
    bus.on('x', () => {}, a);
    bus.on('x', () => {});
    bus.removeOwner(a);
    expect(bus.listenerCount('x')).toBe(1);
  });
});

describe('checkStatePatch', () => {
  it('keeps what fits the capability schemas, drops what does not, and says why', async () => {
    const { checkStatePatch } = await import('../../src/core/capabilities.ts');
    const { valid, problems } = checkStatePatch({ volume: 140, power: 'on', muted: 'yes', call: { status: 'flying' }, channels: [1, 2] } as unknown as DeviceState);
    expect(valid).toEqual({ power: 'on', channels: [1, 2] });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^volume: 140 — /);
    expect(problems.join('\n')).toMatch(/muted: "yes"/);
    expect(problems.join('\n')).toMatch(/^call/m);
  });
});
