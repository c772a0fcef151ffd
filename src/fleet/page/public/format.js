/**
 * Numbers, durations, months and times as a reader of `locale` writes them. Intl does the
 * grouping (French: a narrow no-break space, « 2 584 »; a decimal comma, « 0,63 »); the unit is
 * joined with a no-break space so « 2 584 km » never breaks between the number and « km ».
 */
const NBSP = '\u00a0';
const tag = (locale) => (locale === 'fr' ? 'fr-FR' : 'en-GB');

export function formatNumber(locale, value, digits = 0) {
  return new Intl.NumberFormat(tag(locale), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

export function formatKm(locale, km) {
  return `${formatNumber(locale, Math.round(km))}${NBSP}km`;
}

/** Tonnes from 100 kg up (« 0,63 t »), kilograms below (« 42 kg »): what a territory report reads. */
export function formatCo2(locale, kg) {
  if (kg >= 100) return `${formatNumber(locale, kg / 1000, 2)}${NBSP}t`;
  return `${formatNumber(locale, Math.round(kg))}${NBSP}kg`;
}

/** « 45 min », « 3 h 05 », « 1 250 h ». */
export function formatDuration(locale, minutes) {
  const m = Math.round(minutes);
  if (m < 60) return `${formatNumber(locale, m)}${NBSP}min`;
  const h = Math.floor(m / 60);
  if (h >= 100) return `${formatNumber(locale, h)}${NBSP}h`;
  return `${formatNumber(locale, h)}${NBSP}h${NBSP}${String(m % 60).padStart(2, '0')}`;
}

/** `2026-03` → « mars 2026 » / « March 2026 ». */
export function formatMonth(locale, month) {
  const [y, m] = month.split('-').map(Number);
  const text = new Intl.DateTimeFormat(tag(locale), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, 15));
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `2026-03-01` → « 1 mars 2026 ». */
export function formatDay(locale, day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(tag(locale), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
}

/** « il y a 5 secondes », « à l’instant », « il y a 3 jours ». */
export function formatAgo(locale, iso, now = Date.now()) {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(tag(locale), { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 10) return rtf.format(0, 'second');
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}

/** The local calendar date `YYYY-MM-DD` of a Date (what a date input holds). */
export function isoDay(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
