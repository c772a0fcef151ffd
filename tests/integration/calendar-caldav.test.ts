import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBaresipSimulator, type BaresipSimulator } from '../../drivers/baresip/simulator.ts';
import { MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { startRadicale, type Radicale } from '../helpers/radicale.ts';
import { requireTool } from '../helpers/tools.ts';

const FIXTURE = readFileSync(new URL('../fixtures/calendar/salle-visio.ics', import.meta.url), 'utf8');
const COPIL = '4f1c9a2e-comite-pilotage@pnr-haut-languedoc.fr';
const RIOLS = 'riols-conseil-20260331@riols.fr';

/** The fixture as CalDAV resources: one per UID (master and overrides together), with the VTIMEZONE. */
function resources(ics: string): Map<string, string> {
  const tz = /BEGIN:VTIMEZONE[\s\S]*?END:VTIMEZONE\r\n/.exec(ics)![0];
  const byUid = new Map<string, string[]>();
  for (const event of ics.match(/BEGIN:VEVENT[\s\S]*?END:VEVENT\r\n/g)!) {
    const uid = /\r\nUID:(.*)\r\n/.exec(event)![1]!;
    byUid.set(uid, [...(byUid.get(uid) ?? []), event]);
  }
  const out = new Map<string, string>();
  for (const [uid, events] of byUid) out.set(uid, `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//roomd tests//EN\r\n${tz}${events.join('')}END:VCALENDAR\r\n`);
  return out;
}

describe.runIf(requireTool('radicale', 'radicale'))('bookings from a real CalDAV server (Radicale)', () => {
  let radicale: Radicale;
  let codec: BaresipSimulator;
  let screen: MdcSimulator;
  let daemon: TestDaemon;
  let dir: string;
  let yaml: string;
  const logLines: any[] = [];
  // 13:50 in Saint-Pons on 31 March 2026: ten minutes before two bookings, two days after DST.
  let now = Date.parse('2026-03-31T11:50:00Z');
  const clock = () => now;
  const logger = () =>
    pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { for (const l of chunk.toString().split('\n')) if (l) logLines.push(JSON.parse(l)); done(); } }));
  const settle = async (d: TestDaemon) => {
    await d.bookings!.calendar.refresh();
    await d.bookings!.scheduler.tick();
  };

  beforeAll(async () => {
    radicale = await startRadicale();
    await radicale.mkcalendar('/salle/visio/');
    for (const [uid, ics] of resources(FIXTURE)) {
      if (uid === 'broken-1@example.org') continue; // Radicale itself refuses it (400): the ICS test has it
      expect(await radicale.put(`/salle/visio/${encodeURIComponent(uid)}.ics`, ics), uid).toBe(201);
    }
    // Radicale accepts this one, roomd cannot use it: it must be skipped, naming its UID.
    const inverted = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:inverted@example.org\r\nDTSTAMP:20260301T000000Z\r\nDTSTART:20260331T150000Z\r\nDTEND:20260331T140000Z\r\nSUMMARY:À l’envers\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    expect(await radicale.put('/salle/visio/inverted.ics', inverted)).toBe(201);

    codec = await startBaresipSimulator({ ringMs: 10, answerMs: 10 });
    screen = new MdcSimulator({ warmUpMs: 0 });
    const screenPort = await screen.listen(0);
    dir = mkdtempSync(join(tmpdir(), 'roomd-caldav-'));
    writeFileSync(join(dir, 'cal.password'), `${radicale.password}\n`);
    yaml = `
room: { id: st-pons, name: Salle, organisations: [PNR, CC Minervois Caroux, Commune de Riols], timezone: Europe/Paris }
calendar:
  url: ${radicale.url}/salle/visio/
  username: ${radicale.username}
  passwordFile: ${join(dir, 'cal.password')}
  refreshSeconds: 3600
  prepareMinutes: 15
  noShowMinutes: 15
devices:
  codec: { driver: baresip, transport: { type: tcp, host: 127.0.0.1, port: ${codec.transport.port} } }
  screen: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${screenPort} } }
  ghost: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: 1 } }
sessions:
  database: ${join(dir, 'sessions.db')}
`;
    daemon = await startTestDaemon(yaml, { clock: { now: () => new Date(clock()) }, log: logger() });
    for (const id of ['codec', 'screen']) await eventually(() => daemon.api('GET', `/api/v1/devices/${id}`), (r) => r.body.online === true);
    await settle(daemon);
  });

  afterAll(async () => {
    await daemon?.close();
    await Promise.all([radicale?.close(), codec?.close(), screen?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lands a weekly booking across the March DST change at the right UTC instants, with its override and cancellation', async () => {
    const { status, body } = await daemon.api('GET', '/api/v1/bookings?from=2026-03-01&to=2026-04-30');
    expect(status).toBe(200);
    const copil = body.bookings.filter((b: any) => b.id.startsWith(COPIL));
    expect(copil.map((b: any) => [b.start, b.status])).toEqual([
      ['2026-03-17T13:00:00.000Z', 'no-show'],
      ['2026-03-24T09:00:00.000Z', 'no-show'], // moved to 10:00 by its override
      ['2026-03-31T12:00:00.000Z', 'upcoming'], // 14:00 in Paris, now summer time
      ['2026-04-14T12:00:00.000Z', 'cancelled'],
      ['2026-04-21T12:00:00.000Z', 'upcoming'],
    ]);
    expect(copil[1].title).toBe('Comité de pilotage Natura 2000 (avancé)');
    expect(copil[2]).toMatchObject({ organisation: 'PNR', dial: 'sip:copil-natura@visio.pnr-haut-languedoc.fr', end: '2026-03-31T13:30:00.000Z' });
  });

  it('skips an event it cannot use, with a log line naming its UID, and keeps the rest', async () => {
    const { body } = await daemon.api('GET', '/api/v1/bookings?from=2026-03-31&to=2026-03-31');
    expect(body.bookings.map((b: any) => b.id)).toEqual([`${COPIL}#20260331T120000Z`, RIOLS]);
    const line = logLines.find((l) => l.uid === 'inverted@example.org');
    expect(line?.msg).toMatch(/inverted@example\.org skipped: DTEND is before DTSTART/);
  });

  it('warms the room and runs the self-test prepareMinutes before a booking; the meeting state carries the next booking', async () => {
    const selftest = await eventually(() => daemon.api('GET', '/api/v1/selftest'), (r) => r.status === 200);
    expect(selftest.body.reason).toBe('booking');
    await eventually(() => screen.state.power, (on) => on === true);
    const state = await daemon.api('GET', '/api/v1/state');
    expect(state.body.meeting.next).toMatchObject({ id: `${COPIL}#20260331T120000Z`, start: '2026-03-31T12:00:00.000Z', organisation: 'PNR', status: 'upcoming' });
  });

  it('names an offline device in the self-test within its timeout', async () => {
    const { status, body } = await daemon.api('POST', '/api/v1/selftest');
    expect(status).toBe(200);
    expect(body.ok).toBe(false);
    const ghost = body.checks.filter((c: any) => c.device === 'ghost');
    expect(ghost.map((c: any) => c.check)).toEqual(['answers', 'power']);
    for (const c of ghost) {
      expect(c.ok).toBe(false);
      expect(c.detail).toMatch(/^offline/);
      // samsung-mdc's commandTimeoutMs is 5000: an offline device fails at once, far inside it.
      expect(c.ms).toBeLessThan(2500);
    }
    expect(body.checks.filter((c: any) => c.device === 'screen')).toMatchObject([
      { check: 'answers', ok: true },
      { check: 'power', ok: true, detail: 'power on' },
    ]);
    expect((await daemon.api('GET', '/api/v1/selftest')).body).toEqual(body);
  });

  it('starts a meeting from a booking: organisation, title and dial come from it, the session keeps bookingId', async () => {
    const { status, body } = await daemon.api('POST', '/api/v1/meeting/start', { booking: RIOLS });
    expect(status).toBe(200);
    const session = (await daemon.api('GET', `/api/v1/sessions/${body.session.id}`)).body;
    expect(session).toMatchObject({ organisation: 'Commune de Riols', title: 'Conseil municipal — visio avec la préfecture', bookingId: RIOLS });
    await eventually(() => codec.call(), (c) => c?.state === 'ESTABLISHED');
    expect(codec.call()!.peer).toBe('sip:prefecture-34@visio.interieur.gouv.fr');
    const riols = (await daemon.api('GET', '/api/v1/bookings?from=2026-03-31&to=2026-03-31')).body.bookings.find((b: any) => b.id === RIOLS);
    expect(riols.status).toBe('held');
    expect((await daemon.api('POST', '/api/v1/meeting/start', { booking: 'nope' })).status).toBe(200); // a meeting is on: same session
  });

  it('ends a booked meeting 10 minutes after its end, never during a call', async () => {
    now = Date.parse('2026-03-31T14:11:00Z'); // Riols is booked until 14:00 UTC
    await daemon.bookings!.scheduler.tick();
    expect((await daemon.api('GET', '/api/v1/state')).body.meeting.active).toBe(true); // the call is still up
    codec.farHangup();
    await eventually(() => daemon.api('GET', '/api/v1/state'), (r) => r.body.devices.codec.state.call.status === 'idle');
    await daemon.bookings!.scheduler.tick();
    const state = await eventually(() => daemon.api('GET', '/api/v1/state'), (r) => r.body.meeting.active === false);
    expect(state.body.meeting.active).toBe(false);
    const { body } = await daemon.api('GET', '/api/v1/sessions');
    expect(body.sessions[0]).toMatchObject({ bookingId: RIOLS, endReason: 'booking', endedBy: 'auto-booking-end' });
  });

  it('counts a booking nobody started as a no-show, in the report and its CSV per organisation', async () => {
    // 14:11 UTC: the 12:00 comité de pilotage was never started.
    await daemon.bookings!.scheduler.tick();
    expect(logLines.some((l) => l.booking === `${COPIL}#20260331T120000Z` && /no-show/.test(l.msg))).toBe(true);
    const report = (await daemon.api('GET', '/api/v1/report')).body;
    expect(report.bookings.byOrganisation).toEqual(
      expect.arrayContaining([
        { organisation: 'Commune de Riols', booked: 1, held: 1, noShows: 0 },
        { organisation: 'PNR', booked: 1, held: 0, noShows: 1 },
      ]),
    );
    const csv = await fetch(`${daemon.url}/api/v1/report.csv`).then((r) => r.text());
    expect(csv.split('\r\n')[0]).toBe('organisation,sessions,minutes,kmAvoided,co2Kg,booked,held,noShows');
    expect(csv).toMatch(/\r\nPNR,0,0,0,0,1,0,1\r\n/);
    expect(csv).toMatch(/\r\nCommune de Riols,1,\d+,0,0,1,1,0\r\n/);
  });

  it('keeps the last known bookings when the server goes away, across a restart, and says so in health', async () => {
    const before = (await daemon.api('GET', '/api/v1/bookings?from=2026-03-01&to=2026-04-30')).body.bookings;
    await radicale.stop();
    expect(await daemon.bookings!.calendar.refresh()).toBe(false);
    expect((await daemon.api('GET', '/api/v1/bookings?from=2026-03-01&to=2026-04-30')).body.bookings).toEqual(before);
    const health = (await daemon.api('GET', '/api/v1/health')).body;
    expect(health.status).toBe('degraded');
    expect(health.checks.calendar.ok).toBe(false);

    // A daemon started while the server is down shows the bookings cached next to the session database.
    await daemon.stop();
    const again = await startTestDaemon(yaml, { clock: { now: () => new Date(clock()) }, log: logger() });
    try {
      await settle(again);
      const cached = (await again.api('GET', '/api/v1/bookings?from=2026-03-01&to=2026-04-30')).body.bookings;
      expect(cached.map((b: any) => [b.id, b.start])).toEqual(before.map((b: any) => [b.id, b.start]));
      await radicale.start();
      expect(await again.bookings!.calendar.refresh()).toBe(true);
      expect((await again.api('GET', '/api/v1/health')).body.checks.calendar.ok).toBe(true);
    } finally {
      await again.close();
    }
  });
});
