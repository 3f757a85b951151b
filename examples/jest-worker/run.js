'use strict';
// jest-worker 30 with Go workers: node examples/jest-worker/run.js WORKER
// WORKER is the binary built from examples/jest-worker/worker. jest-worker
// forks its child script with forkOptions, so execPath runs the Go binary
// (the script's path becomes its os.Args[1]); exposedMethods spares the
// parent from loading workerPath, which only names the worker.
const { Worker } = require('jest-worker');
const assert = require('node:assert/strict');

const goWorker = process.argv[2];

(async () => {
  const farm = new Worker(__filename, {
    enableWorkerThreads: false,
    exposedMethods: ['add', 'sqrt', 'count', 'nope'],
    numWorkers: 2,
    maxRetries: 0,
    forkOptions: { execPath: goWorker, execArgv: [] },
  });
  assert.equal(await farm.add(2, 3), 5);
  const sums = await Promise.all(Array.from({ length: 20 }, (_, i) => farm.add(i, i)));
  assert.deepEqual(sums, Array.from({ length: 20 }, (_, i) => 2 * i));
  assert.equal(await farm.sqrt(16), 4);
  await assert.rejects(farm.sqrt(-1), (e) => e instanceof RangeError && e.message === 'sqrt of -1');
  await assert.rejects(farm.add('x'), (e) => e instanceof TypeError && e.message === 'add takes two numbers');
  await assert.rejects(farm.nope(), /nope is not a function/);
  const steps = [];
  const counting = farm.count(3);
  counting.UNSTABLE_onCustomMessage((m) => steps.push(m.step));
  assert.equal(await counting, 3);
  assert.deepEqual(steps, [1, 2, 3]);
  // What idleMemoryLimit asks after a call: [3 MEM_USAGE] -> [4 MEM_USAGE, bytes].
  // (The pool is not public API; the version is pinned in package.json.)
  for (const w of farm._workerPool.getWorkers()) assert.ok(await w.getMemoryUsage() > 0);
  const { forceExited } = await farm.end(); // [2 END]: the Go workers exit 0
  assert.equal(forceExited, false);
  console.log('jest-worker recipe: ok');
})().catch((err) => { console.error(err); process.exit(1); });
