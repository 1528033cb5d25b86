// Preloaded (`node --import`) into the gateway process that peers.mjs starts: when the
// IPC channel to the parent closes, i.e. the parent ended in any way (SIGKILL included),
// this process ends too.
if (process.channel) {
  process.on('disconnect', () => process.exit(0));
  process.channel.unref();
}
