import { statSync } from 'node:fs';
import { join } from 'node:path';
import { buildConsole } from '../build/build-console.ts';

/** The browser tests drive the real bundle: build it once before any test file runs. */
export default async function setup(): Promise<void> {
  const result = await buildConsole();
  console.log(`[figure] console build: ${result.ms} ms`);
  for (const file of result.files.filter((name) => name.startsWith('assets/'))) {
    const kb = statSync(join(result.outDir, file)).size / 1024;
    console.log(`[figure] console asset ${file.replace(/-[A-Z0-9]+\./, '.')}: ${kb.toFixed(1)} kB`);
  }
}
