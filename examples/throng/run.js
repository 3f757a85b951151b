'use strict';
// throng (a cluster wrapper) with Go workers: node examples/throng/run.js GO_CHILD
// cluster.fork() runs process.execPath, and throng forks again whenever a
// worker dies (its `lifetime`), long after start: so process.execPath points
// at the Go binary for the primary's whole life, and cluster.setupPrimary
// gives the worker's arguments (exec is go-child's mode, execArgv must be
// empty: Node's flags mean nothing to a Go binary). The Go workers
// (`go-child http-worker TEXT`) serve HTTP on $PORT through the primary.
const cluster = require('node:cluster');
const http = require('node:http');
const net = require('node:net');
const assert = require('node:assert/strict');

const goChild = process.argv[2];

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function get(port) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

async function getRetry(port) {
  for (let i = 0; ; i++) {
    try { return await get(port); } catch (err) {
      if (i > 200) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

const online = () => new Promise((resolve) => cluster.once('listening', (w) => resolve(w)));

(async () => {
  const port = await freePort();
  process.env.PORT = String(port); // cluster.fork() passes process.env on
  cluster.setupPrimary({ exec: 'http-worker', args: ['served by go'], execArgv: [] });
  process.execPath = goChild; // for the primary's life: throng re-forks later
  const listening = Promise.all([online(), online()]);
  const throng = require('throng');
  throng({ count: 2, grace: 2000, signals: ['SIGTERM'], worker: () => {} });
  await listening;
  assert.equal(Object.keys(cluster.workers).length, 2);
  assert.equal(await getRetry(port), 'served by go');

  // A worker dies: throng forks a new Go worker, which serves.
  const [first] = Object.values(cluster.workers);
  const revived = online();
  first.process.kill('SIGKILL');
  const w = await revived;
  assert.notEqual(w.id, first.id);
  for (let i = 0; i < 10; i++) assert.equal(await get(port), 'served by go');
  assert.equal(Object.keys(cluster.workers).length, 2);

  // throng's shutdown: SIGTERM to the primary is passed to the workers; the
  // primary exits after `grace`.
  const gone = Promise.all(Object.values(cluster.workers).map((wk) => new Promise((r) => wk.on('exit', r))));
  process.on('exit', (code) => { if (code === 0) console.log('throng recipe: ok'); });
  process.kill(process.pid, 'SIGTERM');
  await gone;
})().catch((err) => { console.error(err); process.exit(1); });
