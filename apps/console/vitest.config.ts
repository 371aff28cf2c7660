import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
    // One browser and one set of app processes per file; files run one after another so two Chromiums
    // never compete for the CPU with the apps they drive.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
