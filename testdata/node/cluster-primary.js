'use strict';
// Node cluster primary with a mix of Node and Go workers on one HTTP port:
//   node cluster-primary.js GO_CHILD TEST_EXE
// GO_CHILD is the go-child binary (mode http-worker), TEST_EXE the compat
// test binary (helper cluster-worker: HTTP, echoes messages, leaves with
// cluster.worker.disconnect() semantics on {leave:true}). The scheduling
// policy comes from NODE_CLUSTER_SCHED_POLICY. The script checks that every
// request is answered, that Node and Go workers both serve, the worker
// events ('online', 'listening', 'disconnect', 'exit'), messages both ways,
// and exitedAfterDisconnect after worker- and primary-initiated disconnects.
const cluster = require('node:cluster');
const http = require('node:http');
const net = require('node:net');
const assert = require('node:assert');

if (cluster.isWorker) {
  const port = +process.env.PORT;
  const server = http.createServer((req, res) => res.end(`node ${cluster.worker.id}`));
  server.listen(port);
  process.on('message', (m) => {
    if (m && m.leave) {
      server.close();
      cluster.worker.disconnect();
      return;
    }
    process.send({ echo: m, kind: 'node', id: cluster.worker.id });
  });
  return;
}

const [goChild, testExe] = process.argv.slice(2);
const policy = process.env.NODE_CLUSTER_SCHED_POLICY;
// NODEIPC_SERIALIZATION=advanced runs the cluster over the V8 serializer.
const serialization = process.env.NODEIPC_SERIALIZATION || 'json';
const timer = setTimeout(() => { console.error('timeout'); process.exit(3); }, 60000);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

function forkWith(execPath, settings, env) {
  cluster.setupPrimary({ execArgv: [], args: [], serialization, ...settings });
  const saved = process.execPath;
  if (execPath) process.execPath = execPath;
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

async function load(port, n, counts) {
  let next = 0;
  async function client() {
    while (next < n) {
      next++;
      const body = await get(port);
      const kind = body.split(' ')[0];
      assert.ok(['node', 'go', 'go-helper'].includes(kind), `unexpected body ${body}`);
      counts[kind] = (counts[kind] || 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: 8 }, client));
}

function once(emitter, name) {
  return new Promise((resolve) => emitter.once(name, (...a) => resolve(a)));
}

async function main() {
  const port = await freePort();
  const env = { PORT: String(port) };
  const workers = {
    node1: forkWith(null, { exec: __filename }, env),
    go: forkWith(goChild, { exec: 'http-worker', args: ['go'] }, env),
    helper: forkWith(testExe, { exec: 'helper' }, { ...env, NODEIPC_TEST_HELPER: 'cluster-worker' }),
    node2: forkWith(null, { exec: __filename }, env),
  };
  const events = {};
  for (const [name, w] of Object.entries(workers)) {
    events[name] = [];
    for (const ev of ['online', 'listening', 'disconnect']) {
      w.on(ev, (info) => {
        events[name].push(ev);
        if (ev === 'listening') assert.strictEqual(info.port, port, `${name} listening port`);
      });
    }
    w.on('exit', (code, signal) => events[name].push(`exit ${code} ${signal} ${w.exitedAfterDisconnect}`));
  }
  await Promise.all(Object.values(workers).map((w) => (w.state === 'listening' ? null : once(w, 'listening'))));

  // Many requests, all answered; both kinds of worker serve some.
  const counts = {};
  let total = 200;
  await load(port, total, counts);
  while (policy === 'none' && (!counts.node || !(counts.go || counts['go-helper'])) && total < 3000) {
    await load(port, 200, counts); // the kernel, not the primary, balances
    total += 200;
  }
  console.log(`policy ${policy}: ${total} requests`, JSON.stringify(counts));
  assert.strictEqual(Object.values(counts).reduce((a, b) => a + b, 0), total);
  assert.ok(counts.node > 0, 'node workers served');
  assert.ok((counts.go || 0) + (counts['go-helper'] || 0) > 0, 'go workers served');

  // Messages both ways with the Go helper and a Node worker.
  for (const name of ['helper', 'node1']) {
    const w = workers[name];
    const got = once(w, 'message');
    w.send({ ping: name, n: [1, 'two', null] });
    const [m] = await got;
    assert.deepStrictEqual(m.echo, { ping: name, n: [1, 'two', null] }, `${name} echo`);
    assert.strictEqual(m.id, w.id, `${name} id`);
  }

  // Worker-initiated disconnect (Go helper and a Node worker).
  for (const name of ['helper', 'node1']) {
    const w = workers[name];
    const exited = once(w, 'exit');
    w.send({ leave: true });
    const [code] = await exited;
    assert.strictEqual(code, 0, `${name} exit code`);
    assert.strictEqual(w.exitedAfterDisconnect, true, `${name} exitedAfterDisconnect`);
  }

  // The others still serve.
  const after = {};
  await load(port, 40, after);
  console.log('after two left', JSON.stringify(after));
  assert.ok(!after['go-helper'], 'a departed worker served');

  // Primary-initiated disconnect (go-child and a Node worker).
  for (const name of ['go', 'node2']) {
    const w = workers[name];
    const exited = once(w, 'exit');
    w.disconnect();
    const [code] = await exited;
    assert.strictEqual(code, 0, `${name} exit code`);
    assert.strictEqual(w.exitedAfterDisconnect, true, `${name} exitedAfterDisconnect`);
  }
  await new Promise((r) => setImmediate(r));
  for (const [name, ev] of Object.entries(events)) {
    // 'disconnect' (channel EOF) and 'exit' (SIGCHLD) race in the primary
    // when a worker exits right after closing its channel, as a Go worker
    // does: Node emits both, in either order.
    console.log(name, JSON.stringify(ev));
    assert.deepStrictEqual(ev.slice(0, 2), ['online', 'listening'], `${name} events`);
    assert.deepStrictEqual([...ev.slice(2)].sort(), ['disconnect', 'exit 0 null true'], `${name} events`);
  }
  clearTimeout(timer);
}

main().catch((err) => { console.error(err); process.exit(1); });
