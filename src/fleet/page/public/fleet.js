import { isoDay } from './format.js';
import { LOCALES, translate } from './i18n.js';
import { renderReport, renderRooms, translateStatic } from './view.js';

/**
 * The fleet page: polls the collector's rooms, asks for the territory's report for a period, and
 * asks for a token when the collector wants one. Everything goes through the public REST API of
 * the server that served the page.
 */

/** Often enough to see a room go offline while the page is open, rarely enough to cost nothing. */
const ROOMS_EVERY_MS = 10_000;
const TOKEN_KEY = 'roomd-fleet-token';
const LOCALE_KEY = 'roomd-fleet-locale';

const $ = (id) => document.getElementById(id);
const stored = (key) => {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null; // storage disabled: the page still works, it only forgets on reload
  }
};
const store = (key, value) => {
  try {
    sessionStorage.setItem(key, value);
  } catch {
    /* see stored() */
  }
};

const year = new Date().getFullYear();
const state = {
  locale: LOCALES.includes(stored(LOCALE_KEY)) ? stored(LOCALE_KEY) : LOCALES.includes(document.documentElement.lang) ? document.documentElement.lang : 'fr',
  token: stored(TOKEN_KEY) ?? '',
  rooms: undefined,
  report: undefined,
  period: { from: isoDay(new Date(year, 0, 1)), to: isoDay(new Date(year, 11, 31)) },
  /** What went wrong, by request: `{ key, vars }` for the words to show. */
  errors: { rooms: null, report: null },
  auth: null,
};
const t = (key, vars) => translate(state.locale, key, vars);

/** One API call: `{ ok, body }`; a refusal or an error is recorded for the page to show. */
async function api(path, what) {
  const headers = { accept: 'application/json' };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  let res;
  try {
    res = await fetch(path, { headers, cache: 'no-store' });
  } catch {
    state.errors[what] = { key: 'error.network' };
    return { ok: false };
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* an empty or non-JSON answer: the status says enough */
  }
  if (res.status === 401 || res.status === 403) {
    state.auth = { key: state.token ? 'auth.refused' : 'auth.needed', message: body?.error?.message ?? '' };
    state.errors[what] = null;
    return { ok: false };
  }
  if (!res.ok) {
    state.errors[what] = { key: 'error.server', vars: { message: body?.error?.message ?? `HTTP ${res.status}` } };
    return { ok: false };
  }
  state.errors[what] = null;
  state.auth = null;
  return { ok: true, body };
}

function range() {
  return new URLSearchParams({ from: state.period.from, to: state.period.to }).toString();
}

function render() {
  translateStatic(state.locale);
  const errors = Object.values(state.errors).filter(Boolean);
  $('error').hidden = errors.length === 0;
  $('error').textContent = [...new Set(errors.map((e) => t(e.key, e.vars)))].join(' ');
  $('auth').hidden = !state.auth;
  if (state.auth) $('auth-text').textContent = [t(state.auth.key), state.auth.message].filter(Boolean).join(' — ');
  renderRooms(state.locale, state.rooms);
  if (state.report) renderReport(state.locale, state.report, state.period, new Map((state.rooms ?? []).map((r) => [r.id, r.name ?? r.id])));
  $('csv').href = `/api/v1/fleet/sessions.csv?${range()}`;
}

async function loadRooms() {
  const res = await api('/api/v1/fleet/rooms', 'rooms');
  if (res.ok) state.rooms = res.body.rooms;
  render();
}

async function loadReport() {
  if (state.period.from > state.period.to) {
    state.errors.report = { key: 'figures.badRange' };
    return render();
  }
  $('figures-status').textContent = t('figures.loading');
  const res = await api(`/api/v1/fleet/report?${range()}`, 'report');
  state.report = res.ok ? res.body : undefined;
  $('figures').hidden = !res.ok;
  if (!res.ok) $('figures-status').textContent = '';
  render();
}

let roomsTimer;
async function pollRooms() {
  clearTimeout(roomsTimer);
  await loadRooms();
  roomsTimer = setTimeout(pollRooms, ROOMS_EVERY_MS);
}

/** With a token, a plain link cannot send it: fetch the CSV and hand the browser the file. */
async function downloadCsv(event) {
  if (!state.token) return; // the link itself works (no tokens: this machine only)
  event.preventDefault();
  const res = await fetch($('csv').href, { headers: { authorization: `Bearer ${state.token}` } }).catch(() => null);
  if (!res || !res.ok) {
    state.errors.report = res ? { key: 'error.server', vars: { message: `HTTP ${res.status}` } } : { key: 'error.network' };
    return render();
  }
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: `roomd-fleet-${state.period.from}-${state.period.to}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

$('from').value = state.period.from;
$('to').value = state.period.to;
$('period').addEventListener('submit', (event) => {
  event.preventDefault();
  state.period = { from: $('from').value, to: $('to').value };
  void loadReport();
});
$('auth').addEventListener('submit', (event) => {
  event.preventDefault();
  state.token = $('token').value.trim();
  store(TOKEN_KEY, state.token);
  $('token').value = '';
  void pollRooms().then(loadReport);
});
$('lang-toggle').addEventListener('click', () => {
  state.locale = state.locale === 'fr' ? 'en' : 'fr';
  store(LOCALE_KEY, state.locale);
  render();
});
$('csv').addEventListener('click', (event) => void downloadCsv(event));

render();
void pollRooms().then(loadReport);
