'use strict';
// node examples/jobs/run.js JOBS: forks the Go worker built from
// examples/jobs and calls it with the request envelope of package
// nodeipc/worker: {id, method, params} -> {id, progress}..., {id, result}.
const { fork } = require('node:child_process');
const assert = require('node:assert/strict');

const child = fork('jobs', [], { execPath: process.argv[2], execArgv: [] });
const calls = new Map();
let nextId = 0;
child.on('message', (m) => {
  const c = calls.get(m.id);
  if ('progress' in m) return c.onProgress(m.progress);
  calls.delete(m.id);
  if (m.error) c.reject(Object.assign(new Error(m.error.message), m.error));
  else c.resolve(m.result);
});
function call(method, params, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    calls.set(id, { resolve, reject, onProgress });
    child.send({ id, method, params });
  });
}

(async () => {
  const progress = [];
  const results = await Promise.all(Array.from({ length: 10 }, (_, n) =>
    call('square', { n, steps: 3 }, (p) => progress.push(p))));
  assert.deepEqual(results, Array.from({ length: 10 }, (_, n) => n * n));
  assert.equal(progress.length, 30);
  await assert.rejects(call('cube', { n: 2 }), { name: 'MethodNotFound' });
  child.on('exit', (code) => {
    assert.equal(code, 0);
    console.log('jobs: ok');
  });
  child.disconnect();
})().catch((err) => { console.error(err); process.exit(1); });
