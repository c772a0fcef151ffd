import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { ShureSimulator } from '../../drivers/shure-dcs/simulator.ts';
import { eventually, openEvents, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

/** One-button meetings: parallel scenes, degraded starts, idempotence, travel and the km/CO₂ report. */
describe('meetings', () => {
  let screen: MdcSimulator;
  let projector: MdcSimulator;
  let mics: ShureSimulator;
  let daemon: TestDaemon;

  beforeAll(async () => {
    screen = new MdcSimulator();
    projector = new MdcSimulator();
    mics = new ShureSimulator({ model: 'MXA310', muted: true });
    const ports = [await screen.listen(0), await projector.listen(0), await mics.listen(0)];
    daemon = await startTestDaemon(`
room: { id: st-pons, name: "Salle", organisations: [PNR, CC, Commune] }
devices:
  screen: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${ports[0]} } }
  projector: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${ports[1]} } }
  mics: { driver: shure-dcs, transport: { type: tcp, host: 127.0.0.1, port: ${ports[2]} }, options: { model: MXA310 } }
  ghost: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: 1 } }
scenes:
  meetingStart:
    - { device: screen, command: powerOn }
    - { device: screen, command: selectInput, args: { input: hdmi2 }, waitFor: { power: "on" } }
    - { device: projector, command: powerOn }
    - { device: mics, command: unmuteMicrophones }
    - { device: ghost, command: powerOn }
  meetingEnd:
    - { device: mics, command: muteMicrophones }
    - { device: screen, command: powerOff }
    - { device: projector, command: powerOff }
    - { device: ghost, command: powerOff }
SESSIONS
`.replace('SESSIONS', `sessions:
  database: DB
  sites:
    montpellier: { name: Montpellier, roundTripKm: 220 }
    beziers: { name: Béziers, roundTripKm: 104 }
    castres: { name: Castres, roundTripKm: 116 }
    bedarieux: { name: Bédarieux, roundTripKm: 70 }
    lodeve: { name: Lodève, roundTripKm: 106 }`).replace('DB', `${process.env.TMPDIR ?? '/tmp'}/roomd-meeting-${process.pid}-${Date.now()}.db`));
    for (const id of ['screen', 'projector', 'mics']) {
      await eventually(() => daemon.api('GET', `/api/v1/devices/${id}`), (r) => r.body.online === true);
    }
  });
  afterAll(async () => {
    await daemon?.close();
    await Promise.all([screen?.close(), projector?.close(), mics?.close()]);
  });
  afterEach(async () => {
    for (const sim of [screen, projector]) sim.faults.delayMs = 0;
    mics.faults.delayMs = 0;
    if ((await daemon.api('GET', '/api/v1/state')).body.meeting.active) await daemon.api('POST', '/api/v1/meeting/end', {});
  });

  it('starts devices in parallel: the start takes as long as the slowest device, not the sum', async () => {
    // Delays long enough that the two outcomes are far apart: in parallel the start takes about the
    // slowest device (~800 ms), one after the other it takes the sum (~2 200 ms).
    screen.faults.delayMs = 400; // two steps on the screen: ~800 ms in a row
    projector.faults.delayMs = 800;
    mics.faults.delayMs = 600;
    const t0 = performance.now();
    const res = await daemon.api('POST', '/api/v1/meeting/start', { organisation: 'PNR' });
    const wall = performance.now() - t0;
    expect(res.status).toBe(200);
    const steps = res.body.steps as Array<{ device: string; status: string; ms: number }>;
    const perDevice = new Map<string, number>();
    for (const s of steps) perDevice.set(s.device, (perDevice.get(s.device) ?? 0) + s.ms);
    const slowest = Math.max(...perDevice.values());
    const sum = [...perDevice.values()].reduce((a, b) => a + b, 0);
    expect(sum).toBeGreaterThan(2000);
    // Relative to the devices' own times (a busy machine stretches both): nearer "the slowest" than "the sum".
    expect(wall).toBeGreaterThanOrEqual(slowest);
    expect(wall).toBeLessThan((slowest + sum) / 2);
    expect(screen.state.power && projector.state.power).toBe(true);
    expect(screen.state.input).toBe(0x23); // hdmi2, after the screen reported power on
    expect(mics.state.muted).toBe(false);
  });

  it('an offline device degrades the start instead of aborting it, and the step says why', async () => {
    const res = await daemon.api('POST', '/api/v1/meeting/start', {});
    expect(res.status).toBe(200);
    const ghost = res.body.steps.find((s: { device: string }) => s.device === 'ghost');
    expect(ghost).toMatchObject({ status: 'skipped', error: { code: 'DeviceOffline' } });
    expect(ghost.error.message).toMatch(/ghost is offline/);
    expect(res.body.steps.filter((s: { status: string }) => s.status === 'ok')).toHaveLength(4);
    const state = await daemon.api('GET', '/api/v1/state');
    expect(state.body.meeting).toMatchObject({ active: true, phase: 'active' });
  });

  it('a double tap opens no second session', async () => {
    const [a, b] = await Promise.all([
      daemon.api('POST', '/api/v1/meeting/start', { organisation: 'CC' }),
      daemon.api('POST', '/api/v1/meeting/start', { organisation: 'CC' }),
    ]);
    expect(a.body.session.id).toBe(b.body.session.id);
    const again = await daemon.api('POST', '/api/v1/meeting/start', {});
    expect(again.body.session.id).toBe(a.body.session.id);
    const open = (await daemon.api('GET', '/api/v1/sessions')).body.sessions.filter((s: { status: string }) => s.status === 'open');
    expect(open).toHaveLength(1);
  });

  it('publishes progress over the WebSocket while the start runs', async () => {
    projector.faults.delayMs = 200;
    const events = await openEvents(daemon.url);
    try {
      const started = daemon.api('POST', '/api/v1/meeting/start', {});
      const running = await events.next((m) => m.type === 'meeting' && m.meeting.phase === 'starting' && m.meeting.steps.some((s: { status: string }) => s.status === 'running'));
      expect(running.meeting.active).toBe(true);
      await started;
      const done = await events.next((m) => m.type === 'meeting' && m.meeting.phase === 'active');
      expect(done.meeting.steps.every((s: { status: string }) => s.status !== 'pending' && s.status !== 'running')).toBe(true);
    } finally {
      events.close();
    }
  });

  it('end runs even with devices offline, powers the room down and closes the session', async () => {
    await daemon.api('POST', '/api/v1/meeting/start', { organisation: 'Commune' });
    const res = await daemon.api('POST', '/api/v1/meeting/end', { avoidedTravel: [{ site: 'castres', people: 2 }] });
    expect(res.status).toBe(200);
    expect(res.body.session).toMatchObject({ status: 'closed', kmAvoided: 232, endReason: 'user' });
    expect(res.body.steps.find((s: { device: string }) => s.device === 'ghost').status).toBe('skipped');
    expect(screen.state.power).toBe(false);
    expect(mics.state.muted).toBe(true);
  });

  it('an unknown site in the travel entry is a 400 naming the known sites', async () => {
    const res = await daemon.api('POST', '/api/v1/meeting/start', { avoidedTravel: [{ site: 'paris', people: 1 }] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/paris/);
    expect(res.body.error.message).toMatch(/montpellier/);
  });

  it("reproduces the room's own figures: 6 meetings, 2 584 km, about 630 kg of CO₂", async () => {
    const before = (await daemon.api('GET', '/api/v1/report')).body;
    const meetings: Array<[string, Array<{ site: string; people: number }>]> = [
      ['PNR', [{ site: 'montpellier', people: 3 }]], // 660
      ['CC', [{ site: 'beziers', people: 4 }]], // 416
      ['Commune', [{ site: 'castres', people: 3 }]], // 348
      ['PNR', [{ site: 'montpellier', people: 2 }, { site: 'bedarieux', people: 1 }]], // 510
      ['CC', [{ site: 'beziers', people: 2 }, { site: 'castres', people: 1 }]], // 324
      ['Commune', [{ site: 'montpellier', people: 1 }, { site: 'lodeve', people: 1 }]], // 326
    ];
    for (const [organisation, avoidedTravel] of meetings) {
      expect((await daemon.api('POST', '/api/v1/meeting/start', { organisation })).status).toBe(200);
      expect((await daemon.api('POST', '/api/v1/meeting/end', { avoidedTravel })).status).toBe(200);
    }
    const report = (await daemon.api('GET', '/api/v1/report')).body;
    expect(report.sessions - before.sessions).toBe(6);
    expect(report.kmAvoided - before.kmAvoided).toBe(2584);
    expect(report.co2Kg - before.co2Kg).toBeCloseTo(630.5, 0);
    const byOrg = Object.fromEntries(report.byOrganisation.map((o: { organisation: string; kmAvoided: number }) => [o.organisation, o.kmAvoided]));
    const beforeOrg = Object.fromEntries(before.byOrganisation.map((o: { organisation: string; kmAvoided: number }) => [o.organisation, o.kmAvoided]));
    expect((byOrg.PNR ?? 0) - (beforeOrg.PNR ?? 0)).toBe(1170);
    expect((byOrg.CC ?? 0) - (beforeOrg.CC ?? 0)).toBe(740);
    expect((byOrg.Commune ?? 0) - (beforeOrg.Commune ?? 0)).toBe(674);
    const csv = await fetch(`${daemon.url}/api/v1/sessions.csv?bom=1`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM spreadsheets need
    const text = bytes.toString('utf8');
    expect(text.split('\r\n').filter(Boolean).length).toBeGreaterThanOrEqual(7);
  });

  it('a technician corrects the travel afterwards with PATCH', async () => {
    const start = await daemon.api('POST', '/api/v1/meeting/start', {});
    await daemon.api('POST', '/api/v1/meeting/end', {});
    const res = await daemon.api('PATCH', `/api/v1/sessions/${start.body.session.id}`, { avoidedTravel: [{ site: 'lodeve', people: 2 }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kmAvoided: 212 });
    expect((await daemon.api('PATCH', '/api/v1/sessions/nope', { avoidedTravel: [] })).status).toBe(404);
  });
});

describe('meetings: a refused start leaves nothing behind', () => {
  it('dialing in a room with no codec is refused before any session is written, and the room can still start', async () => {
    const { startTestDaemon } = await import('../helpers/daemon.ts');
    const daemon = await startTestDaemon('room: { id: nocodec, name: Salle }\n');
    try {
      const refused = await daemon.api('POST', '/api/v1/meeting/start', { dial: 'sip:x@y' });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('Unsupported');
      expect((await daemon.api('GET', '/api/v1/sessions')).body.total).toBe(0);
      expect((await daemon.api('POST', '/api/v1/meeting/start', {})).status).toBe(200);
      expect((await daemon.api('POST', '/api/v1/meeting/end', {})).status).toBe(200);
      expect((await daemon.api('POST', '/api/v1/meeting/start', {})).status).toBe(200);
    } finally {
      await daemon.close();
    }
  });
});

describe('meetings: ending', () => {
  it('a bad travel entry at the end is refused before anything is switched off; a double end closes once', async () => {
    const { startTestDaemon } = await import('../helpers/daemon.ts');
    const daemon = await startTestDaemon(`room: { id: ending, name: Salle }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
scenes:
  meetingStart: [ { device: display, command: powerOn } ]
  meetingEnd: [ { device: display, command: powerOff } ]
sessions:
  database: $DIR/s.db
  sites: { castres: { name: Castres, roundTripKm: 116 } }
`);
    try {
      const { eventually } = await import('../helpers/daemon.ts');
      await eventually(() => daemon.api('GET', '/api/v1/devices/display'), (r) => r.body.online === true);
      const start = await daemon.api('POST', '/api/v1/meeting/start', {});
      expect(start.status).toBe(200);
      const refused = await daemon.api('POST', '/api/v1/meeting/end', { avoidedTravel: [{ site: 'paris', people: 2 }] });
      expect(refused.status).toBe(400);
      expect((await daemon.api('GET', '/api/v1/devices/display')).body.state.power).toBe('on');
      expect((await daemon.api('GET', '/api/v1/state')).body.meeting.active).toBe(true);
      const [a, b] = await Promise.all([
        daemon.api('POST', '/api/v1/meeting/end', { avoidedTravel: [{ site: 'castres', people: 2 }] }),
        daemon.api('POST', '/api/v1/meeting/end', {}),
      ]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(a.body.session.id).toBe(start.body.session.id);
      expect(b.body.session?.id).toBe(start.body.session.id);
      expect(a.body.session.kmAvoided).toBe(232);
      expect((await daemon.api('GET', '/api/v1/devices/display')).body.state.power).toBe('off');
    } finally {
      await daemon.close();
    }
  });
});
