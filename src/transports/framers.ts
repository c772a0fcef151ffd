/**
 * Framers are pure functions: given the bytes buffered so far they return the complete frames and
 * what is left over. `createFramer` wraps one in the few lines of state a stream needs.
 */
export interface SplitResult {
  frames: Buffer[];
  rest: Buffer;
  /** Bytes thrown away to regain sync (e.g. an over-long frame), for logging. */
  discarded: number;
}

export type SplitFn = (buffer: Buffer) => SplitResult;

/** Frames end with `terminator` (VISCA: 0xFF); a run longer than `maxLength` is discarded to resync. */
export function splitOnTerminator(terminator: number, maxLength: number): SplitFn {
  return (buffer) => {
    const frames: Buffer[] = [];
    let start = 0;
    let discarded = 0;
    for (let i = 0; i < buffer.length; i++) {
      if (buffer[i] !== terminator) continue;
      const frame = buffer.subarray(start, i + 1);
      if (frame.length > maxLength) discarded += frame.length;
      else frames.push(Buffer.from(frame));
      start = i + 1;
    }
    let rest = buffer.subarray(start);
    if (rest.length > maxLength) {
      // Too long already: keep just enough of it (maxLength + 1 bytes) that it is still too long
      // when its terminator arrives, so its tail is never mistaken for a frame of its own.
      discarded += rest.length - (maxLength + 1);
      rest = rest.subarray(0, maxLength + 1);
    }
    return { frames, rest: Buffer.from(rest), discarded };
  };
}

/** Text lines ending in `\n` (a preceding `\r` is stripped); over-long lines are discarded. */
export function splitLines(maxLength = 64 * 1024): SplitFn {
  const split = splitOnTerminator(0x0a, maxLength);
  return (buffer) => {
    const result = split(buffer);
    return {
      ...result,
      frames: result.frames.map((f) => f.subarray(0, f.length - (f.length >= 2 && f[f.length - 2] === 0x0d ? 2 : 1))),
    };
  };
}

/**
 * Wraps a line splitter for a device that prompts (`login:`, `Password:`, `-> `): a prompt has no
 * line end, so a short unterminated tail that `isPrompt` accepts comes out as a frame of its own.
 */
export function withPromptTail(split: SplitFn, isPrompt: (text: string) => boolean, maxPromptLength = 64): SplitFn {
  return (buffer) => {
    const result = split(buffer);
    const { rest } = result;
    if (rest.length === 0 || rest.length >= maxPromptLength || !isPrompt(rest.toString('latin1'))) return result;
    return { frames: [...result.frames, rest], rest: Buffer.alloc(0), discarded: result.discarded };
  };
}

/** A stream framer: feed chunks in, get whole frames out. */
export interface Framer {
  push(chunk: Buffer): Buffer[];
  reset(): void;
  /** Total bytes discarded so far while resynchronising. */
  readonly discarded: number;
}

export function createFramer(split: SplitFn): Framer {
  let buffered: Buffer = Buffer.alloc(0);
  let discarded = 0;
  return {
    push(chunk) {
      const result = split(buffered.length ? Buffer.concat([buffered, chunk]) : chunk);
      buffered = result.rest;
      discarded += result.discarded;
      return result.frames;
    },
    reset() {
      buffered = Buffer.alloc(0);
    },
    get discarded() {
      return discarded;
    },
  };
}
