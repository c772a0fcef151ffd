import { isDeepStrictEqual } from 'node:util';
import type { CapabilityName, DeviceState, FeedbackLevel } from './capabilities.ts';
import type { ErrorCode } from './errors.ts';
import { EventBus } from './event-bus.ts';

/** What every surface shows of a device (docs/capabilities.md). */
export interface DeviceRecord {
  id: string;
  driver: string;
  name?: string;
  online: boolean;
  capabilities: CapabilityName[];
  /**
   * The commands this device accepts (its manifest's declaration over its capabilities). Absent
   * only on records built by hand (tests): then every command of its capabilities.
   */
  commands?: string[];
  feedback: Partial<Record<CapabilityName, FeedbackLevel>>;
  state: DeviceState;
  lastError?: { code: ErrorCode; message: string; at: string };
}

/** A change to one device, with where it came from and why. */
export interface DeviceChange {
  device: string;
  from: DeviceRecord;
  to: DeviceRecord;
  /** Top-level keys of `state` that changed, plus `online` / `lastError` when those did. */
  changed: string[];
  reason: string;
}

export interface StoreEvents {
  device: DeviceChange;
  added: DeviceRecord;
  removed: DeviceRecord;
}

/**
 * The single source of truth for device state. A GET reads from here and never touches a device.
 * Records are replaced, never mutated, so a listener can keep `from` and `to` safely.
 */
export class StateStore {
  readonly events: EventBus<StoreEvents>;
  private readonly devices = new Map<string, DeviceRecord>();
  /** Bumped on every change; lets readers cache serialised snapshots cheaply. */
  version = 0;

  constructor(onListenerError?: (err: unknown, event: string) => void) {
    this.events = new EventBus<StoreEvents>(onListenerError);
  }

  add(record: DeviceRecord): void {
    this.devices.set(record.id, record);
    this.version++;
    this.events.emit('added', record);
  }

  remove(id: string): void {
    const record = this.devices.get(id);
    if (!record) return;
    this.devices.delete(id);
    this.version++;
    this.events.emit('removed', record);
  }

  get(id: string): DeviceRecord | undefined {
    return this.devices.get(id);
  }

  has(id: string): boolean {
    return this.devices.has(id);
  }

  list(): DeviceRecord[] {
    return [...this.devices.values()];
  }

  /** Merges a partial state; emits only when a value really changed. */
  patchState(id: string, patch: DeviceState, reason: string): void {
    const from = this.devices.get(id);
    if (!from) return;
    const changed: string[] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (!isDeepStrictEqual(from.state[key], value)) changed.push(key);
    }
    if (changed.length === 0) return;
    const state = { ...from.state };
    for (const key of changed) state[key] = patch[key];
    this.commit(from, { ...from, state }, changed, reason);
  }

  setOnline(id: string, online: boolean, reason: string, error?: { code: ErrorCode; message: string }): void {
    const from = this.devices.get(id);
    if (!from) return;
    const changed: string[] = [];
    const to: DeviceRecord = { ...from };
    if (from.online !== online) {
      to.online = online;
      changed.push('online');
    }
    if (error && (from.lastError?.code !== error.code || from.lastError.message !== error.message)) {
      to.lastError = { ...error, at: new Date().toISOString() };
      changed.push('lastError');
    }
    if (changed.length) this.commit(from, to, changed, reason);
  }

  /** Records the last error a device produced, without changing whether it is online. */
  setError(id: string, error: { code: ErrorCode; message: string }, reason: string): void {
    const from = this.devices.get(id);
    if (!from) return;
    this.commit(from, { ...from, lastError: { ...error, at: new Date().toISOString() } }, ['lastError'], reason);
  }

  private commit(from: DeviceRecord, to: DeviceRecord, changed: string[], reason: string): void {
    this.devices.set(to.id, to);
    this.version++;
    this.events.emit('device', { device: to.id, from, to, changed, reason });
  }
}
