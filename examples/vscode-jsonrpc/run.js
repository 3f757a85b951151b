'use strict';
// vscode-jsonrpc over the IPC channel with a Go server:
//   node examples/vscode-jsonrpc/run.js WORKER
// WORKER is the binary built from examples/vscode-jsonrpc/worker.
const { fork } = require('node:child_process');
const { IPCMessageReader, IPCMessageWriter, createMessageConnection, ResponseError } = require('vscode-jsonrpc/node');
const assert = require('node:assert/strict');

const worker = process.argv[2];

(async () => {
  const child = fork('jsonrpc', [], { execPath: worker, execArgv: [] });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const conn = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const progress = [];
  conn.onNotification('progress', (p) => progress.push(p));
  conn.listen();
  assert.equal(await conn.sendRequest('add', { a: 2, b: 40 }), 42);
  assert.deepEqual(progress, [{ working: 'add' }]);
  assert.deepEqual(await conn.sendRequest('echo', { x: ['y', 1] }), { x: ['y', 1] });
  const sums = await Promise.all(Array.from({ length: 50 }, (_, i) => conn.sendRequest('add', { a: i, b: 1 })));
  assert.deepEqual(sums, Array.from({ length: 50 }, (_, i) => i + 1));
  await assert.rejects(conn.sendRequest('nope'), (e) => e instanceof ResponseError && e.code === -32601);
  await conn.sendNotification('exit');
  assert.deepEqual(await exited, { code: 0, signal: null });
  conn.dispose();
  console.log('vscode-jsonrpc recipe: ok');
})().catch((err) => { console.error(err); process.exit(1); });
