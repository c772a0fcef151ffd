import { $, h, renderList, setAttr, setHidden, setText } from './dom.js';
import { attachHold } from './joystick.js';
import { cameraChoices, deviceLabels, directoryName, formatDuration, micSummary, pickDevice, pickVolumeDevice } from './model.js';

/** The in-meeting controls: call, microphones, volume, camera presets and joystick. */

const SPEED = 0.5;
const VECTORS = {
  up: { tilt: SPEED },
  down: { tilt: -SPEED },
  left: { pan: -SPEED },
  right: { pan: SPEED },
  zoomIn: { zoom: SPEED },
  zoomOut: { zoom: -SPEED },
};

const ACTIVE_CALL = new Set(['dialing', 'ringing', 'incoming', 'connected', 'disconnecting']);

/** Wires the meeting view's fixed buttons once; `ui` is the app's façade (state, t, command...). */
export function bindMeeting(ui) {
  for (const button of document.querySelectorAll('#joystick [data-move]')) attachHold(button, ui.joystick, VECTORS[button.dataset.move]);
  const t = ui.t;
  const on = (id, fn) => $(id).addEventListener('click', fn);
  on('cam-home', () => ui.command(ui.camera()?.id, 'home', {}, t('camera.title'), 'cam-home'));
  // Muted → open them all; open, mixed or unknown → mute them all (the safe way to make them agree).
  on('mic-toggle', () => void ui.setMicrophones(micSummary(ui.state.devices, ui.state.meeting.microphones).muted !== true));
  const volume = (name) => () => ui.command(pickVolumeDevice(ui.state.devices)?.id, name, {}, t('volume.title'), 'volume');
  on('vol-down', volume('volumeDown'));
  on('vol-up', volume('volumeUp'));
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
  renderCamera(ui);
  $('view-meeting').querySelector('.meeting-grid').classList.toggle('no-call', !hasCall);
}

function renderCall(ui) {
  const { state, t } = ui;
  const codec = pickDevice(state.devices, 'call');
  setHidden($('card-call'), !codec);
  if (!codec) return false;
  const directory = state.config.directory ?? [];
  const call = codec.state?.call ?? { status: 'idle' };
  if (call.remote && call.status !== 'incoming' && ACTIVE_CALL.has(call.status)) state.lastDialed = call.remote;
  const remote = directoryName(directory, call.remote) ?? call.remote ?? t('call.someone');
  setText($('call-status'), t(`call.${call.status}`, { remote }));
  const since = call.status === 'connected' && call.since ? Date.parse(call.since) : NaN;
  setText($('call-duration'), Number.isFinite(since) ? formatDuration(Date.now() - since) : '');
  const idle = !ACTIVE_CALL.has(call.status);
  setHidden($('hangup'), idle);
  setHidden($('answer'), call.status !== 'incoming');
  const again = idle ? state.lastDialed : undefined;
  setHidden($('redial'), !again);
  if (again) setText($('redial'), t('call.again', { name: directoryName(directory, again) ?? again }));
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
  setAttr(toggle, 'aria-pressed', mics.muted === true ? 'true' : mixed ? 'mixed' : 'false');
  toggle.classList.toggle('is-muted', mics.muted === true);
  toggle.classList.toggle('is-open', mics.muted === false);
  toggle.classList.toggle('is-mixed', mixed);
  setAttr(toggle, 'aria-busy', busy(ui, 'mic') ? 'true' : undefined);
  toggle.disabled = offline;
  $('card-mic').classList.toggle('card-offline', offline);
  $('card-mic').classList.toggle('card-warning', mixed);
  const stateLine = $('mic-state');
  stateLine.classList.toggle('is-muted', !offline && mics.muted === true);
  stateLine.classList.toggle('is-open', !offline && mics.muted === false);
  stateLine.classList.toggle('is-mixed', mixed);
  const text = offline ? t('mic.offline') : mics.muted === true ? t('mic.muted') : mics.muted === false ? t('mic.open') : mixed ? t('mic.mixed') : t('mic.unknown');
  // Which ones are still on, so "not every microphone is muted" is something one can act on.
  const labels = mixed ? deviceLabels(state.devices, t) : {};
  const names = mixed ? mics.open.map((id) => labels[id]?.label ?? id).join(', ') : '';
  renderList(stateLine, JSON.stringify([ui.locale(), text, names]), () => [
    h('span', { class: 'mic-state-text' }, text),
    ...(names ? [h('span', { class: 'mic-state-detail' }, t('mic.stillOpen', { names }))] : []),
  ]);
}

function renderVolume(ui) {
  const { state, t } = ui;
  const device = pickVolumeDevice(state.devices);
  setHidden($('card-volume'), !device);
  if (!device) return;
  const level = device.state?.volume;
  const known = typeof level === 'number';
  setText($('vol-level'), known ? t('volume.level', { level }) : t('volume.unknown'));
  $('vol-fill').style.width = `${known ? level : 0}%`;
  setAttr($('vol-mute'), 'aria-pressed', device.state?.muted ? 'true' : 'false');
  setCardOffline($('card-volume'), $('volume-offline'), !device.online);
}

function renderCamera(ui) {
  const { state, t } = ui;
  const camera = ui.camera();
  setHidden($('card-camera'), !camera);
  if (!camera) return;
  // More than one camera: a chooser above the presets; presets and joystick act on the chosen one.
  const choices = cameraChoices(state.devices, t);
  const chooser = $('camera-chooser');
  setHidden(chooser, choices.length < 2);
  renderList(chooser, JSON.stringify([ui.locale(), choices, camera.id]), () => choices.length < 2 ? [] : choices.map((c) => h('button', {
    type: 'button', class: 'btn segment', 'aria-pressed': c.id === camera.id ? 'true' : 'false', dataset: { key: c.id },
    onclick: () => ui.chooseCamera(c.id),
  }, h('span', { class: 'segment-name' }, c.label), c.online ? null : h('span', { class: 'chip-detail' }, t('camera.notResponding')))));
  const label = choices.find((c) => c.id === camera.id)?.label;
  setText($('camera-offline'), choices.length > 1 && label ? t('camera.offlineNamed', { name: label }) : t('camera.offline'));
  const presets = Object.entries(camera.state?.presets ?? {}).sort(([a], [b]) => Number(a) - Number(b));
  const current = camera.state?.preset;
  renderList($('preset-chips'), JSON.stringify([ui.locale(), camera.id, presets, current ?? null]), () => presets.length === 0
    ? [h('p', { class: 'muted-text' }, t('camera.noPresets'))]
    : presets.map(([number, name]) => h('button', {
        type: 'button', class: 'btn chip', 'aria-pressed': String(current) === number ? 'true' : 'false', dataset: { key: number },
        onclick: () => ui.command(ui.camera()?.id, 'recallPreset', { preset: Number(number) }, t('camera.title'), 'preset'),
      }, h('span', { class: 'chip-check', 'aria-hidden': 'true' }, String(current) === number ? '✓' : ''), h('span', { class: 'chip-name' }, name || t('camera.preset', { n: number })))));
  if (!camera.online && ui.joystick.held) ui.joystick.abandon();
  // The chooser stays usable when the chosen camera is offline: picking the other one is the way out.
  setCardOffline($('card-camera'), $('camera-offline'), !camera.online, $('card-camera').querySelectorAll('#preset-chips button, #joystick button'));
}
