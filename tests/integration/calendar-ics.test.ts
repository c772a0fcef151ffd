import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/calendar/salle-visio.ics', import.meta.url));

describe('bookings from an ICS file', () => {
  let daemon: TestDaemon;
  const logLines: any[] = [];
  const now = Date.parse('2026-03-20T08:00:00Z');

  beforeAll(async () => {
    const log = pino({ level: 'info' }, new Writable({ write(chunk, _e, done) { for (const l of chunk.toString().split('\n')) if (l) logLines.push(JSON.parse(l)); done(); } }));
    // The calendar file is given as a path relative to the config file.
    daemon = await startTestDaemon(`
room: { id: st-pons, name: Salle, organisations: [PNR, Commune de Riols], timezone: Europe/Paris }
calendar: { url: ./salle.ics, refreshSeconds: 3600 }
`, { clock: { now: () => new Date(now) }, log, sessions: null });
    copyFileSync(FIXTURE, join(daemon.dir, 'salle.ics'));
    await daemon.bookings!.calendar.refresh();
  });
  afterAll(async () => {
    await daemon?.close();
  });

  it('loads the feed, skipping the malformed event with a log line naming its UID', async () => {
    const { body } = await daemon.api('GET', '/api/v1/bookings?from=2026-03-30&to=2026-03-31');
    expect(body.bookings.map((b: any) => [b.start, b.title, b.organisation ?? null])).toEqual([
      ['2026-03-29T22:00:00.000Z', 'Journée portes ouvertes', 'CC Minervois Caroux'],
      ['2026-03-31T12:00:00.000Z', 'Comité de pilotage Natura 2000', 'PNR'],
      ['2026-03-31T12:00:00.000Z', 'Conseil municipal — visio avec la préfecture', 'Commune de Riols'],
    ]);
    const skipped = logLines.filter((l) => l.uid === 'broken-1@example.org');
    expect(skipped).toHaveLength(1);
    expect(skipped[0].msg).toContain('calendar: event broken-1@example.org skipped');
  });

  it('applies an edit at the next refresh (a cancellation), and keeps the last bookings when the file goes away', async () => {
    const file = join(daemon.dir, 'salle.ics');
    writeFileSync(file, readFileSync(file, 'utf8').replace('DESCRIPTION:Rejoindre', 'STATUS:CANCELLED\r\nDESCRIPTION:Rejoindre'));
    expect(await daemon.bookings!.calendar.refresh()).toBe(true);
    const day = async () => (await daemon.api('GET', '/api/v1/bookings?from=2026-03-31&to=2026-03-31')).body.bookings;
    expect((await day()).map((b: any) => b.status)).toEqual(['upcoming', 'cancelled']);
    rmSync(file);
    expect(await daemon.bookings!.calendar.refresh()).toBe(false);
    expect((await day()).map((b: any) => b.status)).toEqual(['upcoming', 'cancelled']);
    expect((await daemon.api('GET', '/api/v1/health')).body.checks.calendar).toMatchObject({ ok: false, detail: expect.stringContaining('ENOENT') });
  });

  it('refuses a start from an unknown or cancelled booking before touching anything', async () => {
    expect((await daemon.api('POST', '/api/v1/meeting/start', { booking: 'no-such-booking' })).status).toBe(404);
    const cancelled = await daemon.api('POST', '/api/v1/meeting/start', { booking: 'riols-conseil-20260331@riols.fr' });
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error.message).toMatch(/cancelled/);
    expect((await daemon.api('GET', '/api/v1/state')).body.meeting.active).toBe(false);
  });

  it('answers bad queries with 400 naming the field', async () => {
    const bad = await daemon.api('GET', '/api/v1/bookings?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/from/);
    expect((await daemon.api('GET', '/api/v1/bookings?from=2026-04-02&to=2026-04-01')).status).toBe(400);
  });
});
