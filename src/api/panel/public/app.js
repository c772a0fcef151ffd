import { Connection } from './connection.js';
import { $, h, renderList, setAttr, setHidden, setText } from './dom.js';
import { translate } from './i18n.js';
import { Joystick } from './joystick.js';
import { renderMeeting, bindMeeting } from './meeting-view.js';
import { explainFailures, deviceLabels, pickCamera, progressRows, travelFromCounts } from './model.js';

/**
 * The touch panel. State arrives over the WebSocket (a full snapshot on every (re)connect, then
 * changes); the page renders it in place and never shows state it is not sure of: while the link
 * is down, every control is inert and greyed, and the next snapshot replaces everything.
 */

const ACK_KEY = 'roomd.panel.ackSession';
const CAMERA_KEY = 'roomd.panel.camera';
const STATUS_ICON = { pending: '○', running: '◌', ok: '✓', failed: '✕', skipped: '✕' };

/** The token for the API: `?token=` once (then kept and removed from the address bar), or none. */
function readToken() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  try {
    if (fromUrl) {
      localStorage.setItem('roomd.token', fromUrl);
      params.delete('token');
      const rest = params.toString();
      history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
      return fromUrl;
    }
    return localStorage.getItem('roomd.token') ?? undefined;
  } catch {
    return fromUrl ?? undefined;
  }
}

/** The camera chosen on this panel, kept across reloads and reconnects (the daemon's ids are stable). */
function readCameraChoice() {
  try {
    return localStorage.getItem(CAMERA_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

const token = readToken();
const state = {
  connected: false,
  denied: false,
  everConnected: false,
  room: undefined,
  devices: {},
  meeting: { active: false, phase: 'idle' },
  config: { directory: [], sites: [], co2KgPerKm: 0.244 },
  localeOverride: undefined,
  choice: { organisation: undefined, dial: undefined },
  startPending: false,
  startError: undefined,
  endView: undefined,
  endPending: false,
  endError: undefined,
  holdProgressUntil: 0,
  summary: undefined,
  lastDialed: undefined,
  cameraId: readCameraChoice(),
  busy: new Set(),
};

const locale = () => state.localeOverride ?? state.room?.locale ?? (document.documentElement.lang === 'en' ? 'en' : 'fr');
const t = (key, vars) => translate(locale(), key, vars);

// ---------------------------------------------------------------- talking to the daemon

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/events${token ? `?token=${encodeURIComponent(token)}` : ''}`;
const conn = new Connection({ url: wsUrl, onClose: handleClose, onMessage: handleMessage });

async function api(method, path, body) {
  try {
    const response = await fetch(path, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) return { ok: false, code: data?.error?.code, message: friendlyError(data?.error) };
    return { ok: true, data };
  } catch {
    return { ok: false, code: 'Network', message: t('error.network') };
  }
}

/** Device errors are for technicians (logged, and on /tech); visitors get a short reason. */
function friendlyError(error) {
  if (error?.message) console.warn('roomd:', error.code, error.message);
  switch (error?.code) {
    case 'DeviceOffline': case 'DeviceTimeout': case 'Disconnected': case 'Timeout': return t('error.offline');
    case 'Unauthorized': case 'Forbidden': return t('error.denied');
    case 'DeviceError': case 'Unsupported': case 'BadArgs': return t('error.device');
    case 'Network': return t('error.network');
    default: return t('error.other');
  }
}

/** Sends a command over the WebSocket; `busyKey` keeps a double tap from sending twice. */
async function command(device, name, args, what, busyKey) {
  if (!state.connected || !device) return;
  if (busyKey) {
    if (state.busy.has(busyKey)) return;
    state.busy.add(busyKey);
    render();
  }
  const result = await conn.command(device, name, args);
  if (busyKey) state.busy.delete(busyKey);
  if (!result.ok && result.error?.code !== 'Disconnected') showNotice(t('command.failed', { what, message: friendlyError(result.error) }));
  render();
}

async function loadConfig() {
  const result = await api('GET', '/api/v1/panel/config');
  if (result.ok) {
    state.config = result.data;
    render();
  }
}

function handleMessage(message) {
  if (message.type === 'state' && message.snapshot) {
    // The snapshot replaces everything: nothing from before the reconnect survives.
    state.room = message.room;
    state.devices = message.devices ?? {};
    state.connected = true;
    state.denied = false;
    state.everConnected = true;
    state.busy.clear();
    onMeeting(message.meeting ?? { active: false, phase: 'idle' });
    void loadConfig();
  } else if (message.type === 'state' && message.removed) {
    delete state.devices[message.removed];
  } else if (message.type === 'state' && message.device) {
    state.devices = { ...state.devices, [message.device.id]: message.device };
  } else if (message.type === 'meeting') {
    onMeeting(message.meeting);
  } else if (message.type === 'session' && message.session?.endedAt) {
    state.summary = { km: message.session.kmAvoided ?? 0, co2: message.session.co2Kg ?? 0, until: Date.now() + 120_000 };
  } else if (message.type === 'result' && !message.ok && message.error?.code !== 'Superseded') {
    showNotice(t('command.failed', { what: t('camera.title'), message: friendlyError(message.error) }));
  }
  render();
}

function onMeeting(meeting) {
  const before = state.meeting?.phase;
  state.meeting = meeting;
  if (meeting.phase === 'starting') {
    state.summary = undefined;
    state.startError = undefined;
  }
  if (before === 'starting' && meeting.phase === 'active' && currentFailures().length === 0) {
    // Let "everything is ready" be seen for a moment before the controls appear.
    state.holdProgressUntil = Date.now() + 1200;
    setTimeout(render, 1250);
  }
  if (meeting.phase === 'idle' && before && before !== 'idle') {
    state.endView = undefined;
    state.endPending = false;
    state.choice = { organisation: undefined, dial: undefined };
    state.lastDialed = undefined;
    state.localeOverride = undefined; // the next visitors get the room's language again
    applyI18n();
  }
  if (meeting.phase !== 'active') joystick.release();
}

function handleClose({ denied, opened }) {
  state.connected = false;
  state.denied = denied;
  state.busy.clear();
  joystick.abandon(); // the daemon stops a camera whose controlling socket went away
  render();
  // Browsers hide why an upgrade failed; a plain request tells a refused token from a daemon that is down.
  if (!opened && !denied) {
    void api('GET', '/api/v1/panel/config').then((result) => {
      if (state.connected) return;
      state.denied = result.code === 'Unauthorized' || result.code === 'Forbidden';
      render();
    });
  }
}

// ---------------------------------------------------------------- notices

let noticeTimer;
function showNotice(text) {
  setText($('notice'), text);
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => setText($('notice'), ''), 6000);
}

// ---------------------------------------------------------------- language

function applyI18n() {
  document.documentElement.lang = locale();
  for (const el of document.querySelectorAll('[data-i18n]')) setText(el, t(el.dataset.i18n));
  for (const el of document.querySelectorAll('[data-i18n-label]')) setAttr(el, 'aria-label', t(el.dataset.i18nLabel));
  const other = locale() === 'fr' ? 'en' : 'fr';
  setText($('lang-text'), t('lang.switch'));
  setAttr($('lang-text'), 'lang', other);
  setAttr($('lang-toggle'), 'aria-label', t('lang.switchLabel'));
  setAttr($('lang-toggle'), 'lang', other);
  updateClock();
}

// ---------------------------------------------------------------- views

function currentFailures() {
  return explainFailures(state.meeting.steps, state.devices, state.room?.helpLine, t);
}

function acknowledged(sessionId) {
  try {
    return sessionStorage.getItem(ACK_KEY) === String(sessionId);
  } catch {
    return false;
  }
}

function acknowledge() {
  try {
    sessionStorage.setItem(ACK_KEY, String(state.meeting.session?.id));
  } catch {}
  render();
}

function currentView() {
  const { phase, session } = state.meeting;
  if (phase === 'starting' || phase === 'ending') return 'progress';
  if (phase === 'active') {
    if (currentFailures().length && !acknowledged(session?.id)) return 'progress';
    if (Date.now() < state.holdProgressUntil) return 'progress';
    return state.endView ? 'end' : 'meeting';
  }
  return 'idle';
}

function render() {
  document.body.classList.toggle('offline', !state.connected);
  document.body.classList.toggle('connecting', !state.everConnected && !state.connected);
  $('main').inert = !state.connected;
  setAttr($('main'), 'aria-busy', state.connected ? undefined : 'true');
  setText($('room-name'), state.room?.name ?? document.title);
  renderConnection();
  const view = currentView();
  for (const name of ['idle', 'progress', 'meeting', 'end']) setHidden($(`view-${name}`), name !== view);
  if (view === 'idle') renderIdle();
  if (view === 'progress') renderProgress();
  if (view === 'meeting') renderMeeting(ui);
  if (view === 'end') renderEnd();
}

function renderConnection() {
  const text = state.connected ? t('conn.ok') : state.denied ? t('conn.denied') : state.everConnected ? t('conn.lost') : t('conn.connecting');
  setText($('conn-text'), state.connected ? t('conn.ok') : t('conn.offline'));
  // The banner speaks at once when the link drops (role=alert), and is empty when all is well.
  setText($('conn-banner'), state.connected ? '' : text);
}

function chip(key, pressed, onclick, name, detail) {
  return h('button', { type: 'button', class: 'btn chip', 'aria-pressed': pressed ? 'true' : 'false', dataset: { key }, onclick },
    h('span', { class: 'chip-check', 'aria-hidden': 'true' }, pressed ? '✓' : ''),
    h('span', { class: 'chip-name' }, name),
    detail ? h('span', { class: 'chip-detail' }, detail) : null);
}

function renderIdle() {
  const orgs = state.room?.organisations ?? [];
  const directory = state.config.directory ?? [];
  setHidden($('org-group'), orgs.length === 0);
  setHidden($('dial-group'), directory.length === 0);
  $('view-idle').classList.toggle('no-choices', orgs.length === 0 && directory.length === 0);
  const { organisation, dial } = state.choice;
  renderList($('org-chips'), JSON.stringify([locale(), orgs, organisation ?? null]), () => [
    chip('', !organisation, () => pick('organisation', undefined), t('idle.orgNone')),
    ...orgs.map((org) => chip(org, organisation === org, () => pick('organisation', org), org)),
  ]);
  renderList($('dial-chips'), JSON.stringify([locale(), directory, dial ?? null]), () => [
    chip('', !dial, () => pick('dial', undefined), t('idle.dialNone')),
    ...directory.map((e) => chip(e.number, dial === e.number, () => pick('dial', e.number), e.name, e.number)),
  ]);
  setText($('start-text'), state.startPending ? t('idle.starting') : t('idle.start'));
  setAttr($('start'), 'aria-busy', state.startPending ? 'true' : undefined);
  setText($('start-error'), state.startError ? t('idle.startFailed', { message: state.startError }) : '');
  const summary = state.summary && state.summary.until > Date.now() ? state.summary : undefined;
  setHidden($('end-summary'), !summary);
  if (summary) {
    const km = Math.round(summary.km);
    setText($('end-summary'), `${t('idle.thanks')}${km > 0 ? ` ${t('idle.avoided', { km: km.toLocaleString(locale()), co2: Math.round(summary.co2).toLocaleString(locale()) })}` : ''}`);
  }
}

function pick(field, value) {
  state.choice = { ...state.choice, [field]: value };
  render();
}

function renderProgress() {
  const { phase, steps } = state.meeting;
  const ending = phase === 'ending';
  const failures = currentFailures();
  const done = phase === 'active';
  const title = ending ? 'progress.ending' : !done ? 'progress.starting' : failures.length ? 'progress.readyWithProblems' : 'progress.ready';
  setText($('progress-title'), t(title));
  const labels = deviceLabels(state.devices, t);
  const rows = progressRows(steps);
  renderList($('progress-list'), JSON.stringify([locale(), ending, rows.map((r) => [r.device, r.status])]), () =>
    rows.map((row) => h('li', { class: `step step-${row.status}`, dataset: { device: row.device } },
      h('span', { class: 'step-icon', 'aria-hidden': 'true' }, STATUS_ICON[row.status]),
      h('span', { class: 'step-name' }, labels[row.device]?.label ?? row.device),
      h('span', { class: 'step-status' }, t(ending && row.status === 'ok' ? 'step.endOk' : `step.${row.status}`)))));
  renderList($('progress-failures'), JSON.stringify([locale(), failures, done]), () => failures.length === 0 ? [] : [
    ...failures.map((f) => h('p', { class: 'failure', dataset: { device: f.device } }, f.text)),
    ending ? null : h('p', { class: 'failure-note' }, t('fail.goOn')),
    done ? h('button', { type: 'button', class: 'btn btn-primary btn-large', id: 'ack-failures', dataset: { key: 'ack' }, onclick: acknowledge }, t('fail.continue')) : null,
  ]);
}

function renderEnd() {
  const sites = state.config.sites ?? [];
  const counts = state.endView.counts;
  setText($('end-question'), sites.length ? t('end.travelQuestion') : t('end.confirmQuestion'));
  setHidden($('end-skip'), sites.length === 0);
  setHidden($('travel-list'), sites.length === 0);
  renderList($('travel-list'), JSON.stringify([locale(), sites, counts]), () => sites.map((site) => {
    const n = counts[site.id] ?? 0;
    return h('li', { class: 'travel-row' },
      h('span', { class: 'travel-site' }, h('span', { class: 'travel-name' }, site.name), h('span', { class: 'travel-km' }, t('end.roundTrip', { km: site.roundTripKm }))),
      h('button', { type: 'button', class: 'btn btn-square', 'aria-label': t('end.less', { site: site.name }), dataset: { key: `less-${site.id}` }, disabled: n === 0, onclick: () => setCount(site.id, n - 1) }, h('span', { 'aria-hidden': 'true' }, '−')),
      h('output', { class: 'travel-count', 'aria-live': 'polite', dataset: { site: site.id } }, t('end.people', { n })),
      h('button', { type: 'button', class: 'btn btn-square', 'aria-label': t('end.more', { site: site.name }), dataset: { key: `more-${site.id}` }, disabled: n >= 500, onclick: () => setCount(site.id, n + 1) }, h('span', { 'aria-hidden': 'true' }, '+')));
  }));
  for (const id of ['end-confirm', 'end-skip', 'end-back']) setAttr($(id), 'aria-busy', state.endPending ? 'true' : undefined);
  setText($('end-error'), state.endError ? t('end.failed', { message: state.endError }) : '');
}

function setCount(site, n) {
  state.endView = { counts: { ...state.endView.counts, [site]: Math.max(0, Math.min(500, n)) } };
  render();
}

// ---------------------------------------------------------------- actions

async function startMeeting() {
  if (state.startPending || !state.connected) return;
  state.startPending = true;
  state.startError = undefined;
  state.summary = undefined;
  render();
  const { organisation, dial } = state.choice;
  const result = await api('POST', '/api/v1/meeting/start', { ...(organisation ? { organisation } : {}), ...(dial ? { dial } : {}) });
  state.startPending = false;
  if (!result.ok) state.startError = result.message;
  else if (dial) state.lastDialed = dial;
  render();
}

/**
 * Every microphone at once, through the core (`POST /api/v1/meeting/microphones`): one request,
 * the daemon decides which devices are microphones (codec included) and runs them in parallel.
 * The new state comes back over the socket as `meeting.microphones`; this only reports failures.
 */
async function setMicrophones(muted) {
  if (!state.connected || state.busy.has('mic')) return;
  state.busy.add('mic');
  render();
  const result = await api('POST', '/api/v1/meeting/microphones', { muted });
  state.busy.delete('mic');
  if (!result.ok) showNotice(t('command.failed', { what: t('mic.title'), message: result.message }));
  else {
    // A device that failed or did not answer is named in plain words, with the help line.
    const failures = explainFailures(result.data?.results, state.devices, state.room?.helpLine, t);
    if (failures.length) showNotice(failures.map((f) => f.text).join(' · '));
  }
  render();
}

function chooseCamera(id) {
  if (id === ui.camera()?.id && state.cameraId === id) return;
  joystick.release(); // a hold in progress stops on the camera it started on
  state.cameraId = id;
  try {
    localStorage.setItem(CAMERA_KEY, id);
  } catch {}
  render();
}

async function endMeeting(withTravel) {
  if (state.endPending || !state.connected) return;
  state.endPending = true;
  state.endError = undefined;
  render();
  const avoidedTravel = withTravel ? travelFromCounts(state.endView?.counts) : [];
  const result = await api('POST', '/api/v1/meeting/end', avoidedTravel.length ? { avoidedTravel } : {});
  state.endPending = false;
  if (!result.ok) state.endError = result.message;
  render();
}

const joystick = new Joystick({
  rateMs: 100,
  target: () => ui.camera()?.id,
  send: (name, args, camera) => {
    if (camera) void conn.command(camera, name, args, { awaitResult: false });
  },
});

/** What the meeting view needs from the app. */
const ui = {
  state, t, command, joystick, render, locale, setMicrophones, chooseCamera,
  camera: () => pickCamera(state.devices, state.cameraId),
  dial: (number) => {
    state.lastDialed = number;
    return number;
  },
  openEnd: () => {
    joystick.release();
    state.endView = { counts: {} };
    state.endError = undefined;
    render();
    $('end-back').focus();
  },
};

// ---------------------------------------------------------------- clock

function updateClock() {
  const now = new Date();
  const text = new Intl.DateTimeFormat(locale(), { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }).format(now);
  setText($('clock'), text);
  setAttr($('clock'), 'datetime', now.toISOString().slice(0, 16));
}

// ---------------------------------------------------------------- start-up

function init() {
  $('start').addEventListener('click', () => void startMeeting());
  $('lang-toggle').addEventListener('click', () => {
    state.localeOverride = locale() === 'fr' ? 'en' : 'fr';
    applyI18n();
    render();
  });
  $('end-confirm').addEventListener('click', () => void endMeeting(true));
  $('end-skip').addEventListener('click', () => void endMeeting(false));
  $('end-back').addEventListener('click', () => {
    state.endView = undefined;
    render();
    $('end').focus();
  });
  bindMeeting(ui);
  // Whatever takes the page away from the person holding the joystick stops the camera.
  window.addEventListener('blur', () => joystick.release());
  window.addEventListener('pagehide', () => joystick.release());
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) joystick.release();
    else conn.poke();
  });
  window.addEventListener('online', () => conn.poke());
  setInterval(() => {
    updateClock();
    if (currentView() === 'meeting') renderMeeting(ui);
    else if (currentView() === 'idle' && state.summary && state.summary.until <= Date.now()) renderIdle();
  }, 1000);
  applyI18n();
  render();
  conn.start();
}

init();
