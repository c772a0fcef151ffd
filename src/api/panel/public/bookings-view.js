import { $, h, renderList, setAttr, setHidden, setText } from './dom.js';
import { bookingPhase, bookingWho, formatSpan, formatTime, roomDay, selfTestProblems } from './bookings.js';

/**
 * The idle screen's calendar and self-test parts: the last self-test (« Salle prête » or what is
 * wrong, with the help line), the booking « Démarrer » will start (or the way back to it), the
 * next booking and today's list. Times are the room's (`config.timeZone`), not the tablet's.
 */

export function bindBookings(ui) {
  $('booking-other').addEventListener('click', () => {
    ui.dismissBooking(true);
    $('booking-use').focus();
  });
  $('booking-use').addEventListener('click', () => {
    ui.dismissBooking(false);
    $('booking-other').focus();
  });
}

export function renderBookings(ui) {
  renderSelfTest(ui);
  renderBookingChoice(ui);
  renderToday(ui);
}

function renderSelfTest(ui) {
  const { state, t } = ui;
  const result = state.selftest;
  setHidden($('selftest'), !result);
  if (!result) return;
  const zone = state.config.timeZone;
  const locale = ui.locale();
  const problems = result.ok ? [] : selfTestProblems(result, state.devices, state.room?.helpLine, t);
  // Ready when every check passed, or when every device that failed only by not answering is back.
  const ok = !!result.ok || (problems.length > 0 && problems.every((p) => p.recovered));
  $('selftest').classList.toggle('selftest-ok', ok);
  $('selftest').classList.toggle('selftest-bad', !ok);
  setText($('selftest-title'), ok ? `✓ ${t('selftest.ready')}` : t('selftest.problem'));
  renderList($('selftest-problems'), JSON.stringify([locale, problems]), () => problems.map((p) => h('li', { class: p.recovered ? 'recovered' : undefined, dataset: { device: p.device } }, p.text)));
  const time = formatTime(locale, result.at, zone);
  const sameDay = roomDay(result.at, zone) === roomDay(Date.now(), zone);
  const date = () => new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', ...(zone ? { timeZone: zone } : {}) }).format(new Date(result.at));
  setText($('selftest-when'), sameDay ? t('selftest.at', { time }) : t('selftest.atDay', { time, date: date() }));
}

function renderBookingChoice(ui) {
  const { state, t } = ui;
  const zone = state.config.timeZone;
  const locale = ui.locale();
  const offered = ui.offeredBooking();
  const chosen = ui.booking();
  setHidden($('booking-start'), !chosen);
  setHidden($('booking-offer'), !offered || !!chosen);
  setAttr($('start'), 'aria-describedby', chosen ? 'booking-start' : undefined);
  if (chosen) {
    const who = bookingWho(chosen);
    setText($('booking-who'), who);
    setText($('booking-what'), chosen.title && chosen.title !== who ? chosen.title : '');
    setHidden($('booking-what'), !(chosen.title && chosen.title !== who));
    // The SIP address is never shown (it means nothing to a visitor): only that the call will go out.
    setText($('booking-when'), [formatSpan(locale, chosen, zone), chosen.dial ? t('booking.dial') : ''].filter(Boolean).join(' · '));
  } else if (offered) {
    setText($('booking-offer-text'), t('booking.offer', { span: formatSpan(locale, offered, zone), who: bookingWho(offered) }));
  }
}

const STATUS_KEYS = { now: 'bookings.now', past: 'bookings.past', cancelled: 'bookings.cancelled' };

function renderToday(ui) {
  const { state, t } = ui;
  const calendar = !!state.config.bookings;
  setHidden($('idle-next'), !calendar);
  if (!calendar) return;
  const zone = state.config.timeZone;
  const locale = ui.locale();
  const now = Date.now();
  const list = state.bookings;
  const next = state.meeting.next;
  let line = '';
  if (next) {
    const vars = { time: formatTime(locale, next.start, zone), who: bookingWho(next) };
    line = Date.parse(next.start) <= now ? t('idle.nowBooked', vars) : t('idle.next', vars);
  } else if (list) line = list.length ? t('bookings.noMore') : t('bookings.none');
  setText($('next-line'), line);
  // Nothing booked is said quietly; the next meeting stands out.
  $('next-line').classList.toggle('next-line-quiet', !next);
  setHidden($('bookings-title'), !list?.length);
  const rows = (list ?? []).map((b) => ({ b, phase: bookingPhase(b, now) }));
  renderList($('bookings-list'), JSON.stringify([locale, zone, rows.map((r) => [r.b, r.phase]), next?.id ?? null]), () => rows.map(({ b, phase }) => {
    const who = bookingWho(b);
    // A booking a meeting was started from says so (« Tenue »), even before its time is over.
    const statusKey = b.status === 'held' && phase !== 'cancelled' ? 'bookings.held' : STATUS_KEYS[phase];
    return h('li', { class: `booking booking-${phase}${b.id === next?.id ? ' booking-next' : ''}`, dataset: { booking: b.id } },
      h('span', { class: 'booking-time' }, formatSpan(locale, b, zone)),
      h('span', { class: 'booking-who' }, who, b.title && b.title !== who ? h('span', { class: 'booking-title' }, b.title) : null),
      statusKey ? h('span', { class: 'booking-status' }, t(statusKey)) : null);
  }));
}
