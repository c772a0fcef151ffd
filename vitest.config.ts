import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests open real ptys, sockets and child processes; two cores, so keep it modest.
    maxWorkers: 2,
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'tests',
          include: ['tests/**/*.test.ts', 'drivers/**/*.test.ts'],
          exclude: ['tests/soak/**', '**/node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The two-minute soak runs on its own, after everything else, so its load does not skew
        // the timing assertions of the other tests (and theirs do not disturb it).
        extends: true,
        test: { name: 'soak', include: ['tests/soak/**/*.test.ts'], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
