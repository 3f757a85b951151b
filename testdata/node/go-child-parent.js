'use strict';
// Node parent that checks cmd/go-child's robustness (compat_gochild_test.go).
//   node go-child-parent.js SCENARIO GO_CHILD [ARGS...]
// Exits non-zero on any failure.
const { fork } = require('node:child_process');
const net = require('node:net');
const dgram = require('node:dgram');
const fs = require('node:fs');
const assert = require('node:assert');

const [scenario, goChild, ...args] = process.argv.slice(2);
const serialization = process.env.NODEIPC_SERIALIZATION || 'json';

// within resolves to true when p settles within ms, false otherwise.
function within(p, ms) {
  let t;
  const late = new Promise((r) => { t = setTimeout(() => r(false), ms); });
  return Promise.race([p.then(() => true), late]).finally(() => clearTimeout(t));
}

function fdCount(pid) { return fs.readdirSync(`/proc/${pid}/fd`).length; }

function listen(server, ...a) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...a, () => resolve(server.address()));
  });
}

// inbox turns a child's messages into awaitable values.
function inbox(child) {
  const q = [];
  let waiter = null;
  child.on('message', (m) => {
    q.push(m);
    if (waiter) { const w = waiter; waiter = null; w(); }
  });
  return (what) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), 30000);
    const take = () => { clearTimeout(t); resolve(q.shift()); };
    if (q.length) take(); else waiter = take;
  });
}

const scenarios = {
  // go-child echo closes every handle it receives: no descriptor stays open
  // in the Go process, the clients see their connections end, and the
  // server's close() completes (Node asks the child for its socket list and
  // waits for NODE_SOCKET_ALL_CLOSED).
  async 'echo-handles'() {
    const child = fork('echo', [], { execPath: goChild, execArgv: [], serialization });
    const next = inbox(child);
    const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
    child.send({ warm: 1 });
    assert.deepStrictEqual(await next('warm-up echo'), { warm: 1 });
    const before = fdCount(child.pid);

    const server = net.createServer({ pauseOnConnect: true }, (s) => child.send({ socket: true }, s));
    const { port } = await listen(server, 0, '127.0.0.1');
    const N = 20;
    for (let i = 0; i < N; i++) {
      const ended = new Promise((resolve, reject) => {
        const c = net.connect(port, '127.0.0.1');
        c.on('error', reject);
        c.resume();
        c.on('close', resolve);
      });
      assert.deepStrictEqual(await next(`echo of socket ${i}`), { socket: true });
      const gone = await within(ended, 5000);
      assert.ok(gone, `go-child echo kept socket ${i} open`);
    }
    // A listening server and a UDP socket: Go closes its copies.
    const other = net.createServer();
    await listen(other, 0, '127.0.0.1');
    child.send({ server: true }, other);
    assert.deepStrictEqual(await next('echo of server'), { server: true });
    other.close();
    const u = dgram.createSocket('udp4');
    await new Promise((r) => u.bind(0, '127.0.0.1', r));
    child.send({ dgram: true }, u);
    assert.deepStrictEqual(await next('echo of dgram'), { dgram: true });
    u.close();

    const after = fdCount(child.pid);
    assert.ok(after <= before, `go-child echo descriptors grew from ${before} to ${after} over ${N + 2} handles`);
    const n = await new Promise((resolve, reject) => server.getConnections((e, k) => (e ? reject(e) : resolve(k))));
    assert.strictEqual(n, 0, 'getConnections after go-child echo closed every socket');
    const closed = await within(new Promise((r) => server.close(r)), 10000);
    assert.ok(closed, 'server.close() did not complete: go-child still counts the sockets');
    child.disconnect();
    assert.deepStrictEqual(await exited, { code: 0, signal: null }, 'go-child exit');
    console.log(`echo-handles: ${N + 2} handles, go-child fds ${before} -> ${after}, server.close() completed`);
  },
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario ${scenario}`);
  process.exit(2);
}
const watchdog = setTimeout(() => { console.error(`${scenario}: timed out`); process.exit(1); }, 120000);
run().then(() => { clearTimeout(watchdog); }, (err) => {
  console.error(`${scenario}:`, err);
  process.exit(1);
});
