import fc from 'fast-check';

/**
 * Shared pieces of the property-based fuzz suite (see README.md). Every property runs
 * `runs(default)` times: the defaults keep the whole suite well under 20 s on two cores, and
 * `FUZZ_RUNS=10000 npx vitest run tests/fuzz` turns every property into a long soak.
 */

/** Runs for one property: `FUZZ_RUNS` when set (a positive integer), else `defaultRuns`. */
export function runs(defaultRuns = 300): number {
  const env = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(env) && env > 0 ? env : defaultRuns;
}

/** fast-check parameters for one property. No fixed seed: fast-check prints the seed on failure. */
export function params(defaultRuns = 300): { numRuns: number } {
  return { numRuns: runs(defaultRuns) };
}

/** A vitest timeout for an async property that costs up to `msPerRun` per run (soaks take longer). */
export function timeoutFor(defaultRuns: number, msPerRun: number): number {
  return Math.max(60_000, runs(defaultRuns) * msPerRun);
}

/** Cuts `bytes` at the given indexes (taken modulo length + 1, sorted, deduplicated). */
export function cut(bytes: Uint8Array, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    chunks.push(Buffer.from(bytes.subarray(from, c)));
    from = c;
  }
  return chunks;
}

/** The same for text (cuts at UTF-16 code units, like a string buffer would see). */
export function cutText(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const c of [...at, text.length]) {
    chunks.push(text.slice(from, c));
    from = c;
  }
  return chunks;
}

/** Arbitrary split points for a stream (empty chunks included: a zero-length read must be harmless). */
export const cutPoints = fc.array(fc.nat({ max: 4096 }), { maxLength: 12 });

/** Arbitrary bytes, biased toward the bytes that matter to a framer (`special`) so resync paths run. */
export function noisyBytes(special: readonly number[], maxLength = 200): fc.Arbitrary<Uint8Array> {
  const byte = special.length ? fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) }, { weight: 1, arbitrary: fc.constantFrom(...special) }) : fc.integer({ min: 0, max: 255 });
  return fc.array(byte, { maxLength }).map((a) => Uint8Array.from(a));
}

/** Text biased toward a framer's significant characters. */
export function noisyText(special: readonly string[], maxLength = 200): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) }, { weight: 2, arbitrary: fc.constantFrom(...special) }), { maxLength: Math.ceil(maxLength / 2) })
    .map((parts) => parts.join(''));
}

/** Feeds chunks to a stateful push function and concatenates what comes out. */
export function feed<T>(chunks: readonly Buffer[], push: (chunk: Buffer) => T[]): T[] {
  const out: T[] = [];
  for (const c of chunks) out.push(...push(c));
  return out;
}

/** Plain hex for readable assertion failures on lists of frames. */
export function hex(frames: readonly Uint8Array[]): string[] {
  return frames.map((f) => Buffer.from(f).toString('hex'));
}
