import { deviceLabels } from './model.js';

/**
 * The panel's pure logic for bookings and the self-test: times in the room's time zone, which
 * booking « Démarrer » starts, what today's list says about each booking, and the self-test's
 * problems in a visitor's words. No DOM here.
 */

const MINUTE = 60_000;
/** « Démarrer » offers a booking from `prepareMinutes` before its start, and never later than this. */
export const MIN_LEAD_MINUTES = 10;

const formatters = new Map();
function partsIn(timeZone) {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    const options = { hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' };
    try {
      fmt = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
    } catch {
      fmt = new Intl.DateTimeFormat('en-US', options); // an unknown zone: the tablet's own
    }
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

/** The wall time of an instant in `timeZone`: `{ day: 'YYYY-MM-DD', hour, minute }`. */
export function wallTime(when, timeZone) {
  const p = Object.fromEntries(partsIn(timeZone).formatToParts(new Date(when)).map((x) => [x.type, x.value]));
  return { day: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour) % 24, minute: Number(p.minute) };
}

/** The room's day of an instant, `YYYY-MM-DD` (what `GET /api/v1/bookings?from=&to=` takes). */
export function roomDay(when, timeZone) {
  return wallTime(when, timeZone).day;
}

/**
 * A time of day in the room's zone, as people write it: « 14 h 00 » in French, "2:00 pm" in
 * English (no-break spaces, so a time never wraps).
 */
export function formatTime(locale, when, timeZone) {
  const { hour, minute } = wallTime(when, timeZone);
  const mm = String(minute).padStart(2, '0');
  if (locale === 'en') return `${((hour + 11) % 12) + 1}:${mm}\u00a0${hour < 12 ? 'am' : 'pm'}`;
  return `${hour}\u00a0h\u00a0${mm}`;
}

/** The header's date and time, in the room's zone (the tablet's own when the zone is unknown). */
export function formatClock(locale, now, timeZone) {
  const options = { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' };
  try {
    return new Intl.DateTimeFormat(locale, { ...options, ...(timeZone ? { timeZone } : {}) }).format(now);
  } catch {
    return new Intl.DateTimeFormat(locale, options).format(now);
  }
}

/** « 14 h 00 – 16 h 00 ». */
export function formatSpan(locale, booking, timeZone) {
  return `${formatTime(locale, booking.start, timeZone)}\u00a0– ${formatTime(locale, booking.end, timeZone)}`;
}

/** Who the booking is for, in one line: its organisation, else its title. */
export function bookingWho(booking) {
  return booking.organisation || booking.title || '';
}

/**
 * Where a booking stands for today's list: 'cancelled', 'now' (its time has come and not gone),
 * 'past', or 'later'. A booking held or missed keeps its place in time: the list is about the day.
 */
export function bookingPhase(booking, now) {
  if (booking.status === 'cancelled') return 'cancelled';
  const start = Date.parse(booking.start);
  const end = Date.parse(booking.end);
  if (end <= now) return 'past';
  return start <= now ? 'now' : 'later';
}

/**
 * The booking « Démarrer » starts, if any: one whose time has come (from `prepareMinutes` before
 * its start, at least {@link MIN_LEAD_MINUTES}) and not gone, neither cancelled nor held already.
 * The core accepts any booking that is not cancelled; the window is the panel's: outside it the
 * usual start (who is meeting, who to call) stays. A late booking (no-show so far) still counts —
 * people who arrive late are its people — but one still to begin wins over it.
 */
export function startableBooking(bookings, now, prepareMinutes = 15) {
  const lead = Math.max(prepareMinutes, MIN_LEAD_MINUTES) * MINUTE;
  const open = (bookings ?? []).filter((b) => b.status !== 'cancelled' && b.status !== 'held' && Date.parse(b.start) - lead <= now && now < Date.parse(b.end));
  return open.find((b) => b.status === 'upcoming') ?? open[0];
}

/** What a failed check means, by the check's name (what drivers declare in their manifests). */
const CHECK_KEYS = { power: 'check.power', registration: 'check.registration', levels: 'check.levels', position: 'check.position' };

/**
 * The self-test's problems, one per device, in a visitor's words with the help line:
 * « L’écran ne répond pas — appelez le 04 67 00 00 00 » when it did not answer (or was offline),
 * « Caméra : la position ne se relit pas — appelez le … » when it answered but a check failed.
 * A device that did not answer but is online now is `recovered` (« Écran : répond de nouveau »):
 * telling a visitor to call about a screen that works would be wrong.
 */
export function selfTestProblems(result, devices, helpLine, t) {
  const labels = deviceLabels(devices, t);
  const failed = new Map();
  for (const check of result?.checks ?? []) {
    if (check.ok) continue;
    failed.set(check.device, [...(failed.get(check.device) ?? []), check]);
  }
  const phone = helpLine?.replace(/ /g, '\u00a0');
  return [...failed].map(([device, checks]) => {
    const info = labels[device] ?? { kind: 'other', label: device, named: true };
    const silent = checks.some((c) => c.check === 'answers' || /^offline/.test(c.detail ?? ''));
    if (silent && devices?.[device]?.online) return { device, text: t('selftest.recovered', { name: info.label }), recovered: true };
    const what = silent
      ? info.named ? t('fail.silent.named', { name: info.label }) : t(`fail.silent.${info.kind}`)
      : t('check.failed', { name: info.label, checks: checks.map((c) => (CHECK_KEYS[c.check] ? t(CHECK_KEYS[c.check]) : t('check.other', { check: c.check }))).join(', ') });
    return { device, text: phone ? t('fail.help', { what, helpLine: phone }) : t('fail.noHelp', { what }), recovered: false };
  });
}
