import { $, h, renderList, setAttr, setHidden, setText } from './dom.js';

/** The end screen: travel avoided per site (optional), then end, skip, or back to the meeting. */

export function bindEnd(ui) {
  $('end-confirm').addEventListener('click', () => void ui.endMeeting(true));
  $('end-skip').addEventListener('click', () => void ui.endMeeting(false));
  $('end-back').addEventListener('click', () => ui.closeEnd());
}

export function renderEnd(ui) {
  const { state, t } = ui;
  const sites = state.config.sites ?? [];
  const counts = state.endView.counts;
  setText($('end-question'), sites.length ? t('end.travelQuestion') : t('end.confirmQuestion'));
  setHidden($('end-skip'), sites.length === 0);
  setHidden($('travel-list'), sites.length === 0);
  const setCount = (site, n) => {
    state.endView = { counts: { ...state.endView.counts, [site]: Math.max(0, Math.min(500, n)) } };
    ui.render();
  };
  renderList($('travel-list'), JSON.stringify([ui.locale(), sites, counts]), () => sites.map((site) => {
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
