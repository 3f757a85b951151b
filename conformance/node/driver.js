'use strict';
// The conformance driver: a real Node parent that forks the candidate child
// and grades one row of the conformance table.
//
//   NODEIPC_CONFORMANCE='{"child":["/path/to/child", "arg"], "row":"json/values"}' node driver.js
//
// It prints one line of JSON, {"row", "ok", "detail"}, and exits 0 (also
// when the row failed: the verdict is in the line); any other exit is a
// failure of the row as well. The child protocol the candidate implements is
// described in conformance/README.md.
const { fork } = require('node:child_process');
const cluster = require('node:cluster');
const net = require('node:net');
const dgram = require('node:dgram');
const http = require('node:http');
const fs = require('node:fs');
const assert = require('node:assert');
const { json } = require('./values');
const { advanced } = require('./values-advanced');

const cfg = JSON.parse(process.env.NODEIPC_CONFORMANCE || '{}');
const TEXT = 'conformance';
const children = new Set();

// A child that dies during a row fails the row at once.
let childDied;
const died = new Promise((_, reject) => { childDied = reject; });
died.catch(() => {});
// So does an error Node throws outside the row's own code (a frame the
// parent cannot parse, an 'error' event of a child).
process.on('uncaughtException', (err) => childDied(new Error(`the parent failed: ${err && err.message}`)));

// forkChild starts the candidate in MODE: the candidate's argv, then the
// mode and its arguments, with the channel on fd 3 as fork() gives it.
function forkChild(mode, args = [], opts = {}) {
  const [exec, ...pre] = cfg.child;
  const all = [...pre, mode, ...args];
  const child = fork(all[0], all.slice(1), {
    execPath: exec, execArgv: [], stdio: ['ignore', 2, 2, 'ipc'], ...opts,
  });
  children.add(child);
  child.on('error', (err) => childDied(new Error(`child error: ${err.message}`)));
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (code !== 0) childDied(new Error(`the child (${mode}) exited with ${signal || `code ${code}`}`));
  });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.inbox = inbox(child);
  return child;
}

// inbox turns a child's messages (with their handles) into awaitable values.
function inbox(child) {
  const q = [];
  let waiter = null;
  child.on('message', (m, h) => {
    q.push({ m, h });
    if (waiter && q.length >= waiter.n) { const w = waiter; waiter = null; w.done(); }
  });
  return (n = 1, what = 'message', ms = 20000) => new Promise((resolve, reject) => {
    const t = setTimeout(() => { waiter = null; reject(new Error(`timeout waiting for ${what}: ${q.length} of ${n} arrived`)); }, ms);
    const done = () => { clearTimeout(t); resolve(q.splice(0, n)); };
    if (q.length >= n) done(); else waiter = { n, done };
  });
}

async function finish(...cs) {
  for (const c of cs) {
    if (c.connected) c.disconnect();
    const ex = await Promise.race([c.exited, sleep(5000).then(() => 'still running 5 s after disconnect')]);
    assert.deepStrictEqual(ex, { code: 0, signal: null }, 'child exit after disconnect');
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
function get(port) {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    let s = '';
    c.setEncoding('utf8');
    c.on('data', (d) => { s += d; });
    c.on('error', reject);
    c.on('close', () => resolve(s));
  });
}

function udpAsk(port, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const c = dgram.createSocket('udp4');
    const timer = setInterval(() => c.send('ping', port, '127.0.0.1'), 10);
    const stop = setTimeout(() => { done(); reject(new Error('no datagram answered')); }, timeoutMs);
    function done() { clearInterval(timer); clearTimeout(stop); c.close(); }
    c.on('message', (m) => { done(); resolve(m.toString()); });
  });
}

function httpGet(port, agent) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, agent }, (res) => {
      let s = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { s += d; });
      res.on('end', () => resolve(s));
    }).on('error', reject);
  });
}

function fdCount() {
  try { return fs.readdirSync('/proc/self/fd').length; } catch { return -1; }
}

// echoRows builds the message rows of one serialization.
function echo(serialization, values, what) {
  return async () => {
    const child = forkChild('echo', [], { serialization });
    for (const v of values) child.send(v);
    const got = await child.inbox(values.length, what);
    for (let i = 0; i < values.length; i++) {
      assert.deepStrictEqual(got[i].m, values[i], `value #${i}`);
      if (serialization === 'json') assert.strictEqual(JSON.stringify(got[i].m), JSON.stringify(values[i]), `bytes of value #${i}`);
    }
    await finish(child);
    return `${values.length} ${what}`;
  };
}

function burst(serialization) {
  return async () => {
    const child = forkChild('echo', [], { serialization });
    const N = 20000;
    for (let i = 0; i < N; i++) child.send({ seq: i, p: 'sixteen bytes!!!' });
    const got = await child.inbox(N, 'burst', 60000);
    for (let i = 0; i < N; i++) assert.strictEqual(got[i].m.seq, i, `message ${i} out of order`);
    await finish(child);
    return `${N} in order`;
  };
}

function big(serialization, bytes) {
  return async () => {
    const child = forkChild('echo', [], { serialization });
    const s = 'é'.repeat(bytes >> 1); // two UTF-8 bytes each
    child.send({ s });
    const [{ m }] = await child.inbox(1, 'big message', 30000);
    assert.ok(m && m.s === s, 'the big message came back different');
    await finish(child);
    return `${bytes} bytes both ways`;
  };
}

// Unusual but valid values from the parent: nothing Node itself chokes on.
function unusual() {
  let deep = 'bottom';
  for (let i = 0; i < 1000; i++) deep = [deep];
  return [
    { ['__proto__']: 1 }, JSON.parse('{"__proto__":{"x":1}}'), { constructor: 'c', toString: 't' },
    '\ud800', '\udfff\ud800', 'a\u0000b', '\u2028', deep, 1e308, -1e-308, 2 ** 53 + 2,
    { '': '' }, Array.from({ length: 1000 }, (_, i) => i), 'x'.repeat(65535), 'y'.repeat(65536),
  ];
}

async function servedSocket(child, msg, opts) {
  const server = net.createServer({ pauseOnConnect: true });
  const { port } = await listen(server, 0, '127.0.0.1');
  const conn = new Promise((resolve) => server.once('connection', resolve));
  const reply = get(port);
  const sock = await conn;
  await sendP(child, msg, sock, opts);
  const text = await reply;
  server.close();
  return { text, sock };
}

const rows = {
  'json/values': echo('json', json, 'JSON values, deep-equal and byte-identical after JSON.stringify'),
  'json/order-20000': burst('json'),
  'json/64KiB': big('json', 70000),
  'json/1MiB': big('json', 1.5 * (1 << 20)),
  'json/before-listen': async () => {
    // Sent in the same tick as fork(): before the child can be listening.
    const child = forkChild('echo');
    for (let i = 0; i < 1000; i++) child.send({ early: i });
    const got = await child.inbox(1000, 'early messages');
    got.forEach(({ m }, i) => assert.strictEqual(m.early, i));
    await finish(child);
    return '1000 messages sent before the child started';
  },
  'json/internal-routing': async () => {
    // Messages whose cmd starts with NODE_ are Node's internal ones: a Node
    // child never emits them as 'message' and must survive unknown ones
    // and socket-list queries for keys it never saw.
    const child = forkChild('echo');
    const user = [{ cmd: 'NODE', x: 1 }, { cmd: 'node_x' }, { cmd: 42 }, { cmd: ['NODE_X'] }, { last: true }];
    child.send({ cmd: 'NODE_CONFORMANCE_UNKNOWN', x: 1 });
    child.send(user[0]); child.send(user[1]);
    child.send({ cmd: 'NODE_SOCKET_GET_COUNT', key: 'never-seen' });
    child.send({ cmd: 'NODE_SOCKET_NOTIFY_CLOSE', key: 'never-seen' });
    child.send({ cmd: 'NODE_SOCKET_CLOSED', key: 'never-seen' });
    child.send(user[2]); child.send(user[3]); child.send(user[4]);
    const got = await child.inbox(user.length, 'user messages');
    assert.deepStrictEqual(got.map((g) => g.m), user);
    await finish(child);
    return 'internal messages consumed, user messages echoed in order';
  },
  'json/unusual-values': async () => {
    const values = unusual();
    return echo('json', values, 'unusual values')();
  },
  'advanced/values': echo('advanced', advanced, 'advanced values, deep-equal'),
  'advanced/order-20000': burst('advanced'),
  'advanced/1MiB': big('advanced', 1.5 * (1 << 20)),

  'handle/socket': async () => {
    // Node's subprocess.send(message, socket) example: two children by priority.
    const normal = forkChild('serve', ['normal', TEXT]);
    const special = forkChild('serve', ['special', TEXT]);
    for (let i = 0; i < 10; i++) {
      const [child, name] = i % 2 ? [special, 'special'] : [normal, 'normal'];
      const { text } = await servedSocket(child, 'socket');
      assert.strictEqual(text, `${name} ${TEXT}`, `connection ${i}`);
    }
    await finish(normal, special);
    return '10 pauseOnConnect sockets answered by two children';
  },
  'handle/server': async () => {
    const child = forkChild('serve', [TEXT]);
    const server = net.createServer((s) => s.end('node'));
    const { port } = await listen(server, 0, '127.0.0.1');
    await sendP(child, 'server', server);
    await new Promise((r) => server.close(r));
    for (let i = 0; i < 10; i++) assert.strictEqual(await get(port), TEXT, `connection ${i}`);
    await finish(child);
    return 'net.Server moved to the child: 10 connections answered';
  },
  'handle/shared-server': async () => {
    const child = forkChild('serve', [TEXT]);
    const server = net.createServer((s) => s.end('node'));
    const { port } = await listen(server, 0, '127.0.0.1');
    await sendP(child, 'server', server);
    // Which process accepts is the kernel's choice: connect in concurrent
    // batches until both have answered.
    const seen = new Set();
    for (let i = 0; i < 100 && seen.size < 2; i++) {
      for (const r of await Promise.all(Array.from({ length: 16 }, () => get(port)))) seen.add(r);
    }
    server.close();
    assert.deepStrictEqual([...seen].sort(), ['node', TEXT].sort(), 'both processes accept');
    await finish(child);
    return 'net.Server shared: both processes answered';
  },
  'handle/dgram': async () => {
    const child = forkChild('serve', [TEXT]);
    const sock = dgram.createSocket('udp4');
    await new Promise((r) => sock.bind(0, '127.0.0.1', r));
    const { port } = sock.address();
    await sendP(child, 'dgram', sock);
    sock.close();
    assert.strictEqual(await udpAsk(port), TEXT);
    await finish(child);
    return 'dgram.Socket answered by the child';
  },
  'handle/advanced': async () => {
    const child = forkChild('serve', [TEXT], { serialization: 'advanced' });
    const { text } = await servedSocket(child, { socket: new Map([[1, 2n]]) });
    assert.strictEqual(text, TEXT);
    await finish(child);
    return 'net.Socket with a V8-serialized message';
  },
  'handle/order': async () => {
    // Messages sent after a handle wait for its ACK and arrive in order.
    const child = forkChild('serve', [TEXT]);
    const server = net.createServer({ pauseOnConnect: true });
    const { port } = await listen(server, 0, '127.0.0.1');
    const conn = new Promise((resolve) => server.once('connection', resolve));
    const reply = get(port);
    const sock = await conn;
    child.send({ before: true });
    child.send('socket', sock);
    for (let i = 0; i < 100; i++) child.send({ after: i });
    const got = await child.inbox(101, 'messages around a handle');
    assert.deepStrictEqual(got[0].m, { before: true });
    got.slice(1).forEach(({ m }, i) => assert.deepStrictEqual(m, { after: i }));
    assert.strictEqual(await reply, TEXT);
    server.close();
    await finish(child);
    return '100 messages behind a handle, in order';
  },
  'handle/many': async () => {
    const child = forkChild('serve', [TEXT]);
    const server = net.createServer({ pauseOnConnect: true });
    const { port } = await listen(server, 0, '127.0.0.1');
    const N = 300;
    let sent = 0;
    server.on('connection', (s) => { child.send('socket', s); sent++; });
    const before = fdCount();
    for (let i = 0; i < N; i++) assert.strictEqual(await get(port), TEXT, `connection ${i}`);
    await sleep(200);
    const after = fdCount();
    server.close();
    assert.strictEqual(sent, N);
    assert.ok(after <= before + 2, `parent descriptors grew from ${before} to ${after}`);
    await finish(child);
    return `${N} sockets, each acknowledged, parent descriptors flat`;
  },
  'handle/keep-open': async () => {
    // With keepOpen the parent's socket survives the send: both processes
    // hold the connection. (A Node receiver's end() shuts the shared socket
    // down for both, so the parent writes first.)
    const child = forkChild('serve', [TEXT]);
    const server = net.createServer({ pauseOnConnect: true });
    const { port } = await listen(server, 0, '127.0.0.1');
    const conn = new Promise((resolve) => server.once('connection', resolve));
    const c = net.connect(port, '127.0.0.1');
    let s = '';
    c.setEncoding('utf8');
    c.on('data', (d) => { s += d; });
    const closed = new Promise((r) => c.on('close', r));
    const sock = await conn;
    sock.on('error', () => {});
    await new Promise((r) => sock.write('parent+', r));
    await sendP(child, 'socket', sock, { keepOpen: true });
    assert.ok(!sock.destroyed, "keepOpen: the parent's socket was destroyed");
    while (!s.includes(TEXT)) await sleep(10);
    sock.destroy();
    await closed;
    assert.strictEqual(s, 'parent+' + TEXT);
    server.close();
    await finish(child);
    return 'keepOpen: the parent keeps its socket; both wrote on one connection';
  },
  'handle/socket-list': async () => {
    // getConnections() and close() in the parent count and wait for the
    // sockets the child holds.
    const child = forkChild('serve', [TEXT]);
    const server = net.createServer({ pauseOnConnect: true });
    const { port } = await listen(server, 0, '127.0.0.1');
    server.on('connection', (s) => child.send('hold', s));
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const c = net.connect(port, '127.0.0.1');
      c.setEncoding('utf8');
      await new Promise((r) => c.once('data', r));
      clients.push(c);
    }
    const count = () => new Promise((res, rej) => server.getConnections((e, n) => (e ? rej(e) : res(n))));
    assert.strictEqual(await count(), 3, 'getConnections with 3 sockets held by the child');
    const closed = new Promise((r) => server.close(r));
    for (const c of clients) c.end();
    await Promise.race([closed, sleep(10000).then(() => { throw new Error('server.close() did not complete'); })]);
    await finish(child);
    return 'getConnections() = 3 while held, close() completed';
  },

  'child-handle/socket': async () => {
    const child = forkChild('send');
    const server = net.createServer();
    const { port } = await listen(server, 0, '127.0.0.1');
    server.on('connection', (s) => { s.setEncoding('utf8'); s.on('data', (d) => s.end(`echo:${d}`)); });
    child.send({ op: 'socket', port });
    const [{ m, h }] = await child.inbox(1, 'a socket from the child');
    assert.deepStrictEqual(m, { op: 'socket' });
    assert.ok(h instanceof net.Socket, `got ${h && h.constructor.name}`);
    h.setEncoding('utf8');
    const back = new Promise((r) => { let s = ''; h.on('data', (d) => { s += d; }); h.on('close', () => r(s)); });
    h.write('node');
    assert.strictEqual(await back, 'echo:node');
    server.close();
    await finish(child);
    return 'net.Socket from the child, used by Node';
  },
  'child-handle/server': async () => {
    const child = forkChild('send');
    child.send({ op: 'server' });
    const [{ m, h }] = await child.inbox(1, 'a server from the child');
    assert.strictEqual(m.op, 'server');
    assert.ok(h instanceof net.Server, `got ${h && h.constructor.name}`);
    h.on('connection', (s) => s.end('node'));
    const { port } = h.address();
    for (let i = 0; i < 5; i++) assert.strictEqual(await get(port), 'node');
    h.close();
    await finish(child);
    return 'net.Server from the child, accepted on by Node';
  },
  'child-handle/dgram': async () => {
    const child = forkChild('send');
    child.send({ op: 'dgram' });
    const [{ m, h }] = await child.inbox(1, 'a dgram socket from the child');
    assert.strictEqual(m.op, 'dgram');
    assert.ok(h instanceof dgram.Socket, `got ${h && h.constructor.name}`);
    h.on('message', (d, r) => h.send('node', r.port, r.address));
    assert.strictEqual(await udpAsk(h.address().port), 'node');
    h.close();
    await finish(child);
    return 'dgram.Socket from the child, answered by Node';
  },

  'cluster/worker-rr': () => clusterRow(cluster.SCHED_RR),
  'cluster/worker-shared': () => clusterRow(cluster.SCHED_NONE),

  'disconnect/parent': async () => {
    const child = forkChild('echo');
    child.send({ a: 1 });
    await child.inbox(1, 'echo');
    await finish(child);
    return "child.disconnect(): the child exits 0";
  },
  'disconnect/child': async () => {
    const child = forkChild('send');
    const disc = new Promise((r) => child.on('disconnect', r));
    child.send({ op: 'disconnect' });
    await Promise.race([disc, sleep(5000).then(() => { throw new Error("no 'disconnect' event"); })]);
    const ex = await Promise.race([child.exited, sleep(5000).then(() => 'still running')]);
    assert.deepStrictEqual(ex, { code: 0, signal: null });
    return "the child disconnects: 'disconnect' fires, the child exits 0";
  },
};

async function clusterRow(policy) {
  cluster.schedulingPolicy = policy;
  const [exec, ...pre] = cfg.child;
  const all = [...pre, 'http-worker', TEXT];
  cluster.setupPrimary({ exec: all[0], args: all.slice(1), execArgv: [], stdio: ['ignore', 2, 2, 'ipc'] });
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const saved = process.execPath;
  process.execPath = exec; // cluster.fork() always runs process.execPath
  let worker;
  try {
    worker = cluster.fork({ PORT: String(port) });
    worker.on('exit', (code, signal) => {
      if (code !== 0) childDied(new Error(`the worker exited with ${signal || `code ${code}`}`));
    });
  } finally {
    process.execPath = saved;
  }
  await Promise.race([
    new Promise((r) => worker.once('listening', r)),
    sleep(10000).then(() => { throw new Error("no 'listening' from the worker"); }),
  ]);
  const agent = new http.Agent({ keepAlive: false });
  for (let i = 0; i < 20; i++) assert.strictEqual(await httpGet(port, agent), TEXT, `request ${i}`);
  const exit = new Promise((r) => worker.once('exit', (code, signal) => r({ code, signal })));
  worker.disconnect();
  const ex = await Promise.race([exit, sleep(5000).then(() => 'still running')]);
  assert.deepStrictEqual(ex, { code: 0, signal: null }, 'worker exit after disconnect');
  assert.ok(worker.exitedAfterDisconnect, 'exitedAfterDisconnect');
  return `20 HTTP requests through a ${policy === cluster.SCHED_RR ? 'round-robin' : 'shared-handle'} primary`;
}

async function main() {
  const row = rows[cfg.row];
  if (process.argv[2] === '--list') {
    console.log(JSON.stringify(Object.keys(rows)));
    return;
  }
  let result;
  if (!row) {
    result = { row: cfg.row, ok: false, detail: `unknown row ${cfg.row}` };
  } else {
    const ms = cfg.timeoutMs || 60000;
    try {
      const detail = await Promise.race([row(), died, sleep(ms).then(() => { throw new Error(`timed out after ${ms} ms`); })]);
      result = { row: cfg.row, ok: true, detail };
    } catch (err) {
      result = { row: cfg.row, ok: false, detail: String(err && err.message || err).split('\n')[0] };
    }
  }
  for (const c of children) c.kill('SIGKILL');
  for (const id in cluster.workers) cluster.workers[id].process.kill('SIGKILL');
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
}

main();
