import { RoomError } from '../core/errors.ts';
import { openByteTransport, type ByteTransport, type TransportConfig } from '../transports/index.ts';

/** What a {@link DeviceLink} needs from its driver. */
export interface DeviceLinkOptions {
  /**
   * How to open the byte link: a transport config (opened with `openByteTransport`) or a function
   * (SSH, a TCP-only device). A failure that is not a `RoomError` becomes `DeviceOffline`.
   */
  open: TransportConfig | (() => Promise<ByteTransport>);
  /** Bytes from the current link. A link that was replaced or closed is never heard from again. */
  onData(chunk: Buffer, transport: ByteTransport): void;
  /** `ctx.lost`: called once when a link that finished its handshake dies, never while connecting. */
  lost(error: Error): void;
  /** Driver cleanup when the current link closes by itself (timers); in-flight requests are already failed. */
  onClose?(error: Error): void;
}

/** A request written to the device and waiting for its reply, as {@link DeviceLink.request} hands it out. */
export interface Reply<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** One request/reply exchange for {@link DeviceLink.request}. */
export interface RequestSpec<T> {
  /** The bytes to write; none for a wait on what the device says by itself (a login banner). */
  frame?: string | Uint8Array;
  /** Names the request in errors: `${label}: not connected`. */
  label: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called when no reply came within `timeoutMs`; returns the error (the driver knows its protocol's words). */
  timedOut(): Error;
  /** The error when `signal` aborts; by default its reason, or `DeviceTimeout` `${label}: aborted`. */
  aborted?(): Error;
  /** Called just before the frame is written: the driver keeps `reply` to settle it from its data handler. */
  start(reply: Reply<T>): void;
  /** Called once when the request settles, however (the driver forgets its pending request). */
  settled?(): void;
}

/**
 * The line-device link every line-protocol driver needs, once: it opens the transport, routes data
 * only from the current link (a stale link's late bytes and close are ignored), fails the requests in
 * flight with `DeviceOffline` when the link closes or is disconnected, reports `ctx.lost` only for a
 * link that finished its handshake (and only once), and closes the transport when the handshake fails.
 * Requests go through {@link request} (timeout, abort, write failure) and, where the device takes
 * one at a time, {@link oneAtATime}. Protocol logic — framing, matching replies — stays in the driver.
 */
export class DeviceLink {
  private current: ByteTransport | undefined;
  private isOnline = false;
  private readonly inFlight = new Set<(error: Error) => void>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DeviceLinkOptions) {}

  /** The current link, if one is open. */
  get transport(): ByteTransport | undefined {
    return this.current;
  }

  /** True once the handshake finished, until the link is lost or disconnected. */
  get online(): boolean {
    return this.isOnline;
  }

  /**
   * Opens a new link and runs `handshake` on it; the link is online when it resolves. If it throws
   * (or the link closes meanwhile), the transport is closed and the error rethrown.
   */
  async connect(handshake: (transport: ByteTransport) => Promise<void>): Promise<void> {
    this.isOnline = false;
    const transport = await this.openTransport();
    this.current = transport;
    transport.onData((chunk) => {
      if (this.current === transport) this.options.onData(chunk, transport);
    });
    transport.onClose((error) => this.closed(transport, error));
    try {
      await handshake(transport);
      if (this.current !== transport) throw new RoomError('DeviceOffline', `${transport.description}: link lost while connecting`);
      this.isOnline = true;
    } catch (err) {
      if (this.current === transport) await this.disconnect('handshake failed');
      else await transport.close().catch(() => undefined);
      throw err;
    }
  }

  /** Closes the link, failing what is in flight with `DeviceOffline` (`reason`). Never throws; no `lost`. */
  async disconnect(reason = 'disconnected'): Promise<void> {
    this.isOnline = false;
    const transport = this.current;
    this.current = undefined;
    this.failInFlight(new RoomError('DeviceOffline', reason));
    await transport?.close().catch(() => undefined);
  }

  /**
   * The device said, over `transport`, that the link is useless (a TLS greeting on a plain port):
   * reported through `lost` if that link is the current, online one. The runtime then disconnects.
   */
  reportLost(transport: ByteTransport, error: Error): void {
    if (this.current !== transport || !this.isOnline) return;
    this.isOnline = false;
    this.options.lost(error);
  }

  /** The current open link, or `DeviceOffline` naming `label`. */
  require(label: string): ByteTransport {
    const transport = this.current;
    if (!transport?.isOpen) throw new RoomError('DeviceOffline', `${label}: not connected`);
    return transport;
  }

  /**
   * Registers something waiting on the link (a login exchange) to be failed with `DeviceOffline`
   * when it closes or is disconnected. Returns the function that unregisters it.
   */
  track(fail: (error: Error) => void): () => void {
    this.inFlight.add(fail);
    return () => this.inFlight.delete(fail);
  }

  /** Runs `run` after every earlier call has settled: one request on the wire at a time. */
  oneAtATime<T>(run: () => Promise<T>): Promise<T> {
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /**
   * Writes one request (or none) and waits until the driver settles its {@link Reply}. Fails with
   * `DeviceOffline` when there is no link, the write fails or the link goes away; with
   * `spec.timedOut()` after `timeoutMs`; with `spec.aborted()` when the signal aborts.
   */
  request<T>(spec: RequestSpec<T>): Promise<T> {
    let transport: ByteTransport;
    try {
      transport = this.require(spec.label);
    } catch (err) {
      return Promise.reject(err);
    }
    const signal = spec.signal;
    const abortError = (): Error =>
      spec.aborted?.() ?? (signal?.reason instanceof Error ? signal.reason : new RoomError('DeviceTimeout', `${spec.label}: aborted`));
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (): boolean => {
        if (done) return false;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        untrack();
        spec.settled?.();
        return true;
      };
      const reply: Reply<T> = {
        resolve: (value) => finish() && resolve(value),
        reject: (error) => finish() && reject(error),
      };
      const onAbort = (): void => reply.reject(abortError());
      const timer = setTimeout(() => reply.reject(spec.timedOut()), spec.timeoutMs);
      const untrack = this.track((error) => reply.reject(error));
      signal?.addEventListener('abort', onAbort, { once: true });
      spec.start(reply);
      if (spec.frame === undefined) return;
      transport.write(spec.frame).catch((err: Error) => reply.reject(new RoomError('DeviceOffline', `${spec.label}: ${err.message}`)));
    });
  }

  private async openTransport(): Promise<ByteTransport> {
    const open = this.options.open;
    try {
      return typeof open === 'function' ? await open() : await openByteTransport(open);
    } catch (err) {
      if (err instanceof RoomError) throw err;
      throw new RoomError('DeviceOffline', (err as Error).message);
    }
  }

  private closed(transport: ByteTransport, error: Error | undefined): void {
    if (this.current !== transport) return; // a stale link, or one we closed ourselves
    this.current = undefined;
    const cause = error ?? new Error(`${transport.description}: closed`);
    this.failInFlight(new RoomError('DeviceOffline', `link lost: ${cause.message}`));
    this.options.onClose?.(cause);
    if (!this.isOnline) return; // while connecting, the failed handshake rejects connect()
    this.isOnline = false;
    this.options.lost(cause);
  }

  private failInFlight(error: Error): void {
    const waiting = [...this.inFlight];
    this.inFlight.clear();
    for (const fail of waiting) fail(error);
  }
}
