/**
 * Press-and-hold camera control. While a direction is held, `move` is sent at a steady rate (the
 * daemon's dead-man timer stops the camera if updates stop arriving); letting go, sliding off the
 * button, a cancelled touch, the page losing focus or the link dropping all send `stop`.
 */
export class Joystick {
  /**
   * `send(command, args, target)` fires a command at a camera; `target()` names the camera a hold
   * starts on (its moves and its stop all go there, even if the chosen camera changes meanwhile);
   * `rateMs` is the update period (~10 Hz).
   */
  constructor({ send, target = () => undefined, rateMs = 100 }) {
    this.send = send;
    this.target = target;
    this.rateMs = rateMs;
    this.vector = undefined;
    this.timer = undefined;
    this.camera = undefined;
  }

  get held() {
    return this.vector !== undefined;
  }

  press(vector) {
    // A new direction on the same hold keeps its camera; a fresh hold asks which one is chosen.
    if (!this.held) this.camera = this.target();
    this.vector = vector;
    clearInterval(this.timer);
    this.send('move', vector, this.camera);
    this.timer = setInterval(() => this.send('move', this.vector, this.camera), this.rateMs);
  }

  /** Stops sending moves and sends one `stop` (only if something was held). */
  release() {
    if (!this.held) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.vector = undefined;
    const camera = this.camera;
    this.camera = undefined;
    this.send('stop', {}, camera);
  }

  /** Forget the hold without sending (the link is gone; the daemon stops the camera itself). */
  abandon() {
    clearInterval(this.timer);
    this.timer = undefined;
    this.vector = undefined;
    this.camera = undefined;
  }
}

/**
 * Wires a button to hold `vector` on `joystick`, for touch, mouse, pen and keyboard (Space/Enter
 * held down). Returns a function that removes the listeners.
 */
export function attachHold(button, joystick, vector) {
  const start = (event) => {
    if (button.disabled || button.getAttribute('aria-disabled') === 'true') return;
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    event.preventDefault();
    // Touch input is captured by the button implicitly; releasing the capture lets a finger that
    // slides off the button raise pointerleave, which stops the camera.
    if (button.hasPointerCapture?.(event.pointerId)) button.releasePointerCapture(event.pointerId);
    button.focus({ preventScroll: true });
    button.classList.add('held');
    joystick.press(vector);
  };
  const end = () => {
    button.classList.remove('held');
    joystick.release();
  };
  const keydown = (event) => {
    if ((event.key === ' ' || event.key === 'Enter') && !event.repeat) {
      event.preventDefault();
      button.classList.add('held');
      joystick.press(vector);
    } else if (event.key === ' ' || event.key === 'Enter') event.preventDefault();
  };
  const keyup = (event) => {
    if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      end();
    }
  };
  const noMenu = (event) => event.preventDefault();
  const listeners = [
    ['pointerdown', start], ['pointerup', end], ['pointerleave', end], ['pointercancel', end],
    ['blur', end], ['keydown', keydown], ['keyup', keyup], ['contextmenu', noMenu],
  ];
  for (const [name, fn] of listeners) button.addEventListener(name, fn);
  return () => {
    for (const [name, fn] of listeners) button.removeEventListener(name, fn);
  };
}
