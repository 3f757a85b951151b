'use strict';
// node flood-parent.js WORKER SERIALIZATION N: the Go worker (the test
// binary in its "flood" mode) posts N messages and returns from Run at once;
// every one must arrive before 'disconnect', and the worker exits 0.
const { fork } = require('node:child_process');
const assert = require('node:assert/strict');

const [exe, serialization, n] = process.argv.slice(2);
const child = fork('flood', [], {
  execPath: exe, execArgv: [], serialization,
  env: { ...process.env, NODEIPC_WORKER_TEST: 'flood', FLOOD_N: n },
});
let next = 0;
child.on('message', (m) => {
  assert.equal(m.seq, next, 'out of order');
  next++;
});
// Count once the process exited and the channel is closed (Node may emit
// 'exit' before the last messages).
const exited = new Promise((resolve) => child.on('exit', resolve));
const disconnected = new Promise((resolve) => child.on('disconnect', resolve));
Promise.all([exited, disconnected]).then(([code]) => {
  assert.equal(code, 0);
  assert.equal(next, Number(n), `${next} of ${n} messages arrived`);
  console.log('flood-parent: ok', serialization, next);
});
