import { $, h, renderList, setAttr, setHidden, setText } from './dom.js';
import { bindCamera, renderCamera } from './camera-card.js';
import { attachRepeat } from './repeat.js';
import { deviceLabels, formatDuration, micSummary, notWorking, pickDevice, pickVolumeDevice, remoteName, sourceChoices, steppedVolume } from './model.js';

/** The in-meeting controls: call, microphones, volume, source, cameras; what is out of order. */

const ACTIVE_CALL = new Set(['dialing', 'ringing', 'incoming', 'connected', 'disconnecting']);
const VOLUME_STEP = 5;

/** Wires the meeting view's fixed buttons once; `ui` is the app's façade (state, t, command...). */
export function bindMeeting(ui) {
  const t = ui.t;
  const on = (id, fn) => $(id).addEventListener('click', fn);
  bindCamera(ui);
  // Muted → open them all; open, mixed or unknown → mute them all (the safe way to make them agree).
  on('mic-toggle', () => void ui.setMicrophones(micSummary(ui.state.devices, ui.state.meeting.microphones).muted !== true));
  attachRepeat($('vol-down'), () => void stepVolume(ui, -1));
  attachRepeat($('vol-up'), () => void stepVolume(ui, 1));
  on('vol-mute', () => {
    const device = pickVolumeDevice(ui.state.devices);
    ui.command(device?.id, device?.state?.muted ? 'unmute' : 'mute', {}, t('volume.title'), 'volume-mute');
  });
  const codec = () => pickDevice(ui.state.devices, 'call')?.id;
  on('hangup', () => ui.command(codec(), 'hangup', {}, t('call.title'), 'call'));
  on('answer', () => ui.command(codec(), 'answer', {}, t('call.title'), 'call'));
  on('redial', () => ui.command(codec(), 'dial', { number: ui.dial(ui.state.lastDialed) }, t('call.title'), 'call'));
  on('end', () => ui.openEnd());
}

/**
 * One volume step of 5 %: `setVolume` from the level the device reported (or the one just asked
 * for, so a held button keeps climbing before the feedback comes back). A device with no absolute
 * volume (HDMI-CEC) or no known level gets its own `volumeUp`/`volumeDown` instead.
 */
export async function stepVolume(ui, direction) {
  const { state, t } = ui;
  const device = pickVolumeDevice(state.devices);
  if (!device?.online || state.busy.has('volume')) return;
  const asked = state.volumeAsked?.device === device.id && Date.now() - state.volumeAsked.at < 2000 ? state.volumeAsked.level : undefined;
  const level = asked ?? device.state?.volume;
  if (typeof level === 'number' && !state.relativeVolume.has(device.id)) {
    const next = steppedVolume(level, direction, VOLUME_STEP);
    if (next === level) return;
    state.volumeAsked = { device: device.id, level: next, at: Date.now() };
    const result = await ui.command(device.id, 'setVolume', { level: next }, t('volume.title'), 'volume', { quiet: ['Unsupported'] });
    if (result?.ok || result?.error?.code !== 'Unsupported') return;
    state.relativeVolume.add(device.id);
    state.volumeAsked = undefined;
  }
  await ui.command(device.id, direction > 0 ? 'volumeUp' : 'volumeDown', {}, t('volume.title'), 'volume');
}

function busy(ui, prefix) {
  return [...ui.state.busy].some((key) => key === prefix || key.startsWith(`${prefix}:`));
}

function setCardOffline(card, offlineText, offline, buttons = card.querySelectorAll('button')) {
  card.classList.toggle('card-offline', offline);
  setHidden(offlineText, !offline);
  for (const button of buttons) button.disabled = offline;
}

export function renderMeeting(ui) {
  const hasCall = renderCall(ui);
  renderMics(ui);
  renderVolume(ui);
  const hasSource = renderSource(ui);
  renderCamera(ui, setCardOffline);
  renderStatus(ui);
  const grid = $('view-meeting').querySelector('.meeting-grid');
  grid.classList.toggle('no-call', !hasCall);
  grid.classList.toggle('no-source', !hasSource);
}

function renderCall(ui) {
  const { state, t } = ui;
  const codec = pickDevice(state.devices, 'call');
  setHidden($('card-call'), !codec);
  if (!codec) return false;
  const directory = state.config.directory ?? [];
  const call = codec.state?.call ?? { status: 'idle' };
  if (call.remote && call.status !== 'incoming' && ACTIVE_CALL.has(call.status)) state.lastDialed = call.remote;
  const remote = remoteName(directory, call.remote) ?? t('call.someone');
  setText($('call-status'), t(`call.${ACTIVE_CALL.has(call.status) ? call.status : 'idle'}`, { remote }));
  const since = call.status === 'connected' && call.since ? Date.parse(call.since) : NaN;
  setText($('call-duration'), Number.isFinite(since) ? formatDuration(Date.now() - since) : '');
  setHidden($('call-duration').parentElement, !Number.isFinite(since));
  const idle = !ACTIVE_CALL.has(call.status);
  setHidden($('hangup'), idle);
  setHidden($('answer'), call.status !== 'incoming');
  const again = idle ? state.lastDialed : undefined;
  setHidden($('redial'), !again);
  if (again) setText($('redial'), t('call.again', { name: remoteName(directory, again) ?? t('call.someone') }));
  const entries = idle ? directory.filter((e) => e.number !== again) : [];
  renderList($('call-chips'), JSON.stringify([ui.locale(), entries]), () => entries.map((e) =>
    h('button', {
      type: 'button', class: 'btn chip', dataset: { key: e.number },
      onclick: () => ui.command(pickDevice(state.devices, 'call')?.id, 'dial', { number: ui.dial(e.number) }, t('call.title'), 'call'),
    }, h('span', { class: 'chip-name' }, t('call.dialEntry', { name: e.name })))));
  setCardOffline($('card-call'), $('call-offline'), !codec.online);
  setAttr($('card-call'), 'aria-busy', busy(ui, 'call') ? 'true' : undefined);
  return true;
}

function renderMics(ui) {
  const { state, t } = ui;
  const mics = micSummary(state.devices, state.meeting.microphones);
  setHidden($('card-mic'), mics.devices.length === 0);
  if (!mics.devices.length) return;
  const offline = mics.online.length === 0;
  const mixed = !offline && mics.muted === 'mixed';
  const toggle = $('mic-toggle');
  // The button says what it will do: "Réactiver les micros" while they are all muted.
  setText($('mic-toggle-text'), t(mics.muted === true ? 'mic.unmuteAll' : mixed ? 'mic.muteEvery' : 'mic.muteAll'));
  toggle.dataset.state = offline ? 'offline' : mics.muted === true ? 'muted' : mics.muted === false ? 'open' : mixed ? 'mixed' : 'unknown';
  setAttr(toggle, 'aria-busy', busy(ui, 'mic') ? 'true' : undefined);
  toggle.disabled = offline;
  $('card-mic').classList.toggle('card-offline', offline);
  $('card-mic').classList.toggle('card-warning', mixed);
  const stateLine = $('mic-state');
  stateLine.dataset.state = toggle.dataset.state;
  const text = offline ? t('mic.offline') : mics.muted === true ? t('mic.muted') : mics.muted === false ? t('mic.open') : mixed ? t('mic.mixed') : t('mic.unknown');
  // Which ones are still on, so "not every microphone is muted" is something one can act on.
  const labels = mixed ? deviceLabels(state.devices, t) : {};
  const names = mixed ? mics.open.map((id) => labels[id]?.label ?? id).join(', ') : '';
  renderList(stateLine, JSON.stringify([ui.locale(), text, names]), () => [
    h('span', { class: 'mic-state-text' }, text),
    names ? h('span', { class: 'mic-state-detail' }, t('mic.stillOpen', { names })) : null,
  ]);
}

function renderVolume(ui) {
  const { state, t } = ui;
  const device = pickVolumeDevice(state.devices);
  setHidden($('card-volume'), !device);
  if (!device) return;
  const level = device.state?.volume;
  const known = typeof level === 'number' && Number.isFinite(level);
  const muted = device.state?.muted === true;
  setText($('vol-level'), muted ? t('volume.muted') : known ? t('volume.level', { level }) : t('volume.unknown'));
  $('vol-level').dataset.state = muted ? 'muted' : known ? 'level' : 'unknown';
  $('vol-fill').style.width = `${known ? Math.max(0, Math.min(100, level)) : 0}%`;
  $('card-volume').classList.toggle('is-muted', muted);
  setText($('vol-mute-text'), t(muted ? 'volume.unmute' : 'volume.mute'));
  setCardOffline($('card-volume'), $('volume-offline'), !device.online);
}

/** The display's configured inputs, in words: what the screen shows. */
function renderSource(ui) {
  const { state, t } = ui;
  const source = sourceChoices(state.devices, state.config.inputs, t);
  setHidden($('card-source'), !source);
  if (!source) return false;
  const { device, choices, current } = source;
  renderList($('source-chooser'), JSON.stringify([ui.locale(), device.id, choices, current ?? null]), () => choices.map((c) => h('button', {
    type: 'button', class: 'btn segment', 'aria-pressed': c.name === current ? 'true' : 'false', dataset: { key: c.name },
    onclick: () => ui.command(device.id, 'selectInput', { input: c.name }, t('source.title'), 'source'),
  }, h('span', { class: 'segment-name' }, c.label))));
  setCardOffline($('card-source'), $('source-offline'), !device.online);
  return true;
}

/** For the rest of the meeting, in plain words: what is out of order and whom to call. */
function renderStatus(ui) {
  const { state, t } = ui;
  const ids = notWorking(state.devices, state.meeting.steps);
  const labels = deviceLabels(state.devices, t);
  const names = ids.map((id) => labels[id]?.label ?? id).join(', ');
  const phone = ui.helpLine();
  setText($('meeting-status'), !names ? '' : phone ? t('status.help', { names, helpLine: phone }) : t('status.noHelp', { names }));
}
