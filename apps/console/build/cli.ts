import { buildConsole } from './build-console.ts';

/** `pnpm --filter @relay/console build`: writes apps/console/dist. */
const result = await buildConsole();
process.stdout.write(
  `[console] built ${result.files.length} files into ${result.outDir} in ${result.ms} ms\n`,
);
