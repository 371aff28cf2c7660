export { buildConsole, CONSOLE_DIST, CONSOLE_ROOT, type ConsoleBuild } from './build-console.ts';
