import { describe, expect, it } from 'vitest';
import { hasTool } from '../helpers/tools.ts';
import { runSoak } from './soak.ts';

// CI runs the full 2 minutes; SOAK_SECONDS shortens it locally, SOAK_SEED replays a failing run.
const seconds = Number(process.env.SOAK_SECONDS ?? 120);
const seed = process.env.SOAK_SEED ? Number(process.env.SOAK_SEED) : undefined;

describe('soak: faults on every simulator while meetings, joystick, REST and MQTT traffic run', () => {
  it(`survives ${seconds} s, converges, leaks nothing and loses no session`, { timeout: 200_000 }, async () => {
    const report = await runSoak({ seconds, ...(seed !== undefined ? { seed } : {}), log: (line) => console.log(line) });
    expect(report.unhandledRejections).toEqual([]);
    expect(report.sessions.total).toBe(report.sessions.started);
    expect(report.failures, `seed ${report.seed}`).toEqual([]);
    // MQTT is part of the soak wherever Mosquitto exists (and under CI=true it must: requireTool).
    expect(report.mqtt).toBe(hasTool('mosquitto'));
    if (report.mqtt) expect((report.traffic.mqttResults as Record<string, number>).ok).toBeGreaterThan(0);
  });
});
