import { $, h, renderList, setHidden, setText } from './dom.js';
import { attachHold } from './joystick.js';
import { cameraChoices } from './model.js';

/** The camera card: a chooser when there are several, presets by name, a press-and-hold joystick. */

const SPEED = 0.5;
const VECTORS = {
  up: { tilt: SPEED },
  down: { tilt: -SPEED },
  left: { pan: -SPEED },
  right: { pan: SPEED },
  zoomIn: { zoom: SPEED },
  zoomOut: { zoom: -SPEED },
};

export function bindCamera(ui) {
  for (const button of document.querySelectorAll('#joystick [data-move]')) attachHold(button, ui.joystick, VECTORS[button.dataset.move]);
  $('cam-home').addEventListener('click', () => ui.command(ui.camera()?.id, 'home', {}, ui.t('camera.title'), 'cam-home'));
}

export function renderCamera(ui, setCardOffline) {
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
  // The check mark's place is kept whether or not a preset is current: recalling or leaving a
  // preset changes colours only, never the size of a chip (nothing moves under a finger).
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
