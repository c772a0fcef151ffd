import type { DeviceState } from '../core/capabilities.ts';
import type { CheckOutcome, DeviceDriver, SelfTestCheck } from '../core/driver-api.ts';

/**
 * The checks every driver gets without writing any: each asks the device (its `poll`) and then
 * reads back what it answered from the state. A driver that can do better (ask for its SIP
 * registration, read meters) implements `selfTest` and returns its own outcome.
 */
export async function genericCheck(check: SelfTestCheck, driver: DeviceDriver, state: () => DeviceState, signal: AbortSignal): Promise<CheckOutcome> {
  if (driver.poll) await driver.poll(signal);
  const s = state();
  switch (check) {
    case 'answers':
      return { ok: true, detail: driver.poll ? 'answered' : 'connected' };
    case 'power': {
      const power = s.power;
      return typeof power === 'string' && power !== 'unknown' ? { ok: true, detail: `power ${power}` } : { ok: false, detail: 'power state does not read back' };
    }
    case 'position': {
      const { pan, tilt, zoom } = s as { pan?: unknown; tilt?: unknown; zoom?: unknown };
      return [pan, tilt, zoom].every((v) => typeof v === 'number')
        ? { ok: true, detail: `pan ${round(pan)} tilt ${round(tilt)} zoom ${round(zoom)}` }
        : { ok: false, detail: 'camera position does not read back' };
    }
    case 'levels': {
      const level = (s as { level?: unknown }).level;
      return typeof level === 'number' ? { ok: true, detail: `level ${level}` } : { ok: false, detail: 'no microphone level reading (is metering enabled?)' };
    }
    case 'registration': {
      const registered = (s as { registered?: unknown }).registered;
      return typeof registered === 'boolean'
        ? { ok: registered, detail: registered ? 'registered' : 'not registered' }
        : { ok: false, detail: 'this driver does not report its registration' };
    }
  }
}

function round(v: unknown): string {
  return (Math.round((v as number) * 100) / 100).toString();
}
