'use strict';
// workerpool with Go workers: node examples/workerpool/run.js WORKER
// WORKER is the binary built from examples/workerpool/worker. The pool
// forks it as it would fork a worker script: workerType 'process' with
// forkOpts.execPath (the script path becomes the Go worker's os.Args[1]).
const workerpool = require('workerpool');
const assert = require('node:assert/strict');

const worker = process.argv[2];

(async () => {
  const pool = workerpool.pool(__filename, {
    workerType: 'process',
    maxWorkers: 2,
    forkOpts: { execPath: worker, execArgv: [] },
  });
  assert.equal(await pool.exec('add', [2, 3]), 5);
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.exec('add', [i, i])));
  assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => 2 * i));
  const steps = [];
  assert.equal(await pool.exec('fib', [10], { on: (p) => steps.push(p.step) }), 55);
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  await assert.rejects(pool.exec('nope', []), /Unknown method "nope"/);
  await assert.rejects(pool.exec('add', [1]), /add takes 2 numbers/);
  const proxy = await pool.proxy();
  assert.equal(await proxy.add(40, 2), 42);
  const stats = pool.stats();
  assert.equal(stats.totalWorkers, 2);
  await pool.terminate(); // '__workerpool-terminate__': the Go workers exit 0
  console.log('workerpool recipe: ok');
})().catch((err) => { console.error(err); process.exit(1); });
