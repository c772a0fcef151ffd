/**
 * Press-and-hold repeat for a step button (volume − / +): one step at once, then after `delayMs`
 * one every `everyMs` while the finger, mouse button or Space/Enter stays down. Letting go,
 * sliding off, a cancelled touch or the button losing focus stops it. A click that no press
 * preceded (assistive technology) still makes one step.
 */
export function attachRepeat(button, step, { delayMs = 450, everyMs = 220 } = {}) {
  let timer;
  let lastPress = 0;
  const stop = () => {
    clearTimeout(timer);
    clearInterval(timer);
    timer = undefined;
    button.classList.remove('held');
  };
  const begin = () => {
    if (button.disabled) return;
    stop();
    lastPress = Date.now();
    button.classList.add('held');
    step();
    timer = setTimeout(() => {
      timer = setInterval(() => (button.disabled ? stop() : step()), everyMs);
    }, delayMs);
  };
  const pointerdown = (event) => {
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    event.preventDefault();
    if (button.hasPointerCapture?.(event.pointerId)) button.releasePointerCapture(event.pointerId);
    button.focus({ preventScroll: true });
    begin();
  };
  const keydown = (event) => {
    if (event.key !== ' ' && event.key !== 'Enter') return;
    event.preventDefault();
    if (!event.repeat) begin();
  };
  const keyup = (event) => {
    if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      stop();
    }
  };
  const click = () => {
    if (Date.now() - lastPress > 1000 && !button.disabled) step();
  };
  const listeners = [
    ['pointerdown', pointerdown], ['pointerup', stop], ['pointerleave', stop], ['pointercancel', stop],
    ['blur', stop], ['keydown', keydown], ['keyup', keyup], ['click', click], ['contextmenu', (e) => e.preventDefault()],
  ];
  for (const [name, fn] of listeners) button.addEventListener(name, fn);
  return stop;
}
