/**
 * The one small interface every byte transport implements (serial, tcp, udp, process).
 * Promise-based like serialport's bindings interface; framing is not its business (see framers.ts).
 */
export interface ByteTransport {
  /** Human-readable endpoint, e.g. `serial:/dev/ttyUSB0@9600` or `tcp:127.0.0.1:5678`. */
  readonly description: string;
  /** Resolves once the bytes are handed to the OS. Rejects if the link is closed. */
  write(data: Uint8Array | string): Promise<void>;
  /** Closes the link; idempotent. Does not fire `onClose` listeners with an error. */
  close(): Promise<void>;
  /** Raw chunks as they arrive (for UDP: one datagram per call). */
  onData(listener: (chunk: Buffer) => void): void;
  /** The link ended: `error` is set when it was not closed by us (cable pulled, peer reset, process exit). */
  onClose(listener: (error?: Error) => void): void;
  readonly isOpen: boolean;
}

/** Shared listener plumbing for transport implementations. */
export abstract class BaseTransport implements ByteTransport {
  abstract readonly description: string;
  private readonly dataListeners: Array<(chunk: Buffer) => void> = [];
  private readonly closeListeners: Array<(error?: Error) => void> = [];
  private ended = false;
  protected closing = false;

  abstract write(data: Uint8Array | string): Promise<void>;
  abstract close(): Promise<void>;

  get isOpen(): boolean {
    return !this.ended && !this.closing;
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.push(listener);
  }

  protected emitData(chunk: Buffer): void {
    for (const l of this.dataListeners) l(chunk);
  }

  /** Called by implementations exactly when the link is gone; only the first call counts. */
  protected emitClose(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    const reported = this.closing ? undefined : (error ?? new Error(`${this.description}: connection closed`));
    for (const l of this.closeListeners) l(reported);
  }
}
