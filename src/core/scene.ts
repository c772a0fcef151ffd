import { isDeepStrictEqual } from 'node:util';
import { makeCommand, type CommandSource } from './command.ts';
import { RoomError, toRoomError, type ErrorCode } from './errors.ts';
import type { Room } from './room.ts';

/** A step of a scene: one command to one device (the config's `scenes`). */
export interface SceneStepSpec {
  device: string;
  command: string;
  args?: Record<string, unknown>;
  waitFor?: Record<string, unknown>;
  timeoutMs?: number;
}

export type StepStatus = 'pending' | 'running' | 'ok' | 'failed' | 'skipped';

export interface StepResult {
  device: string;
  command: string;
  status: StepStatus;
  ms?: number;
  error?: { code: ErrorCode; message: string };
}

export interface SceneOptions {
  defaultTimeoutMs: number;
  /** Called with a copy of every step's status whenever one changes. */
  onProgress?: (steps: StepResult[]) => void;
}

export function pendingStep(step: SceneStepSpec): StepResult {
  return { device: step.device, command: step.command, status: 'pending' };
}

/**
 * Runs steps: in order per device, devices in parallel, so a scene takes as long as its slowest
 * online device. A failed step is recorded and the others carry on. A device that is offline
 * costs nothing: its step is `skipped` at once (no waiting out its `waitFor` or timeout), and so
 * is every later step of that device — they were written to follow the one that could not run.
 */
export async function runScene(room: Room, scene: SceneStepSpec[], source: CommandSource, options: SceneOptions): Promise<StepResult[]> {
  const results: StepResult[] = scene.map(pendingStep);
  const byDevice = new Map<string, number[]>();
  scene.forEach((step, i) => byDevice.set(step.device, [...(byDevice.get(step.device) ?? []), i]));
  const publish = () => options.onProgress?.(results.map((r) => ({ ...r })));
  await Promise.all(
    [...byDevice.values()].map(async (indexes) => {
      // Once a device is known to be unreachable, its remaining steps fail with the same reason.
      let unreachable: RoomError | undefined;
      for (const i of indexes) {
        const step = scene[i]!;
        const started = performance.now();
        unreachable ??= offlineError(room, step.device);
        if (!unreachable) {
          results[i] = { ...results[i]!, status: 'running' };
          publish();
        }
        try {
          if (unreachable) throw unreachable;
          const timeoutMs = step.timeoutMs ?? options.defaultTimeoutMs;
          await withTimeout(runStep(room, step, source, timeoutMs), timeoutMs, `${step.device}.${step.command}`);
          results[i] = { device: step.device, command: step.command, status: 'ok', ms: Math.round(performance.now() - started) };
        } catch (err) {
          const error = toRoomError(err);
          if (isUnreachable(error)) unreachable ??= error;
          results[i] = {
            device: step.device,
            command: step.command,
            status: isUnreachable(error) ? 'skipped' : 'failed',
            ms: Math.round(performance.now() - started),
            error: { code: error.code, message: error.message },
          };
        }
        publish();
      }
    }),
  );
  return results;
}

async function runStep(room: Room, step: SceneStepSpec, source: CommandSource, timeoutMs: number): Promise<void> {
  if (step.waitFor) await waitForState(room, step.device, step.waitFor, timeoutMs);
  // Scene steps were written by the technician who configured the room: the role of whoever pressed
  // the button does not apply to them (a panel may start a scene with a raw step).
  await room.execute(makeCommand(step.device, step.command, step.args ?? {}, { surface: 'scene', ...(source.identity ? { identity: source.identity } : {}) }));
}

/** Resolves once the device's state has the wanted values (e.g. a display reporting power on). */
export function waitForState(room: Room, device: string, wanted: Record<string, unknown>, timeoutMs: number): Promise<void> {
  const matches = () => {
    const record = room.store.get(device);
    return !!record && Object.entries(wanted).every(([k, v]) => isDeepStrictEqual(record.state[k], v));
  };
  if (matches()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const owner = {};
    const timer = setTimeout(() => {
      room.events.removeOwner(owner);
      reject(new RoomError('DeviceTimeout', `${device} did not reach ${JSON.stringify(wanted)} within ${timeoutMs} ms`));
    }, timeoutMs);
    room.events.on('device', (change) => {
      if (change.device !== device) return;
      // A device that drops while we wait will not report the state: say so now, not at the timeout.
      const offline = offlineError(room, device);
      if (!offline && !matches()) return;
      clearTimeout(timer);
      room.events.removeOwner(owner);
      if (offline) reject(offline);
      else resolve();
    }, owner);
  });
}

/** Offline and unknown devices cannot run anything: their steps are skipped, not failed. */
function isUnreachable(error: RoomError): boolean {
  return error.code === 'DeviceOffline' || error.code === 'UnknownDevice';
}

/** The error a step of `device` would meet right now if the device is known to be down, else undefined. */
function offlineError(room: Room, device: string): RoomError | undefined {
  const record = room.store.get(device);
  if (!record) return new RoomError('UnknownDevice', `no device '${device}'`);
  if (record.online) return undefined;
  const reason = record.lastError?.message ? `: ${record.lastError.message}` : '';
  return new RoomError('DeviceOffline', `${device} is offline${reason}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RoomError('DeviceTimeout', `${label}: step did not finish within ${ms} ms`)), ms);
    promise.then((v) => (clearTimeout(timer), resolve(v)), (e) => (clearTimeout(timer), reject(e)));
  });
}
