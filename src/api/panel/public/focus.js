import { $ } from './dom.js';

/** Where the keyboard focus goes when a screen appears, by what it came from. */
const TARGETS = {
  idle: () => 'start',
  progress: () => 'progress-title',
  'progress-ack': () => 'ack-failures',
  end: () => 'end-back',
  meeting: (from) => (from === 'end' ? 'end' : 'meeting-title'),
};

/**
 * The keyboard focus follows the screens: a new screen gets it on its main element (the start
 * button, the progress title, "continue" when there is a failure to read, the meeting heading,
 * "back to the meeting"); a control that disappears under the focus (hang up once the call is
 * over) hands it to the next visible one in its card.
 */
export class FocusKeeper {
  constructor() {
    this.shown = undefined;
  }

  /** After a render: `screen` is what shows now, `before` what had the focus before the render. */
  follow(screen, before) {
    if (screen !== this.shown) {
      const from = this.shown;
      this.shown = screen;
      // The first screen after loading: leave the page as it is.
      if (from !== undefined) $(TARGETS[screen](from))?.focus({ preventScroll: true });
      return;
    }
    const main = $('main');
    const lost = before && before !== document.body && main.contains(before) && (!before.isConnected || !before.checkVisibility() || before.disabled);
    if (!lost) return;
    const scope = before.isConnected ? before.closest('.card, .view') : main.querySelector('.view:not([hidden])');
    const next = [...(scope?.querySelectorAll('button') ?? [])].find((b) => !b.disabled && b.checkVisibility());
    (next ?? main.querySelector('.view:not([hidden]) [tabindex="-1"]'))?.focus({ preventScroll: true });
  }
}
