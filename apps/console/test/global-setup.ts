import { buildConsole } from '../build/build-console.ts';

/** The browser tests drive the real bundle: build it once before any test file runs. */
export default async function setup(): Promise<void> {
  const result = await buildConsole();
  console.log(`[figure] console build: ${result.ms} ms`);
}
