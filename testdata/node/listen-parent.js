'use strict';
// Node parent that hands sockets to `go-child http` workers, which serve them
// with net/http through nodeipc.Listener (compat_listen_test.go).
//   node listen-parent.js SCENARIO GO_CHILD
// Exits non-zero on any failure.
const { fork } = require('node:child_process');
const http = require('node:http');
const net = require('node:net');
const assert = require('node:assert');

const [scenario, goChild] = process.argv.slice(2);

// NODEIPC_SERIALIZATION=advanced runs the scenario over the V8 serializer.
const serialization = process.env.NODEIPC_SERIALIZATION || 'json';

function forkHTTP(...args) {
  return fork('http', args, { execPath: goChild, execArgv: [], serialization });
}

function exited(child) {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

function nextMessage(child, what) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), 30000);
    child.once('message', (m) => { clearTimeout(t); resolve(m); });
  });
}

function listen(server, ...args) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...args, () => resolve(server.address()));
  });
}

// get sends one request (on agent, or a fresh connection) and resolves with
// the body, the X-Nodeipc-Message header and the client's local port.
function get(port, agent) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ body, msg: res.headers['x-nodeipc-message'], local: req.socket.localPort }));
    });
    req.on('error', reject);
  });
}

const count = (server) => new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
const closed = (server) => new Promise((resolve) => server.close(resolve));

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}

async function finish(...children) {
  for (const c of children) {
    const ex = exited(c);
    if (c.connected) c.disconnect();
    assert.deepStrictEqual(await ex, { code: 0, signal: null }, 'Go child exit');
  }
}

const scenarios = {
  // Node's subprocess.send() example with two Go HTTP workers: the parent
  // accepts with pauseOnConnect and hands each connection to the worker of
  // its priority (here: every other connection is special). Keep-alive
  // clients reuse their connection; the parent's getConnections() counts
  // what the Go servers hold, and server.close() completes while the
  // clients still hold their connections open (the Go servers close idle
  // keep-alive connections when Node's server.close() asks).
  async priority() {
    const normal = forkHTTP('Request handled with normal priority');
    const special = forkHTTP('Request handled with special priority');
    let n = 0;
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      if (n++ % 2 === 1) {
        special.send({ priority: 'special' }, socket);
        return;
      }
      normal.send({ priority: 'normal' }, socket);
    });
    const { port } = await listen(server, 0, '127.0.0.1');
    const agents = Array.from({ length: 4 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    const want = [];
    for (let i = 0; i < agents.length; i++) {
      const first = await get(port, agents[i]); // connection i
      const kind = i % 2 ? 'special' : 'normal';
      // go-child reports the socket's message in JSON mode only.
      const msg = serialization === 'json' ? JSON.stringify({ priority: kind }) : undefined;
      want.push({ body: `Request handled with ${kind} priority`, msg, local: first.local });
      assert.deepStrictEqual(first, want[i]);
    }
    for (let round = 0; round < 5; round++) {
      const got = await Promise.all(agents.map((a) => get(port, a)));
      assert.deepStrictEqual(got, want, 'keep-alive requests stay on their connection and worker');
    }
    assert.strictEqual(n, agents.length, 'one connection per keep-alive client');
    assert.strictEqual(await count(server), agents.length, 'getConnections counts the sockets Go holds');
    await withTimeout(closed(server), 20000, 'server.close() with idle keep-alive connections held by Go');
    for (const a of agents) a.destroy();
    await finish(normal, special);
  },

  // A shared server: the parent hands its listening server to both Go
  // workers and keeps accepting itself; all three answer. Then the parent
  // closes its listener and the Go workers alone answer.
  async shared() {
    const a = forkHTTP('go a');
    const b = forkHTTP('go b');
    const server = http.createServer({ keepAlive: false }, (req, res) => res.end('node'));
    const { port } = await listen(server, 0, '127.0.0.1');
    await new Promise((resolve, reject) => a.send('server', server, (e) => (e ? reject(e) : resolve())));
    await new Promise((resolve, reject) => b.send('server', server, (e) => (e ? reject(e) : resolve())));
    const seen = new Map();
    for (let round = 0; round < 100 && seen.size < 3; round++) {
      const got = await Promise.all(Array.from({ length: 20 }, () => get(port, false)));
      for (const g of got) seen.set(g.body, (seen.get(g.body) || 0) + 1);
    }
    console.log('shared server answers:', JSON.stringify([...seen]));
    assert.deepStrictEqual([...seen.keys()].sort(), ['go a', 'go b', 'node']);
    await closed(server);
    const after = new Set();
    for (let round = 0; round < 50 && after.size < 2; round++) {
      const got = await Promise.all(Array.from({ length: 10 }, () => get(port, false)));
      for (const g of got) {
        if (serialization === 'json') assert.strictEqual(g.msg, '"server"');
        after.add(g.body);
      }
    }
    assert.deepStrictEqual([...after].sort(), ['go a', 'go b'], 'Go workers serve after the parent closed its listener');
    await finish(a, b);
  },

  // What a process manager expects: 'ready' once serving, then a graceful
  // exit (code 0, requests in progress answered) on the 'shutdown' message,
  // SIGINT and SIGTERM.
  async lifecycle() {
    for (const how of ['shutdown', 'SIGINT', 'SIGTERM']) {
      const child = forkHTTP('--ready', 'ok');
      assert.strictEqual(await nextMessage(child, 'ready'), 'ready');
      const server = net.createServer({ pauseOnConnect: true }, (s) => child.send('socket', s));
      const { port } = await listen(server, 0, '127.0.0.1');
      const agent = new http.Agent({ keepAlive: true });
      assert.strictEqual((await get(port, agent)).body, 'ok');
      child.send({ echo: how });
      assert.deepStrictEqual(await nextMessage(child, 'echo'), { echo: how });
      const ex = exited(child);
      if (how === 'shutdown') child.send('shutdown'); else child.kill(how);
      assert.deepStrictEqual(await withTimeout(ex, 20000, `exit on ${how}`), { code: 0, signal: null }, `exit on ${how}`);
      agent.destroy();
      // Not awaited: once every child a server handed sockets to has
      // exited, Node's server.close() never calls back (a Node child too).
      server.close();
    }
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
