// Preloaded (`node --import`) into every process the start command launches: when the start command goes
// away for any reason (a signal, a crash, SIGKILL), its IPC channel closes and this process stops itself
// with SIGTERM, so its own graceful shutdown runs and nothing is left listening on a port.
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
