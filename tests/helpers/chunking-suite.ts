import { expect, it } from 'vitest';
import fc from 'fast-check';
import type { Chunking } from './scripted-peer.ts';

/**
 * The three ways every stream-parsing driver meets its peer's recorded output: each reply in one
 * read, byte by byte, and cut at random points (fast-check). `session` runs the same commands
 * under one chunking and returns what they settled to; every chunking must give `expected`.
 */
export function itSettlesTheSameHoweverCut(
  session: (chunking: Chunking) => Promise<unknown>,
  expected: unknown,
  options: { wholeTitle?: string; maxCut: number; runs?: number },
): void {
  it(options.wholeTitle ?? 'each reply in one read', async () => {
    expect(await session('whole')).toEqual(expected);
  }, 60_000);

  it('byte by byte', async () => {
    expect(await session('bytes')).toEqual(expected);
  }, 60_000);

  it('cut at random points', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: options.maxCut }), { minLength: 1, maxLength: 10 }), async (cuts) => {
        expect(await session(cuts)).toEqual(expected);
      }),
      { numRuns: options.runs ?? 5 },
    );
  }, 180_000);
}

/**
 * Runs named steps and records how each settled (`name: ok`, or the error code), so a run that
 * goes wrong shows which step did instead of stopping at the first.
 */
export function stepRecorder(): { results: string[]; step(name: string, run: () => Promise<unknown>): Promise<void> } {
  const results: string[] = [];
  return {
    results,
    async step(name, run) {
      const outcome = await run().then(
        () => 'ok',
        (err: { code?: string; message?: string }) => err.code ?? err.message ?? 'thrown',
      );
      results.push(`${name}: ${outcome}`);
    },
  };
}
