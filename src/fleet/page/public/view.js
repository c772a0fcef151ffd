import { formatAgo, formatCo2, formatDay, formatDuration, formatKm, formatMonth, formatNumber } from './format.js';
import { translate } from './i18n.js';

/**
 * Renders what the collector said into the page. Elements are built node by node with text
 * content only: room ids, organisations and fault messages come from rooms over MQTT and must
 * never be read as HTML.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const $ = (id) => document.getElementById(id);

/** The texts written in index.html (`data-i18n`), in the current language. */
export function translateStatic(locale) {
  const t = (key, vars) => translate(locale, key, vars);
  document.documentElement.lang = locale;
  document.title = t('page.title');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  $('lang-text').textContent = t('lang.switch');
  // The button's name is in the language it switches to, with that lang: a screen reader says it right.
  $('lang-toggle').setAttribute('aria-label', t('lang.switchLabel'));
  $('lang-toggle').setAttribute('lang', locale === 'fr' ? 'en' : 'fr');
}

function selftestText(locale, selftest) {
  const t = (key, vars) => translate(locale, key, vars);
  if (!selftest || typeof selftest !== 'object' || typeof selftest.ok !== 'boolean') return { text: t('room.selftestNone'), ok: undefined };
  const when = typeof selftest.at === 'string' && Number.isFinite(Date.parse(selftest.at)) ? formatAgo(locale, selftest.at) : '';
  if (selftest.ok) return { text: t('room.selftestOk', { when }).trim(), ok: true };
  // Which devices failed which checks; the raw error texts (long, technical) stay in the room's own logs.
  const failed = new Map();
  for (const c of Array.isArray(selftest.checks) ? selftest.checks : []) {
    if (c && c.ok === false) failed.set(String(c.device), [...(failed.get(String(c.device)) ?? []), String(c.check)]);
  }
  const details = [...failed].map(([device, checks]) => `${device} (${checks.join(', ')})`).join(', ');
  const status = t('room.selftestFailed', { when }).trim();
  return { text: details ? t('room.selftestDetails', { status, details }) : status, ok: false };
}

function roomCard(locale, room) {
  const t = (key, vars) => translate(locale, key, vars);
  const selftest = selftestText(locale, room.selftest);
  const faults = room.faults.length
    ? el('ul', { class: 'faults' }, ...room.faults.map((f) => el('li', {}, el('strong', {}, f.name ?? f.device), ` — ${f.code === 'offline' ? t('fault.offline') : f.message}`)))
    : t('room.noFaults');
  return el(
    'li',
    { class: `card room ${room.online ? 'is-online' : 'is-offline'}`, 'data-room': room.id },
    el('h3', {}, room.name ?? room.id, room.name ? el('span', { class: 'room-id' }, ` (${room.id})`) : null),
    el(
      'p',
      { class: 'badges' },
      el('span', { class: `badge ${room.online ? 'ok' : 'bad'}`, 'data-field': 'online' }, t(room.online ? 'room.online' : 'room.offline')),
      ' ',
      el('span', { class: `badge ${room.meeting.active ? 'busy' : 'free'}`, 'data-field': 'meeting' }, t(room.meeting.active ? 'room.meeting' : 'room.free')),
    ),
    el(
      'dl',
      {},
      el('dt', {}, t('room.selftest')),
      el('dd', { 'data-field': 'selftest', class: selftest.ok === false ? 'bad-text' : '' }, selftest.text),
      el('dt', {}, t('room.faults')),
      el('dd', { 'data-field': 'faults' }, faults),
      el('dt', {}, t('room.lastSeen')),
      el('dd', { 'data-field': 'last-seen' }, room.lastSeen ? el('time', { datetime: room.lastSeen }, formatAgo(locale, room.lastSeen)) : t('room.neverSeen')),
    ),
  );
}

export function renderRooms(locale, rooms) {
  const t = (key, vars) => translate(locale, key, vars);
  $('rooms').replaceChildren(...(rooms ?? []).map((room) => roomCard(locale, room)));
  $('rooms-empty').hidden = rooms !== undefined && rooms.length > 0;
  $('rooms-empty').textContent = t(rooms === undefined ? 'rooms.loading' : 'rooms.none');
  $('rooms-count').textContent = rooms?.length ? t('rooms.count', { online: rooms.filter((r) => r.online).length, total: rooms.length }) : '';
}

function figureCells(locale, totals) {
  return [
    formatNumber(locale, totals.sessions),
    formatDuration(locale, totals.minutes),
    formatKm(locale, totals.kmAvoided),
    formatCo2(locale, totals.co2Kg),
  ];
}

function fillTable(table, locale, firstHeader, rows) {
  const t = (key) => translate(locale, key);
  const headers = [firstHeader, t('figures.sessions'), t('figures.duration'), t('figures.km'), t('figures.co2')];
  table.tHead.replaceChildren(el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h))));
  table.tBodies[0].replaceChildren(
    ...rows.map(({ label, totals }) => el('tr', {}, el('th', { scope: 'row' }, label), ...figureCells(locale, totals).map((c) => el('td', {}, c)))),
  );
  table.hidden = rows.length === 0;
}

/** The report for the period; `names` maps room ids to display names (from the rooms list). */
export function renderReport(locale, report, period, names) {
  const t = (key, vars) => translate(locale, key, vars);
  $('figures').hidden = false;
  $('figures-status').textContent = `${t('figures.period', { from: formatDay(locale, period.from), to: formatDay(locale, period.to) })}${report.sessions ? '' : ` — ${t('figures.empty')}`}`;
  const [sessions, duration, km, co2] = figureCells(locale, report);
  // dl > div > dt + dd: each figure stays one block in the grid.
  const item = (key, value, extra) => el('div', { class: 'total' }, el('dt', {}, t(key)), el('dd', { 'data-total': key.split('.')[1] }, value, extra ? el('span', { class: 'extra' }, ` (${extra})`) : null));
  $('totals').replaceChildren(
    item('figures.sessions', sessions, report.interrupted ? t('figures.interrupted', { count: formatNumber(locale, report.interrupted) }) : ''),
    item('figures.duration', duration),
    item('figures.km', km),
    item('figures.co2', co2),
  );
  fillTable($('by-room'), locale, t('figures.room'), report.byRoom.map((r) => ({ label: names.get(r.room) ?? r.room, totals: r })));
  fillTable(
    $('by-organisation'),
    locale,
    t('figures.organisation'),
    report.byOrganisation.map((o) => ({ label: o.organisation ?? t('figures.noOrganisation'), totals: o })),
  );
  fillTable($('by-month'), locale, t('figures.month'), report.byMonth.map((m) => ({ label: formatMonth(locale, m.month), totals: m })));
}
