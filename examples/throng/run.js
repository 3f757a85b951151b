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

// listening(n) resolves with the next n workers to emit 'listening'. (Two
// cluster.once('listening') listeners would both fire on the first event:
// one worker would be taken for two, and the recipe would kill a worker
// still starting, whose queryServer answer then fails with EPIPE.)
function listening(n) {
  return new Promise((resolve) => {
    const seen = [];
    const on = (w) => {
      seen.push(w);
      if (seen.length === n) {
        cluster.off('listening', on);
        resolve(seen);
      }
    };
    cluster.on('listening', on);
  });
}

// settled(worker) resolves once the primary holds no handle the worker has
// yet to acknowledge. Node queues a message sent after a handle until the
// handle's NODE_HANDLE_ACK arrives, and calls send()'s callback once it is
// written; go-child's http-worker ignores the message itself.
//
// Why it matters: a worker killed while the primary still waits for the
// ACK of a connection it handed over never emits 'disconnect' (Node 18 to
// 26: the channel's end postpones the disconnect until that ACK, which
// cannot come any more), so throng, which forks on 'disconnect', never
// forks a replacement. Under load the HTTP answer can reach the client
// before the ACK reaches the primary (with nodeipc-tap in between, the ACK
// takes one more hop, and the SIGKILL takes the tap with any bytes it has
// not relayed yet).
function settled(worker) {
  return new Promise((resolve, reject) => worker.send({ recipe: 'settled' }, (err) => (err ? reject(err) : resolve())));
}

(async () => {
  const port = await freePort();
  process.env.PORT = String(port); // cluster.fork() passes process.env on
  cluster.setupPrimary({ exec: 'http-worker', args: ['served by go'], execArgv: [] });
  process.execPath = goChild; // for the primary's life: throng re-forks later
  const both = listening(2);
  const throng = require('throng');
  throng({ count: 2, grace: 2000, signals: ['SIGTERM'], worker: () => {} });
  await both;
  assert.equal(Object.keys(cluster.workers).length, 2);
  assert.equal(await getRetry(port), 'served by go');

  // A worker dies: throng forks a new Go worker, which serves.
  const [first] = Object.values(cluster.workers);
  await settled(first);
  const revived = listening(1);
  const died = new Promise((resolve) => first.once('exit', resolve));
  first.process.kill('SIGKILL');
  const [[w]] = await Promise.all([revived, died]);
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
