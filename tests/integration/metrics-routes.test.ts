import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

const TECH = 'tech-token-0123456789';
const READONLY = 'prometheus-token-0123456789';

const YAML = `
room: { id: metrics-room, name: "Metrics room", locale: en }
http:
  tokens:
    - { name: tech, role: technician, token: ${TECH} }
    - { name: prometheus, role: readonly, token: ${READONLY} }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
  screen2: { driver: samsung-mdc, transport: { type: sim } }
scenes:
  meetingStart:
    - { device: display, command: powerOn }
`;

/** Parses exposition text into `name{labels}` → value, checking every line is well formed. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    expect(m, `malformed line: ${line}`).not.toBeNull();
    samples.set(m![1]!, m![2] === '+Inf' ? Infinity : Number(m![2]));
  }
  return samples;
}

describe('GET /metrics', () => {
  let daemon: TestDaemon;
  const scrape = async (token = READONLY) => {
    const res = await daemon.api('GET', '/metrics', undefined, token);
    expect(res.status).toBe(200);
    return { samples: parse(res.body as string), text: res.body as string, type: res.headers.get('content-type') };
  };

  beforeAll(async () => {
    daemon = await startTestDaemon(YAML);
    await eventually(() => daemon.room.devices().every((d) => d.online), Boolean, 10_000);
  });
  afterAll(async () => {
    await daemon?.close();
  });

  it('needs a token like any GET, and the readonly role is enough', async () => {
    expect((await daemon.api('GET', '/metrics')).status).toBe(401);
    expect((await daemon.api('GET', '/metrics', undefined, 'wrong-token-0123456789')).status).toBe(401);
    const { type } = await scrape();
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('counts commands by device, command and outcome, and times the ones a device ran', async () => {
    const before = (await scrape()).samples;
    expect((await daemon.api('POST', '/api/v1/devices/display/commands/powerOn', {}, TECH)).status).toBe(200);
    expect((await daemon.api('POST', '/api/v1/devices/display/commands/setVolume', { level: 30 }, TECH)).status).toBe(200);
    expect((await daemon.api('POST', '/api/v1/devices/display/commands/setVolume', { level: 500 }, TECH)).status).toBe(400);
    expect((await daemon.api('POST', '/api/v1/devices/display/commands/recallPreset', { preset: 1 }, TECH)).status).toBe(409);
    // A client naming devices that do not exist must not create a label per name.
    expect((await daemon.api('POST', '/api/v1/devices/no-such-1/commands/powerOn', {}, TECH)).status).toBe(404);
    expect((await daemon.api('POST', '/api/v1/devices/no-such-2/commands/powerOn', {}, TECH)).status).toBe(404);

    const { samples, text } = await scrape();
    const delta = (key: string) => (samples.get(key) ?? 0) - (before.get(key) ?? 0);
    expect(delta('roomd_commands_total{device="display",command="powerOn",outcome="ok"}')).toBe(1);
    expect(delta('roomd_commands_total{device="display",command="setVolume",outcome="ok"}')).toBe(1);
    expect(delta('roomd_commands_total{device="display",command="setVolume",outcome="BadArgs"}')).toBe(1);
    expect(delta('roomd_commands_total{device="display",command="recallPreset",outcome="Unsupported"}')).toBe(1);
    expect(delta('roomd_commands_total{device="_unknown",command="powerOn",outcome="UnknownDevice"}')).toBe(2);
    expect(text).not.toContain('no-such');

    // Latency: only the two commands the display acknowledged; rejected ones took no device time.
    expect(delta('roomd_command_duration_seconds_count{device="display"}')).toBe(2);
    expect(samples.get('roomd_command_duration_seconds_bucket{device="display",le="+Inf"}')).toBe(samples.get('roomd_command_duration_seconds_count{device="display"}'));
    expect(samples.get('roomd_command_duration_seconds_sum{device="display"}')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE roomd_command_duration_seconds histogram');
    expect(text).toContain('# TYPE roomd_commands_total counter');
  });

  it('reports devices online, queue depths and reconnects, read from the runtimes', async () => {
    const { samples } = await scrape();
    expect(samples.get('roomd_device_online{device="display",driver="samsung-mdc"}')).toBe(1);
    expect(samples.get('roomd_device_online{device="screen2",driver="samsung-mdc"}')).toBe(1);
    expect(samples.get('roomd_device_queue_depth{device="display"}')).toBe(0);
    expect(samples.get('roomd_device_reconnects_total{device="screen2"}')).toBe(0);

    // Take screen2's simulator away: it goes offline and the runtime starts reconnecting.
    await daemon.room.removeDevice('screen2');
    const after = (await scrape()).samples;
    expect(after.has('roomd_device_online{device="screen2",driver="samsung-mdc"}')).toBe(false);
  });

  it('reports process memory, CPU and event-loop lag, even for a block right after a scrape', async () => {
    await scrape();
    const busyUntil = performance.now() + 120;
    while (performance.now() < busyUntil) {
      // block the loop so the next scrape has lag to report
    }
    await new Promise((r) => setTimeout(r, 30));
    const { samples } = await scrape();
    expect(samples.get('process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples.get('process_start_time_seconds')).toBeGreaterThan(Date.now() / 1000 - 3600);
    expect(samples.get('nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0.08);
    expect(samples.get('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(samples.get('nodejs_eventloop_lag_p50_seconds')!);
  });

  it('reports sessions and whether a meeting is on', async () => {
    let { samples } = await scrape();
    expect(samples.get('roomd_sessions_total')).toBe(0);
    expect(samples.get('roomd_meeting_active')).toBe(0);
    expect((await daemon.api('POST', '/api/v1/meeting/start', { organisation: 'PNR' }, TECH)).status).toBe(200);
    ({ samples } = await scrape());
    expect(samples.get('roomd_sessions_total')).toBe(1);
    expect(samples.get('roomd_meeting_active')).toBe(1);
    expect((await daemon.api('POST', '/api/v1/meeting/end', {}, TECH)).status).toBe(200);
    ({ samples } = await scrape());
    expect(samples.get('roomd_meeting_active')).toBe(0);
  });

  it('a scrape sends nothing to any device', async () => {
    const commands: string[] = [];
    const off = daemon.room.events.on('command', (r) => commands.push(r.command.command));
    const depth = daemon.room.runtime('display')!.queue;
    for (let i = 0; i < 20; i++) await scrape();
    off();
    expect(commands).toEqual([]);
    expect(depth.busy).toBe(false);
  });
});
