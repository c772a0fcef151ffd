import { describe, expect, it } from 'vitest';
import { SimPtz } from '../../drivers/onvif/sim-ptz.ts';

/** The simulated mechanics on a fake clock: 0.5 units/s at velocity 1, 4 units/s for absolute moves. */
function rig() {
  let t = 0;
  const ptz = new SimPtz(() => t);
  return { ptz, advance: (ms: number) => (t += ms) };
}

describe('onvif simulated PTZ mechanics', () => {
  it('integrates velocity over time and clamps at the end stops', () => {
    const { ptz, advance } = rig();
    ptz.continuous({ pan: 1, tilt: -0.5, zoom: 0.2 });
    advance(1000);
    expect(ptz.position()).toEqual({ pan: 0.5, tilt: -0.25, zoom: 0.1 });
    expect(ptz.moveStatus()).toEqual({ panTilt: 'MOVING', zoom: 'MOVING' });
    advance(10_000);
    expect(ptz.position()).toEqual({ pan: 1, tilt: -1, zoom: 1 });
    expect(ptz.moveStatus()).toEqual({ panTilt: 'IDLE', zoom: 'IDLE' });
  });

  it('honours the ContinuousMove timeout', () => {
    const { ptz, advance } = rig();
    ptz.continuous({ pan: 1, tilt: 0, zoom: 0 }, 500);
    advance(2000);
    expect(ptz.position().pan).toBe(0.25);
    expect(ptz.moveStatus().panTilt).toBe('IDLE');
  });

  it('stops everything, or only pan/tilt, or only zoom', () => {
    const { ptz, advance } = rig();
    ptz.continuous({ pan: 1, tilt: 0, zoom: 1 });
    advance(200);
    ptz.stop(true, false);
    advance(200);
    expect(ptz.position()).toEqual({ pan: 0.1, tilt: 0, zoom: 0.2 });
    ptz.stop();
    advance(200);
    expect(ptz.position()).toEqual({ pan: 0.1, tilt: 0, zoom: 0.2 });
    expect(ptz.moveStatus()).toEqual({ panTilt: 'IDLE', zoom: 'IDLE' });
  });

  it('a zero-velocity ContinuousMove stops', () => {
    const { ptz, advance } = rig();
    ptz.continuous({ pan: -1, tilt: 0, zoom: 0 });
    advance(400);
    ptz.continuous({ pan: 0, tilt: 0, zoom: 0 });
    advance(400);
    expect(ptz.position().pan).toBe(-0.2);
  });

  it('travels to an absolute target at finite speed; unset axes stay', () => {
    const { ptz, advance } = rig();
    ptz.moveTo({ pan: 0.8, tilt: -0.2, zoom: 0.5 });
    advance(100);
    expect(ptz.position()).toEqual({ pan: 0.4, tilt: -0.2, zoom: 0.4 });
    expect(ptz.moveStatus().panTilt).toBe('MOVING');
    advance(200);
    expect(ptz.position()).toEqual({ pan: 0.8, tilt: -0.2, zoom: 0.5 });
    ptz.moveTo({ pan: 2 });
    advance(1000);
    expect(ptz.position()).toEqual({ pan: 1, tilt: -0.2, zoom: 0.5 });
  });
});
