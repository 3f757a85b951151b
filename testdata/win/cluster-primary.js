'use strict';
// Windows Node cluster primary with two workers on one HTTP port (run under
// wine by the wine suite):
//   node cluster-primary.js go GO_CHILD    two `go-child http-worker` workers
//   node cluster-primary.js node           two Node workers (this script)
// The scheduling policy is NODE_CLUSTER_SCHED_POLICY ('none', Node's
// default on Windows, or 'rr'). The script checks that every request is
// answered, kills a worker and forks a replacement, which serves, then
// disconnects the cluster: every worker exits 0 with exitedAfterDisconnect.
// It prints which worker answered how many requests: under 'none' the
// system picks the accepting process.
const cluster = require('node:cluster');
const http = require('node:http');
const net = require('node:net');
const assert = require('node:assert');

if (cluster.isWorker) {
  const server = http.createServer((req, res) => res.end(`node ${cluster.worker.id}`));
  server.listen(+process.env.PORT);
  return;
}

const [mode, goChild] = process.argv.slice(2);
const policy = process.env.NODE_CLUSTER_SCHED_POLICY;
assert.ok(mode === 'node' || (mode === 'go' && goChild), 'usage: cluster-primary.js go GO_CHILD | node');
assert.strictEqual(cluster.schedulingPolicy, policy === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE);
const timer = setTimeout(() => { console.error('timeout'); process.exit(3); }, 90000);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

let forks = 0;
function fork(port) {
  forks++;
  const env = { PORT: String(port) };
  if (mode === 'node') {
    cluster.setupPrimary({ exec: __filename, execArgv: [], args: [] });
    return cluster.fork(env);
  }
  // cluster.fork() runs process.execPath: point it at the Go binary for the
  // call. The worker answers with its arguments: "go N".
  cluster.setupPrimary({ exec: 'http-worker', args: ['go', String(forks)], execArgv: [] });
  const saved = process.execPath;
  process.execPath = goChild;
  try {
    return cluster.fork(env);
  } finally {
    process.execPath = saved;
  }
}

function get(port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

// load sends n requests, 8 at a time, and counts the answers by body.
async function load(port, n) {
  const counts = {};
  let next = 0;
  async function client() {
    while (next < n) {
      next++;
      const body = await get(port);
      assert.match(body, /^(go|node) \d+$/, `unexpected body ${JSON.stringify(body)}`);
      counts[body] = (counts[body] || 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: 8 }, client));
  assert.strictEqual(Object.values(counts).reduce((a, b) => a + b, 0), n, 'every request answered');
  return counts;
}

const once = (emitter, name) => new Promise((resolve) => emitter.once(name, (...a) => resolve(a)));

// name is what a worker answers with.
function name(w, i) { return mode === 'go' ? `go ${i}` : `node ${w.id}`; }

async function main() {
  const port = await freePort();
  const workers = [fork(port), fork(port)];
  const names = workers.map((w, i) => name(w, i + 1));
  // Both listeners at once: a worker may be listening before the other.
  for (const [addr] of await Promise.all(workers.map((w) => once(w, 'listening')))) {
    assert.strictEqual(addr.port, port, 'listening port');
  }
  let counts = await load(port, 100);
  console.log(`${mode} workers, policy ${policy}: 100 requests`, JSON.stringify(counts));
  if (policy === 'rr') {
    for (const n of names) assert.ok(counts[n] > 0, `${n} served under round-robin`);
  }

  // Kill the first worker: it exits without disconnecting; a replacement
  // is forked and serves.
  const killed = workers[0];
  const exited = once(killed, 'exit');
  killed.process.kill();
  const [code, signal] = await exited;
  assert.strictEqual(killed.exitedAfterDisconnect, false, 'killed worker: exitedAfterDisconnect');
  console.log(`killed ${names[0]}: exit ${code} ${signal}`);
  const repl = fork(port);
  const replName = name(repl, forks);
  await once(repl, 'listening');
  workers[0] = repl;
  names[0] = replName;
  counts = await load(port, 100);
  console.log('after the replacement', JSON.stringify(counts));
  assert.ok(!counts[`go 1`] || mode !== 'go', 'the killed worker served');
  if (policy === 'rr') {
    for (const n of names) assert.ok(counts[n] > 0, `${n} served under round-robin`);
  }

  // Disconnect: each worker closes its server and exits 0.
  const exits = workers.map((w) => once(w, 'exit').then(([c]) => {
    assert.strictEqual(c, 0, `${name(w, 0)} exit code`);
    assert.strictEqual(w.exitedAfterDisconnect, true, 'exitedAfterDisconnect');
  }));
  await new Promise((r) => cluster.disconnect(r));
  await Promise.all(exits);
  await assert.rejects(get(port), 'the port is closed once every worker left');
  console.log('disconnected: every worker exited 0');
  clearTimeout(timer);
}

main().catch((err) => { console.error(err); process.exit(1); });
