'use strict';
// node methods-parent.js WORKER SERIALIZATION: forks the Go worker (the test
// binary in its "methods" mode) and speaks the request envelope of package
// worker with plain Node code, as its package documentation shows.
const { fork } = require('node:child_process');
const assert = require('node:assert/strict');

const [exe, serialization] = process.argv.slice(2);
const child = fork('methods', [], {
  execPath: exe, execArgv: [], serialization,
  env: { ...process.env, NODEIPC_WORKER_TEST: 'methods' },
});

const calls = new Map();
let nextId = 0;
child.on('message', (m) => {
  const c = calls.get(m.id);
  if (!c) throw new Error('reply to no request: ' + JSON.stringify(m));
  if ('progress' in m) return c.onProgress?.(m.progress);
  calls.delete(m.id);
  if (m.error) c.reject(Object.assign(new Error(m.error.message), m.error));
  else c.resolve(m.result);
});
function call(method, params, onProgress, id = ++nextId) {
  return new Promise((resolve, reject) => {
    calls.set(id, { resolve, reject, onProgress });
    child.send({ id, method, params });
  });
}

(async () => {
  const steps = [];
  assert.equal(await call('square', 7, (p) => steps.push(p)), 49);
  assert.deepEqual(steps, [{ step: 1 }, { step: 2 }]);
  assert.equal(await call('square', 3, undefined, 'string-id'), 9);
  assert.deepEqual(await call('echo', [1, false, 'x', [2, 3], { a: null }]), [1, false, 'x', [2, 3], { a: null }]);
  assert.equal(await call('echo'), null);
  await assert.rejects(call('nope', 1), { name: 'MethodNotFound', message: 'unknown method "nope"' });
  await assert.rejects(call('square', 'seven'), (e) => e.name === 'InvalidParams' && /decode/.test(e.message));
  await assert.rejects(call('fail', 1), { name: 'RangeError', message: 'too big', data: { limit: 0 } });
  await assert.rejects(call('plain-error', 1), { name: 'Error', message: 'it broke' });
  await assert.rejects(call('panic', 1), (e) => e.name === 'Panic' && e.message === 'boom' && /goroutine/.test(e.data));
  // Concurrency 4: 16 slow calls, at most 4 at once, and 4 at once reached.
  const peaks = await Promise.all(Array.from({ length: 16 }, () => call('slow')));
  assert.ok(peaks.every((p) => p <= 4), 'more than 4 calls ran at once: ' + peaks);
  assert.equal(Math.max(...peaks), 4);
  // Something that is not a request is reported in the worker and skipped.
  child.send('not a request');
  assert.equal(await call('square', 2), 4);
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  child.disconnect(); // the worker's Serve returns nil: exit 0
  assert.equal(await exited, 0);
  console.log('methods-parent: ok', serialization);
})().catch((err) => { console.error(err); process.exit(1); });
