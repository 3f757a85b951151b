'use strict';
// Node parent that passes sockets to Go children (compat_handles_test.go).
//   node handles-parent.js SCENARIO GO_CHILD TEST_EXE
// GO_CHILD is the go-child binary (its `serve` mode); TEST_EXE is the Go test
// binary, forked with NODEIPC_TEST_HELPER=<name> for the helpers that hold,
// report or count handles. Exits non-zero on any failure.
const { fork } = require('node:child_process');
const net = require('node:net');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert');

const [scenario, goChild, testExe] = process.argv.slice(2);
const TEXT = 'served by go';

// NODEIPC_SERIALIZATION=advanced runs the scenario over the V8 serializer.
const serialization = process.env.NODEIPC_SERIALIZATION || 'json';

function forkServe(text) {
  return fork('serve', text.split(' '), { execPath: goChild, execArgv: [], serialization });
}

function forkHelper(name) {
  return fork('helper', [], {
    execPath: testExe, execArgv: [], serialization, env: { ...process.env, NODEIPC_TEST_HELPER: name },
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
  return (what = 'message') => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), 60000);
    const take = () => { clearTimeout(t); resolve(q.shift()); };
    if (q.length) take(); else waiter = take;
  });
}

function exited(child) {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

async function finish(...children) {
  for (const c of children) {
    const ex = exited(c);
    if (c.connected) c.disconnect();
    assert.deepStrictEqual(await ex, { code: 0, signal: null }, 'Go child exit');
  }
}

function listen(server, ...args) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...args, () => resolve(server.address()));
  });
}

function sendP(child, msg, handle, opts) {
  return new Promise((resolve, reject) => {
    child.send(msg, handle, opts || {}, (err) => (err ? reject(err) : resolve()));
  });
}

// get connects and returns everything the server writes before closing.
function get(addr) {
  return new Promise((resolve, reject) => {
    const c = net.connect(addr);
    let s = '';
    c.setEncoding('utf8');
    c.on('data', (d) => { s += d; });
    c.on('error', reject);
    c.on('close', () => resolve(s));
  });
}

function udpAsk(port, until, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const c = dgram.createSocket('udp4');
    const seen = new Map();
    const timer = setInterval(() => c.send('ping', port, '127.0.0.1'), 5);
    const stop = setTimeout(() => { done(); reject(new Error(`udp: only saw ${[...seen.keys()]}`)); }, timeoutMs);
    function done() { clearInterval(timer); clearTimeout(stop); c.close(); }
    c.on('message', (m) => {
      const k = m.toString();
      seen.set(k, (seen.get(k) || 0) + 1);
      if (until(seen)) { done(); resolve(seen); }
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fdCount() { return fs.readdirSync('/proc/self/fd').length; }

const scenarios = {
  // A listening server moves to Go: Node closes its copy, Go answers.
  async server() {
    const child = forkServe(TEXT);
    const server = net.createServer((s) => s.end('node'));
    const { port } = await listen(server, 0, '127.0.0.1');
    await sendP(child, 'server', server);
    await new Promise((r) => server.close(r));
    for (let i = 0; i < 20; i++) assert.strictEqual(await get(port), TEXT);
    await finish(child);
  },

  // Both processes accept on one listening socket.
  async 'shared-server'() {
    const child = forkServe(TEXT);
    const server = net.createServer((s) => s.end('node'));
    const { port } = await listen(server, 0, '127.0.0.1');
    await sendP(child, 'server', server);
    const seen = new Map();
    for (let round = 0; round < 100 && seen.size < 2; round++) {
      const got = await Promise.all(Array.from({ length: 20 }, () => get(port)));
      for (const g of got) seen.set(g, (seen.get(g) || 0) + 1);
    }
    console.log('shared server answers:', JSON.stringify([...seen]));
    assert.deepStrictEqual([...seen.keys()].sort(), ['node', TEXT].sort());
    server.close();
    await finish(child);
  },

  // Accepted connections (TCP, then Unix-domain) go to the Go child, which
  // writes TEXT and closes them; Node's socket list sees them go.
  async 'socket-tcp'() { await socketScenario(0, '127.0.0.1'); },
  async 'socket-unix'() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodeipc-'));
    try { await socketScenario(path.join(dir, 's.sock')); } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  },

  // Node's subprocess.send() example with Go workers: one server, two
  // children, the parent picks the child for each connection.
  async priority() {
    const normal = fork('serve', ['Request handled with normal priority'], { execPath: goChild, execArgv: [] });
    const special = fork('serve', ['Request handled with special priority'], { execPath: goChild, execArgv: [] });
    let n = 0;
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      if (n++ % 2 === 1) {
        special.send('socket', socket);
        return;
      }
      normal.send('socket', socket);
    });
    const { port } = await listen(server, 0, '127.0.0.1');
    const got = [];
    for (let i = 0; i < 10; i++) got.push(await get(port));
    for (let i = 0; i < 10; i++) {
      assert.strictEqual(got[i], `Request handled with ${i % 2 ? 'special' : 'normal'} priority`);
    }
    await new Promise((r) => server.close(r)); // both children answered ALL_CLOSED
    await finish(normal, special);
  },

  // Clients that hang up before the Go child got the socket.
  async 'socket-closed'() {
    const child = forkServe(TEXT);
    const server = net.createServer({ pauseOnConnect: true }, (s) => child.send('socket', s));
    const { port } = await listen(server, 0, '127.0.0.1');
    await Promise.all(Array.from({ length: 20 }, () => new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.resetAndDestroy ? c.resetAndDestroy() : c.destroy(); resolve(); });
      c.on('error', () => {});
    })));
    await sleep(100);
    assert.strictEqual(await get(port), TEXT, 'child still serves');
    child.send({ still: 'alive' });
    assert.deepStrictEqual(await inbox(child)('echo'), { still: 'alive' });
    server.close();
    await finish(child);
  },

  // A UDP socket moves to Go (Node closes its copy), then one is shared.
  async dgram() {
    const child = forkServe(TEXT);
    const a = dgram.createSocket('udp4');
    await new Promise((r) => a.bind(0, '127.0.0.1', r));
    const portA = a.address().port;
    await sendP(child, 'udp', a);
    a.close();
    const seen = await udpAsk(portA, (s) => (s.get(TEXT) || 0) >= 5);
    assert.deepStrictEqual([...seen.keys()], [TEXT]);

    const b = dgram.createSocket('udp4');
    b.on('message', (m, rinfo) => b.send('node', rinfo.port, rinfo.address));
    await new Promise((r) => b.bind(0, '127.0.0.1', r));
    await sendP(child, 'udp', b);
    const shared = await udpAsk(b.address().port, (s) => s.size === 2);
    console.log('shared UDP answers:', JSON.stringify([...shared]));
    b.close();
    await finish(child);
  },

  // server.getConnections() counts the sockets Go holds; server.close()
  // completes once Go closed them.
  async 'socket-list'() {
    const child = forkHelper('handles-hold');
    const next = inbox(child);
    const server = net.createServer({ pauseOnConnect: true }, (s) => child.send({ hold: true }, s));
    const { port } = await listen(server, 0, '127.0.0.1');
    const clients = [];
    for (let i = 0; i < 3; i++) {
      clients.push(get({ port, host: '127.0.0.1' }));
      assert.deepStrictEqual(await next('held'), { held: i + 1 });
    }
    const count = () => new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    assert.strictEqual(await count(), 3);
    child.send({ close: 1 });
    assert.deepStrictEqual(await next('closed'), { closed: 1, held: 2 });
    assert.strictEqual(await count(), 2);
    let closed = false;
    const closing = new Promise((r) => server.close(() => { closed = true; r(); }));
    await sleep(300);
    assert.strictEqual(closed, false, 'server closed while Go still holds sockets');
    child.send({ close: 2 });
    assert.deepStrictEqual(await next('closed'), { closed: 2, held: 0 });
    await closing;
    assert.deepStrictEqual(await Promise.all(clients), ['held', 'held', 'held']);
    await finish(child);
  },

  // Messages sent after a handle arrive after it, in order.
  async order() {
    const child = forkHelper('handles-report');
    const next = inbox(child);
    const server = net.createServer({ pauseOnConnect: true }, (s) => child.send({ seq: 0 }, s));
    const { port } = await listen(server, 0, '127.0.0.1');
    const client = get({ port, host: '127.0.0.1' });
    let seq = 1;
    const first = await next('socket report');
    assert.deepStrictEqual(first, { got: { seq: 0 }, type: 'net.Socket', key: '4:127.0.0.1:0' });
    const u = dgram.createSocket('udp4');
    await new Promise((r) => u.bind(0, '127.0.0.1', r));
    const want = [];
    child.send({ seq }, server); want.push({ got: { seq: seq++ }, type: 'net.Server', key: '' });
    for (let i = 0; i < 50; i++) { child.send({ seq }); want.push({ got: { seq: seq++ }, type: '', key: '' }); }
    child.send({ seq }, u); want.push({ got: { seq: seq++ }, type: 'dgram.Socket', key: '' });
    child.send({ seq }, server, { keepOpen: true }); want.push({ got: { seq: seq++ }, type: 'net.Server', key: '' });
    for (let i = 0; i < 50; i++) { child.send({ seq }); want.push({ got: { seq: seq++ }, type: '', key: '' }); }
    for (const w of want) assert.deepStrictEqual(await next('report'), w);
    assert.strictEqual(await client, 'report');
    u.close();
    server.close();
    await finish(child);
  },

  // 10,000 handle transfers: descriptors stay flat on both sides.
  async many() {
    const N = 10000;
    const child = forkHelper('handles-count');
    const next = inbox(child);
    const server = net.createServer((s) => s.resume()); // closes when Go closes the client end
    const { port } = await listen(server, 0, '127.0.0.1');
    const u = dgram.createSocket('udp4');
    await new Promise((r) => u.bind(0, '127.0.0.1', r));
    const connect = () => new Promise((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => resolve(c));
      c.on('error', reject);
    });
    let sent = 0;
    async function batch(n) {
      for (let i = 0; i < n; i++, sent++) {
        if (sent % 10 === 9) child.send({ i: sent }, await connect());
        else child.send({ i: sent }, sent % 2 ? u : server);
      }
      child.send({ report: true });
      return next('report');
    }
    await batch(100); // warm up
    await sleep(50);
    const before = await batch(0);
    const nodeBefore = fdCount();
    for (let left = N; left > 0; left -= 500) await batch(Math.min(500, left));
    await sleep(200); // let Node close sockets whose ACK just arrived
    const after = await batch(0);
    const nodeAfter = fdCount();
    console.log(`many: go fds ${before.fds} -> ${after.fds}, node fds ${nodeBefore} -> ${nodeAfter}, received ${after.count}`);
    assert.strictEqual(after.count, N + 100);
    assert.ok(after.fds <= before.fds, `Go child fds grew: ${before.fds} -> ${after.fds}`);
    assert.ok(nodeAfter <= nodeBefore, `Node fds grew: ${nodeBefore} -> ${nodeAfter}`);
    u.close();
    server.close();
    await finish(child);
  },
};

async function socketScenario(...listenArgs) {
  const child = forkServe(TEXT);
  const server = net.createServer({ pauseOnConnect: true }, (s) => child.send('socket', s));
  const addr = await listen(server, ...listenArgs);
  const target = typeof addr === 'string' ? addr : { port: addr.port, host: '127.0.0.1' };
  for (let i = 0; i < 20; i++) assert.strictEqual(await get(target), TEXT);
  const n = await new Promise((resolve, reject) => server.getConnections((e, k) => (e ? reject(e) : resolve(k))));
  assert.strictEqual(n, 0, 'getConnections after Go closed every socket');
  await new Promise((r) => server.close(r));
  await finish(child);
}

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
