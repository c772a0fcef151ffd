import { backoffDelay } from './model.js';

/**
 * The panel's one link to the daemon: the `/api/v1/events` WebSocket. It reconnects by itself
 * with backoff, notices a silently dead link with a heartbeat, and matches command results to
 * their requests by id. Listeners: onOpen(), onClose({ code, denied, opened }), onMessage(message).
 */
export class Connection {
  constructor({ url, onOpen, onClose, onMessage, heartbeatMs = 10_000, timeoutMs = 5_000 }) {
    /** `onClose({ code, denied, opened })`: `opened` is false when the socket never connected. */
    this.url = url;
    this.onOpen = onOpen;
    this.onClose = onClose;
    this.onMessage = onMessage;
    this.heartbeatMs = heartbeatMs;
    this.timeoutMs = timeoutMs;
    this.socket = undefined;
    this.attempt = 0;
    this.nextId = 1;
    this.pending = new Map();
    this.retryTimer = undefined;
    this.heartbeat = undefined;
    this.lastHeard = 0;
  }

  get open() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start() {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      this.attempt = 0;
      // Silence is measured on the monotonic clock: the tablet's wall clock being set (NTP, a
      // technician) is not the link dying.
      this.lastHeard = performance.now();
      clearInterval(this.heartbeat);
      // A link that died without a close frame (cable pulled, daemon frozen) only shows as silence.
      this.heartbeat = setInterval(() => {
        if (performance.now() - this.lastHeard > this.heartbeatMs + this.timeoutMs) socket.close(4000, 'heartbeat timeout');
        else this.sendRaw({ type: 'ping', id: `hb-${Date.now()}` });
      }, this.heartbeatMs);
      this.onOpen?.();
    });
    socket.addEventListener('message', (event) => {
      this.lastHeard = performance.now();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === 'result' && message.id !== undefined && this.pending.has(message.id)) {
        // An awaited result goes to its caller only; fire-and-forget results (joystick) go on.
        const entry = this.pending.get(message.id);
        this.pending.delete(message.id);
        clearTimeout(entry.timer);
        entry.resolve(message);
        return;
      }
      if (message.type !== 'pong') this.onMessage?.(message);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      clearInterval(this.heartbeat);
      for (const [, entry] of this.pending) {
        clearTimeout(entry.timer);
        entry.resolve({ type: 'result', ok: false, error: { code: 'Disconnected', message: 'connection lost' } });
      }
      this.pending.clear();
      // A refused upgrade (HTTP 401/403) shows as a bare 1006 without `open`: `opened` tells the
      // caller to find out why; 4401/4403 come from a socket the daemon refused after accepting it.
      const denied = event.code === 4401 || event.code === 4403;
      this.onClose?.({ code: event.code, denied, opened });
      // A refused panel retries slowly: someone has to fix its token first.
      this.scheduleRetry(denied ? 30_000 : undefined);
    });
  }

  /** Reconnect now (the browser came back online, the page became visible). */
  poke() {
    if (!this.socket && this.retryTimer) this.start();
  }

  scheduleRetry(fixedMs) {
    clearTimeout(this.retryTimer);
    const delay = fixedMs ?? backoffDelay(this.attempt++);
    this.retryTimer = setTimeout(() => this.start(), delay);
  }

  sendRaw(message) {
    if (!this.open) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /**
   * Sends a command; resolves with its `result` message (never rejects: a lost link or a timeout
   * resolves `{ ok: false, error }`, so callers have one path for every failure).
   */
  command(device, command, args = {}, { awaitResult = true } = {}) {
    const id = `c${this.nextId++}`;
    if (!this.sendRaw({ type: 'command', id, device, command, args })) {
      return Promise.resolve({ type: 'result', id, ok: false, error: { code: 'Disconnected', message: 'not connected' } });
    }
    if (!awaitResult) return Promise.resolve({ type: 'result', id, ok: true, sent: true });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ type: 'result', id, ok: false, error: { code: 'Timeout', message: 'no answer' } });
      }, 15_000);
      this.pending.set(id, { resolve, timer });
    });
  }
}
