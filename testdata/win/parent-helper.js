'use strict';
// Windows Node parent of the wine suite's Go programs.
//   node parent-helper.js SCENARIO GO_CHILD GO_HELPER
// GO_CHILD is cmd/go-child, GO_HELPER nodeipc/internal/winpipe/testdata/go-helper.
// NODEIPC_SERIALIZATION=advanced runs a scenario over the V8 serializer.
const { fork } = require('node:child_process');
const net = require('node:net');
const assert = require('node:assert');

const [scenario, goChild, goHelper] = process.argv.slice(2);
const serialization = process.env.NODEIPC_SERIALIZATION || 'json';

function inbox(child) {
  const q = [];
  let waiter = null;
  child.on('message', (m, h) => {
    q.push([m, h]);
    if (waiter) { const w = waiter; waiter = null; w(); }
  });
  return (what = 'message') => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), 60000);
    const take = () => { clearTimeout(t); resolve(q.shift()); };
    if (q.length) return take();
    waiter = take;
  });
}

const exited = (c) => new Promise((r) => c.on('exit', (code, signal) => r({ code, signal })));

// get connects and returns the first line the server writes.
function get(port) {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    let s = '';
    c.setEncoding('utf8');
    c.on('data', (d) => { s += d; if (s.includes('\n')) { c.destroy(); resolve(s); } });
    c.on('error', reject);
    c.on('close', () => resolve(s));
  });
}

const scenarios = {
  // Go sends a server (closing its own copy) and a connection; Node serves
  // the first and answers on the second; then Go disconnects.
  async 'go-sends'() {
    const child = fork('sends', [], { execPath: goHelper, execArgv: [], serialization });
    const next = inbox(child);
    const ex = exited(child);
    const disconnected = new Promise((r) => child.on('disconnect', r));
    const [m1, server] = await next('server');
    assert.strictEqual(m1.kind, 'server');
    assert.ok(server instanceof net.Server, 'a net.Server');
    server.on('connection', (s) => s.end('node serves the Go listener\n'));
    assert.strictEqual(await get(m1.port), 'node serves the Go listener\n');
    server.close();
    const [m2, sock] = await next('socket');
    assert.strictEqual(m2.kind, 'socket');
    assert.ok(sock instanceof net.Socket, 'a net.Socket');
    // Closed once the answer is sent, not left waiting for Go's end: under
    // wine a socket handed over from another process does not always see
    // its peer's close as EOF, and the open socket would keep this process
    // from exiting.
    sock.end('node answers on the Go socket\n', () => sock.destroy());
    const [m3] = await next('answer');
    assert.deepStrictEqual(m3, { answer: 'node answers on the Go socket\n' });
    child.send('bye');
    assert.deepStrictEqual(await ex, { code: 0, signal: null });
    // 'disconnect' (the channel's EOF) and 'exit' race when the child exits
    // right after closing the channel: Node emits both, in either order.
    await disconnected;
  },

  // A socket, then 100 messages that Node holds until Go's ACK: the echoes
  // come back in order, and the socket is served.
  async 'ack-order'() {
    const child = fork('serve', ['served'], { execPath: goChild, execArgv: [], serialization });
    const next = inbox(child);
    const server = net.createServer({ pauseOnConnect: true }, (s) => {
      child.send('socket', s);
      for (let i = 0; i < 100; i++) child.send({ seq: i });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const reply = get(server.address().port);
    for (let i = 0; i < 100; i++) assert.deepStrictEqual((await next(`seq ${i}`))[0], { seq: i });
    assert.strictEqual(await reply, 'served');
    server.close();
    const ex = exited(child);
    child.disconnect();
    assert.deepStrictEqual(await ex, { code: 0, signal: null });
  },

  // Messages sent after a handle arrive after it, in order, each with its
  // handle: a socket, a server, 50 messages, the server again with
  // keepOpen, 50 messages (the Linux suite's order scenario, TCP only:
  // Node passes no dgram handles on Windows).
  async order() {
    const child = fork('report', [], { execPath: goHelper, execArgv: [], serialization });
    const next = inbox(child);
    const server = net.createServer({ pauseOnConnect: true }, (s) => child.send({ seq: 0 }, s));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const client = get(server.address().port);
    let seq = 1;
    const [first] = await next('socket report');
    assert.deepStrictEqual(first, { got: { seq: 0 }, type: 'net.Socket', key: '4:127.0.0.1:0' });
    const want = [];
    child.send({ seq }, server); want.push({ got: { seq: seq++ }, type: 'net.Server', key: '' });
    for (let i = 0; i < 50; i++) { child.send({ seq }); want.push({ got: { seq: seq++ }, type: '', key: '' }); }
    child.send({ seq }, server, { keepOpen: true }); want.push({ got: { seq: seq++ }, type: 'net.Server', key: '' });
    for (let i = 0; i < 50; i++) { child.send({ seq }); want.push({ got: { seq: seq++ }, type: '', key: '' }); }
    for (const w of want) assert.deepStrictEqual((await next('report'))[0], w);
    assert.strictEqual(await client, 'report');
    server.close();
    const ex = exited(child);
    child.disconnect();
    assert.deepStrictEqual(await ex, { code: 0, signal: null });
  },

  // 1,000 socket transfers: the Go child's handle count stays flat.
  async 'handle-count'() {
    const child = fork('count', [], { execPath: goHelper, execArgv: [], serialization });
    const next = inbox(child);
    const l = net.createServer();
    await new Promise((r) => l.listen(0, '127.0.0.1', r));
    const port = l.address().port;
    const clients = [];
    async function transfer(n) {
      for (let i = 0; i < n; i++) {
        const accepted = new Promise((r) => l.once('connection', r));
        const c = net.connect(port, '127.0.0.1');
        c.on('error', () => {});
        clients.push(c);
        const s = await accepted;
        await new Promise((resolve, reject) => child.send('socket', s, (e) => (e ? reject(e) : resolve())));
      }
      child.send({ count: true });
      const [m] = await next('count');
      return m;
    }
    const base = await transfer(50);
    const after = await transfer(1000);
    console.log(`go child after 50 transfers: ${JSON.stringify(base)}, after 1050: ${JSON.stringify(after)}`);
    // A leak would add 1,000; the Go runtime's own threads and events take
    // a few dozen more handles while the child warms up (seen under wine:
    // the slot goes from 11 to 37 and stays there).
    assert.ok(after.handles - base.handles < 100, `handle count grew from ${base.handles} to ${after.handles}`);
    assert.ok(after.slot - base.slot < 100, `lowest free handle slot grew from ${base.slot} to ${after.slot}`);
    for (const c of clients) c.destroy();
    l.close();
    const ex = exited(child);
    child.disconnect();
    assert.deepStrictEqual(await ex, { code: 0, signal: null });
  },
};

const run = scenarios[scenario];
if (!run) { console.error(`unknown scenario ${scenario}`); process.exit(2); }
const watchdog = setTimeout(() => { console.error(`${scenario}: timed out`); process.exit(1); }, 150000);
run().then(() => { clearTimeout(watchdog); console.log(`${scenario} ok (${serialization}, node ${process.version})`); }, (err) => {
  console.error(`${scenario}:`, err);
  process.exit(1);
});
