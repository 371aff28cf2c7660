import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The start-command tests launch whole stacks: one file at a time keeps the machine responsive.
    fileParallelism: false,
  },
});
