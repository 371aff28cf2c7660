/*
 * Preloaded into a benchmarked gateway (`node --require …/allocation-sampler.cjs`) by the quick probe
 * when Q_ALLOC is set. The first SIGUSR2 starts V8's sampling heap profiler with objects collected by
 * the garbage collector kept (so the profile shows what is allocated, not only what stays alive); the
 * second writes the profile to the file named by RELAY_ALLOCATION_PROFILE.
 */
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const session = new inspector.Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post('HeapProfiler.enable', () =>
      session.post('HeapProfiler.startSampling', {
        samplingInterval: 8192,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      }),
    );
    return;
  }
  session.post('HeapProfiler.stopSampling', (error, result) => {
    const out = process.env.RELAY_ALLOCATION_PROFILE;
    if (out !== undefined && error === null) writeFileSync(out, JSON.stringify(result.profile));
  });
});
