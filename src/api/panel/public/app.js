import { makeApi, friendlyError, readToken } from './api.js';
import { Connection } from './connection.js';
import { $, setAttr, setHidden, setText } from './dom.js';
import { bindEnd, renderEnd } from './end-view.js';
import { translate } from './i18n.js';
import { bindIdle, renderIdle } from './idle-view.js';
import { Joystick } from './joystick.js';
import { bindMeeting, renderMeeting } from './meeting-view.js';
import { FocusKeeper } from './focus.js';
import { explainFailures, pickCamera, travelFromCounts } from './model.js';
import { bindProgress, renderProgress } from './progress-view.js';

/**
 * The touch panel. State arrives over the WebSocket (a full snapshot on every (re)connect, then
 * changes); the page renders it in place and never shows state it is not sure of: while the link
 * is down, every control is inert and greyed, and the next snapshot replaces everything.
 * One module per screen (idle, progress, meeting, end); this one holds the state, the link, the
 * actions, and moves the keyboard focus when the screen changes.
 */

const ACK_KEY = 'roomd.panel.ackSession';
const CAMERA_KEY = 'roomd.panel.camera';
const CRASH_KEY = 'roomd.panel.seenInterrupted';

const stored = (storage, key) => {
  try {
    return storage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
};
const store = (storage, key, value) => {
  try {
    storage.setItem(key, value);
  } catch {}
};

const token = readToken();
const state = {
  connected: false,
  denied: false,
  everConnected: false,
  room: undefined,
  devices: {},
  meeting: { active: false, phase: 'idle' },
  config: { directory: [], sites: [], co2KgPerKm: 0.244, inputs: {} },
  localeOverride: undefined,
  choice: { organisation: undefined, dial: undefined },
  startPending: false,
  startError: undefined,
  endView: undefined,
  endPending: false,
  endError: undefined,
  holdProgressUntil: 0,
  summary: undefined,
  interrupted: undefined,
  lastDialed: undefined,
  cameraId: stored(localStorage, CAMERA_KEY),
  busy: new Set(),
  volumeAsked: undefined,
  relativeVolume: new Set(),
};

const locale = () => state.localeOverride ?? state.room?.locale ?? (document.documentElement.lang === 'en' ? 'en' : 'fr');
const t = (key, vars) => translate(locale(), key, vars);
const api = makeApi(token, t);
/** The room's help line with no-break spaces: "04 67 00 / 00 00" across two lines gets misdialled. */
const helpLine = () => state.room?.helpLine?.replace(/ /g, '\u00a0');

// ---------------------------------------------------------------- talking to the daemon

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/events${token ? `?token=${encodeURIComponent(token)}` : ''}`;
const conn = new Connection({ url: wsUrl, onClose: handleClose, onMessage: handleMessage });

/**
 * Sends a command over the WebSocket and resolves with its result; `busyKey` keeps a double tap
 * from sending twice; error codes in `quiet` are left to the caller to explain.
 */
async function command(device, name, args, what, busyKey, { quiet = [] } = {}) {
  if (!state.connected || !device) return undefined;
  if (busyKey) {
    if (state.busy.has(busyKey)) return undefined;
    state.busy.add(busyKey);
    render();
  }
  const result = await conn.command(device, name, args);
  if (busyKey) state.busy.delete(busyKey);
  const code = result.error?.code;
  if (!result.ok && code !== 'Disconnected' && !quiet.includes(code)) showNotice(t('command.failed', { what, message: friendlyError(result.error, t) }));
  render();
  return result;
}

async function loadConfig() {
  const result = await api('GET', '/api/v1/panel/config');
  if (result.ok) {
    state.config = { inputs: {}, ...result.data };
    render();
  }
}

/** After a restart: was the last meeting cut short (closed `interrupted`)? Shown once per session. */
async function loadLastSession() {
  const result = await api('GET', '/api/v1/sessions?limit=1');
  const last = result.ok ? result.data?.sessions?.[0] : undefined;
  state.interrupted = last?.status === 'interrupted' && stored(localStorage, CRASH_KEY) !== last.id ? { id: last.id, startedAt: last.startedAt } : undefined;
  render();
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
    void loadLastSession();
  } else if (message.type === 'state' && message.removed) {
    delete state.devices[message.removed];
  } else if (message.type === 'state' && message.device) {
    state.devices = { ...state.devices, [message.device.id]: message.device };
  } else if (message.type === 'meeting') {
    onMeeting(message.meeting);
  } else if (message.type === 'session' && message.session?.endedAt) {
    state.summary = { km: message.session.kmAvoided ?? 0, co2: message.session.co2Kg ?? 0, until: Date.now() + 120_000 };
  } else if (message.type === 'result' && !message.ok && message.error?.code !== 'Superseded') {
    showNotice(t('command.failed', { what: t('camera.title'), message: friendlyError(message.error, t) }));
  }
  render();
}

function onMeeting(meeting) {
  const before = state.meeting?.phase;
  state.meeting = meeting;
  if (meeting.phase === 'starting') {
    state.summary = undefined;
    state.startError = undefined;
    state.interrupted = undefined; // a new meeting: the old one's story is over
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

// ---------------------------------------------------------------- screens

function currentFailures() {
  return explainFailures(state.meeting.steps, state.devices, state.room?.helpLine, t);
}

const acknowledged = (sessionId) => stored(sessionStorage, ACK_KEY) === String(sessionId);

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

const RENDER = { idle: renderIdle, progress: renderProgress, meeting: renderMeeting, end: renderEnd };
const focus = new FocusKeeper();

function render() {
  const focusBefore = document.activeElement;
  document.body.classList.toggle('offline', !state.connected);
  document.body.classList.toggle('connecting', !state.everConnected && !state.connected);
  $('main').inert = !state.connected;
  setAttr($('main'), 'aria-busy', state.connected ? undefined : 'true');
  setText($('room-name'), state.room?.name ?? document.title);
  renderConnection();
  const view = currentView();
  for (const name of Object.keys(RENDER)) setHidden($(`view-${name}`), name !== view);
  RENDER[view](ui);
  if (state.connected) focus.follow(view === 'progress' && !$('ack-failures').hidden ? 'progress-ack' : view, focusBefore);
}

function renderConnection() {
  const phone = helpLine();
  const lost = phone ? t('conn.lostHelp', { helpLine: phone }) : t('conn.lostNoHelp');
  const text = state.connected ? '' : state.denied ? t('conn.denied') : state.everConnected ? lost : t('conn.connecting');
  setText($('conn-text'), state.connected ? t('conn.ok') : t('conn.offline'));
  // The banner speaks at once when the link drops (role=alert), and is empty when all is well.
  setText($('conn-banner'), text);
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
  store(localStorage, CAMERA_KEY, id);
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

/** What the screens need from the app. */
const ui = {
  state, t, command, joystick, render, locale, helpLine, setMicrophones, chooseCamera, startMeeting, endMeeting,
  camera: () => pickCamera(state.devices, state.cameraId),
  failures: currentFailures,
  pick: (field, value) => {
    state.choice = { ...state.choice, [field]: value };
    render();
  },
  dial: (number) => {
    state.lastDialed = number;
    return number;
  },
  acknowledge: () => {
    store(sessionStorage, ACK_KEY, String(state.meeting.session?.id));
    render();
  },
  dismissInterrupted: () => {
    if (state.interrupted) store(localStorage, CRASH_KEY, state.interrupted.id);
    state.interrupted = undefined;
    render();
  },
  openEnd: () => {
    joystick.release();
    state.endView = { counts: {} };
    state.endError = undefined;
    render();
  },
  closeEnd: () => {
    state.endView = undefined;
    render();
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
  $('lang-toggle').addEventListener('click', () => {
    state.localeOverride = locale() === 'fr' ? 'en' : 'fr';
    applyI18n();
    render();
  });
  bindIdle(ui);
  bindProgress(ui);
  bindMeeting(ui);
  bindEnd(ui);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && currentView() === 'end' && !state.endPending) ui.closeEnd();
  });
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
    else if (currentView() === 'idle' && state.summary && state.summary.until <= Date.now()) renderIdle(ui);
  }, 1000);
  applyI18n();
  render();
  conn.start();
}

init();
