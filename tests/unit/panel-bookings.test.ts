import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The panel's pure logic for bookings and the self-test (src/api/panel/public/bookings.js). */
describe('panel bookings logic (public/bookings.js)', async () => {
  const at = (file: string) => pathToFileURL(join(import.meta.dirname, '../../src/api/panel/public', file)).href;
  const b = await import(at('bookings.js'));
  const { translate } = await import(at('i18n.js'));
  const fr = (key: string, vars?: object) => translate('fr', key, vars);
  const en = (key: string, vars?: object) => translate('en', key, vars);
  const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
  const booking = (start: string, end: string, extra: object = {}) => ({ id: start, start, end, title: 'T', status: 'upcoming', ...extra });

  it('writes times in the room’s zone, French « 14 h 00 » and English "2:00 pm", across the March change', () => {
    // 31 March 2026 is summer time in Paris (UTC+2); 20 March is winter time (UTC+1).
    expect(plain(b.formatTime('fr', '2026-03-31T12:00:00Z', 'Europe/Paris'))).toBe('14 h 00');
    expect(plain(b.formatTime('fr', '2026-03-20T12:05:00Z', 'Europe/Paris'))).toBe('13 h 05');
    expect(plain(b.formatTime('en', '2026-03-31T12:00:00Z', 'Europe/Paris'))).toBe('2:00 pm');
    expect(plain(b.formatTime('en', '2026-03-31T22:30:00Z', 'Europe/Paris'))).toBe('12:30 am');
    expect(plain(b.formatTime('en', '2026-03-31T10:00:00Z', 'Europe/Paris'))).toBe('12:00 pm');
    expect(plain(b.formatSpan('fr', booking('2026-03-31T12:00:00Z', '2026-03-31T14:00:00Z'), 'Europe/Paris'))).toBe('14 h 00 – 16 h 00');
    // The room's day, not UTC's: 23:30 UTC on the 31st is already 1 April in Paris.
    expect(b.roomDay('2026-03-31T23:30:00Z', 'Europe/Paris')).toBe('2026-04-01');
    expect(b.roomDay('2026-03-31T23:30:00Z', 'America/New_York')).toBe('2026-03-31');
    // An unknown zone falls back to the tablet's own rather than breaking the screen.
    expect(b.formatTime('fr', '2026-03-31T12:00:00Z', 'Mars/Olympus')).toMatch(/^\d{1,2}\u00a0h\u00a0\d{2}$/);
  });

  it('offers a booking from prepareMinutes before its start (at least 10) until its end, never a cancelled or held one', () => {
    const start = Date.parse('2026-03-31T12:00:00Z');
    const riols = booking('2026-03-31T12:00:00Z', '2026-03-31T14:00:00Z');
    const min = 60_000;
    expect(b.startableBooking([riols], start - 16 * min, 15)).toBeUndefined();
    expect(b.startableBooking([riols], start - 15 * min, 15)).toBe(riols);
    expect(b.startableBooking([riols], start - 11 * min, 0)).toBeUndefined();
    expect(b.startableBooking([riols], start - 10 * min, 0)).toBe(riols);
    expect(b.startableBooking([riols], start + 119 * min, 15)).toBe(riols);
    expect(b.startableBooking([riols], start + 120 * min, 15)).toBeUndefined();
    expect(b.startableBooking([{ ...riols, status: 'cancelled' }], start, 15)).toBeUndefined();
    expect(b.startableBooking([{ ...riols, status: 'held' }], start, 15)).toBeUndefined();
    // Late people are still the booking's people; but one about to begin wins over a missed one.
    const late = { ...booking('2026-03-31T11:00:00Z', '2026-03-31T13:00:00Z'), status: 'no-show' };
    expect(b.startableBooking([late], start - 5 * min, 15)).toBe(late);
    expect(b.startableBooking([late, riols], start - 5 * min, 15)).toBe(riols);
  });

  it('says where each booking of the day stands', () => {
    const now = Date.parse('2026-03-31T12:30:00Z');
    expect(b.bookingPhase(booking('2026-03-31T06:30:00Z', '2026-03-31T07:30:00Z'), now)).toBe('past');
    expect(b.bookingPhase(booking('2026-03-31T12:00:00Z', '2026-03-31T14:00:00Z'), now)).toBe('now');
    expect(b.bookingPhase(booking('2026-03-31T14:30:00Z', '2026-03-31T15:30:00Z'), now)).toBe('later');
    expect(b.bookingPhase(booking('2026-03-31T12:00:00Z', '2026-03-31T14:00:00Z', { status: 'cancelled' }), now)).toBe('cancelled');
    expect(b.bookingWho({ title: 'Bureau', organisation: 'PNR' })).toBe('PNR');
    expect(b.bookingWho({ title: 'Bureau' })).toBe('Bureau');
  });

  it('puts the self-test’s problems in a visitor’s words, one per device, with the help line', () => {
    const devices = {
      display: { id: 'display', capabilities: ['power', 'input'], online: false },
      camera: { id: 'camera', capabilities: ['power', 'ptz'], online: true },
      codec: { id: 'codec', capabilities: ['call', 'micMute'], online: true },
      mics: { id: 'mics', capabilities: ['micMute'], online: true },
    };
    const result = {
      ok: false,
      at: '2026-03-31T11:45:00Z',
      checks: [
        { device: 'display', check: 'answers', ok: false, ms: 1, detail: 'offline: ECONNREFUSED' },
        { device: 'display', check: 'power', ok: false, ms: 1, detail: 'offline: ECONNREFUSED' },
        { device: 'camera', check: 'answers', ok: true, ms: 5 },
        { device: 'camera', check: 'position', ok: false, ms: 5, detail: 'camera position does not read back' },
        { device: 'codec', check: 'registration', ok: false, ms: 5, detail: 'not registered' },
        { device: 'mics', check: 'answers', ok: true, ms: 5 },
      ],
    };
    expect(b.selfTestProblems(result, devices, '04 67 00 00 00', fr).map((p: { text: string }) => plain(p.text))).toEqual([
      'L’écran ne répond pas — appelez le 04 67 00 00 00',
      'Caméra : la position ne se relit pas — appelez le 04 67 00 00 00',
      'Visioconférence : pas inscrite auprès du serveur d’appels — appelez le 04 67 00 00 00',
    ]);
    expect(b.selfTestProblems(result, devices, undefined, en).map((p: { text: string }) => p.text)).toEqual([
      'The screen is not responding — please tell the front desk',
      'Camera: its position does not read back — please tell the front desk',
      'Video call: not registered with the call server — please tell the front desk',
    ]);
    // A device the panel does not know (removed since) is named by its id; an unknown check by its name.
    expect(b.selfTestProblems({ ok: false, checks: [{ device: 'ghost', check: 'temperature', ok: false, ms: 1 }] }, {}, undefined, fr)
      .map((p: { text: string }) => plain(p.text))).toEqual(['ghost : vérification « temperature » en échec — prévenez l’accueil']);
    expect(b.selfTestProblems({ ok: true, checks: [] }, devices, '04', fr)).toEqual([]);
    // The display answers again since: said so, without the help line.
    const back = { ...devices, display: { ...devices.display, online: true } };
    expect(b.selfTestProblems(result, back, '04 67 00 00 00', fr)[0]).toEqual({ device: 'display', text: 'Écran\u202f: ne répondait pas, répond de nouveau', recovered: true });
  });
});
