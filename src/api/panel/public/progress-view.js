import { $, h, renderList, setHidden, setText } from './dom.js';
import { deviceLabels, progressRows } from './model.js';

/** Starting / ending: one row per device as its steps settle, then plainly what failed. */

const STATUS_ICON = { pending: '○', running: '◌', ok: '✓', failed: '✕', skipped: '✕' };

export function bindProgress(ui) {
  $('ack-failures').addEventListener('click', () => ui.acknowledge());
}

export function renderProgress(ui) {
  const { state, t } = ui;
  const { phase, steps } = state.meeting;
  const ending = phase === 'ending';
  const failures = ui.failures();
  const done = phase === 'active';
  const title = ending ? 'progress.ending' : !done ? 'progress.starting' : failures.length ? 'progress.readyWithProblems' : 'progress.ready';
  setText($('progress-title'), t(title));
  const labels = deviceLabels(state.devices, t);
  const rows = progressRows(steps);
  renderList($('progress-list'), JSON.stringify([ui.locale(), ending, rows.map((r) => [r.device, r.status])]), () =>
    rows.map((row) => h('li', { class: `step step-${row.status}`, dataset: { device: row.device } },
      h('span', { class: 'step-icon', 'aria-hidden': 'true' }, STATUS_ICON[row.status]),
      h('span', { class: 'step-name' }, labels[row.device]?.label ?? row.device),
      h('span', { class: 'step-status' }, t(ending && row.status === 'ok' ? 'step.endOk' : `step.${row.status}`)))));
  renderList($('progress-failures'), JSON.stringify([ui.locale(), failures, ending]), () => failures.length === 0 ? [] : [
    ...failures.map((f) => h('p', { class: 'failure', dataset: { device: f.device } }, f.text)),
    ending ? null : h('p', { class: 'failure-note' }, t('fail.goOn')),
  ]);
  // The way on stays in the same place, out of the scrolling list, so it is always on screen.
  setHidden($('ack-failures'), !(done && failures.length));
}
