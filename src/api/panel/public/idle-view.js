import { $, h, renderList, setAttr, setHidden, setText } from './dom.js';

/**
 * The idle screen: who is meeting, who to call, the one big start button; above the choices, what
 * happened last (the thanks after a meeting, or that it was interrupted by a restart) and a slot
 * for the next booking (`#idle-next`, filled by whoever knows the calendar).
 */

function chip(key, pressed, onclick, name) {
  return h('button', { type: 'button', class: 'btn chip', 'aria-pressed': pressed ? 'true' : 'false', dataset: { key }, onclick },
    h('span', { class: 'chip-check', 'aria-hidden': 'true' }, pressed ? '✓' : ''),
    h('span', { class: 'chip-name' }, name));
}

/** Wires the idle screen's fixed buttons once. */
export function bindIdle(ui) {
  $('start').addEventListener('click', () => void ui.startMeeting());
  $('crash-dismiss').addEventListener('click', () => {
    ui.dismissInterrupted();
    $('start').focus();
  });
}

export function renderIdle(ui) {
  const { state, t } = ui;
  const orgs = state.room?.organisations ?? [];
  const directory = state.config.directory ?? [];
  setHidden($('org-group'), orgs.length === 0);
  setHidden($('dial-group'), directory.length === 0);
  $('view-idle').classList.toggle('no-choices', orgs.length === 0 && directory.length === 0 && !state.interrupted);
  const { organisation, dial } = state.choice;
  renderList($('org-chips'), JSON.stringify([ui.locale(), orgs, organisation ?? null]), () => [
    chip('', !organisation, () => ui.pick('organisation', undefined), t('idle.orgNone')),
    ...orgs.map((org) => chip(org, organisation === org, () => ui.pick('organisation', org), org)),
  ]);
  // Names only: a SIP address means nothing to a visitor (the technician page shows them).
  renderList($('dial-chips'), JSON.stringify([ui.locale(), directory, dial ?? null]), () => [
    chip('', !dial, () => ui.pick('dial', undefined), t('idle.dialNone')),
    ...directory.map((e) => chip(e.number, dial === e.number, () => ui.pick('dial', e.number), e.name)),
  ]);
  setText($('start-text'), state.startPending ? t('idle.starting') : t('idle.start'));
  setAttr($('start'), 'aria-busy', state.startPending ? 'true' : undefined);
  setText($('start-error'), state.startError ? t('idle.startFailed', { message: state.startError }) : '');
  renderInterrupted(ui);
  const summary = state.summary && state.summary.until > Date.now() ? state.summary : undefined;
  setHidden($('end-summary'), !summary);
  if (summary) {
    const km = Math.round(summary.km);
    setText($('end-summary'), `${t('idle.thanks')}${km > 0 ? ` ${t('idle.avoided', { km: km.toLocaleString(ui.locale()), co2: Math.round(summary.co2).toLocaleString(ui.locale()) })}` : ''}`);
  }
}

/** After a crash: the meeting that was going on, that it stopped, and what to do now. */
function renderInterrupted(ui) {
  const { state, t } = ui;
  const session = state.interrupted;
  setHidden($('crash-notice'), !session);
  if (!session) return;
  const started = new Date(session.startedAt);
  const time = new Intl.DateTimeFormat(ui.locale(), { hour: '2-digit', minute: '2-digit' }).format(started);
  const sameDay = started.toDateString() === new Date().toDateString();
  const when = sameDay ? t('crash.today', { time }) : t('crash.day', { time, date: new Intl.DateTimeFormat(ui.locale(), { weekday: 'long', day: 'numeric', month: 'long' }).format(started) });
  setText($('crash-text'), t('crash.text', { when }));
  const phone = ui.helpLine();
  setText($('crash-help'), phone ? t('crash.help', { helpLine: phone }) : t('crash.noHelp'));
}
