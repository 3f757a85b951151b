'use strict';
// A cluster sharing one Unix socket path and one UDP port, Node and Go
// workers together.
//
// Worker (run under any cluster primary, Node or Go): a net server on
// $SOCK answering "node <id>\n", a udp4 socket bound to 127.0.0.1:$UDP_PORT
// answering each datagram with "node <id> <datagram>", and an exclusive
// server on $SOCK.x<id> (exclusive: true: the primary is not involved)
// answering "x node <id>\n". When all three listen it sends {ready: true}.
// It closes the exclusive server when the primary disconnects it.
//
// Primary: node cluster-unix-udp.js TEST_EXE
// TEST_EXE is the compat test binary (helper cluster-unix-udp: the same
// worker in Go). The policy comes from NODE_CLUSTER_SCHED_POLICY. It checks
// that every connection and every datagram is answered by both kinds of
// worker, the exclusive servers, a worker killed and replaced while clients
// keep connecting, and that the socket path is gone after shutdown.
const cluster = require('node:cluster');
const net = require('node:net');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert');

if (cluster.isWorker) {
  const id = cluster.worker.id;
  let pending = 3;
  const up = () => { if (--pending === 0) process.send({ ready: true, kind: 'node', id }); };
  net.createServer((c) => c.end(`node ${id}\n`)).listen(process.env.SOCK, up);
  const x = net.createServer((c) => c.end(`x node ${id}\n`));
  x.listen({ path: `${process.env.SOCK}.x${id}`, exclusive: true }, up);
  const u = dgram.createSocket('udp4');
  u.on('message', (m, rinfo) => u.send(`node ${id} ${m}`, rinfo.port, rinfo.address));
  u.bind(+process.env.UDP_PORT, '127.0.0.1', up);
  cluster.worker.on('disconnect', () => x.close());
  return;
}

const [testExe] = process.argv.slice(2);
const policy = process.env.NODE_CLUSTER_SCHED_POLICY;
const timer = setTimeout(() => { console.error('timeout'); process.exit(3); }, 90000);

function connectOnce(p) {
  return new Promise((resolve, reject) => {
    const c = net.connect(p);
    let body = '';
    c.setEncoding('utf8');
    c.setTimeout(2000, () => { c.destroy(new Error('timeout')); });
    c.on('data', (d) => { body += d; });
    c.on('end', () => resolve(body.trim()));
    c.on('error', reject);
  });
}

// n connections, 8 at a time; returns counts by kind and the failures.
async function load(p, n, counts, failures) {
  let next = 0;
  async function client() {
    while (next < n) {
      next++;
      try {
        const body = await connectOnce(p);
        const kind = body.split(' ')[0];
        assert.ok(['node', 'go'].includes(kind), `unexpected answer ${body}`);
        counts[kind] = (counts[kind] || 0) + 1;
      } catch (err) {
        if (!failures) throw err;
        failures.push(err.message);
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, client));
}

// n datagrams, 8 in flight; every one must be answered.
async function udpLoad(port, n, counts) {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const waiting = new Map();
  s.on('message', (m) => {
    const [kind, , tag] = String(m).split(' ');
    const done = waiting.get(tag);
    if (!done) return;
    waiting.delete(tag);
    counts[kind] = (counts[kind] || 0) + 1;
    done();
  });
  let next = 0;
  async function sender() {
    while (next < n) {
      const tag = `d${next++}`;
      await new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`datagram ${tag} not answered`)), 5000);
        waiting.set(tag, () => { clearTimeout(t); resolve(); });
        s.send(tag, port, '127.0.0.1');
      });
    }
  }
  try {
    await Promise.all(Array.from({ length: 8 }, sender));
  } finally {
    s.close();
  }
}

function once(emitter, name) {
  return new Promise((resolve) => emitter.once(name, (...a) => resolve(a)));
}

function freeUDPPort() {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodeipc-cluster-'));
  const sock = path.join(dir, 's.sock');
  const env = { SOCK: sock, UDP_PORT: String(await freeUDPPort()) };
  const workers = [];
  function fork(kind) {
    if (kind === 'go') {
      cluster.setupPrimary({ exec: 'helper', args: [], execArgv: [] });
      const saved = process.execPath;
      process.execPath = testExe;
      try {
        workers.push(cluster.fork({ ...env, NODEIPC_TEST_HELPER: 'cluster-unix-udp' }));
      } finally {
        process.execPath = saved;
      }
    } else {
      cluster.setupPrimary({ exec: __filename, args: [], execArgv: [] });
      workers.push(cluster.fork(env));
    }
    const w = workers[workers.length - 1];
    return new Promise((resolve) => w.on('message', (m) => { if (m && m.ready) resolve(w); }));
  }
  await Promise.all(['node', 'go', 'node', 'go'].map(fork));

  // Stream connections on the shared path.
  const counts = {};
  let total = 200;
  await load(sock, total, counts);
  while ((!counts.node || !counts.go) && total < 3000) {
    await load(sock, 200, counts); // SCHED_NONE: the kernel balances
    total += 200;
  }
  console.log(`policy ${policy}: unix ${total}`, JSON.stringify(counts));
  assert.ok(counts.node > 0 && counts.go > 0, 'both kinds served the socket path');

  // Datagrams on the shared port: none lost.
  const ucounts = {};
  let utotal = 200;
  await udpLoad(+env.UDP_PORT, utotal, ucounts);
  while ((!ucounts.node || !ucounts.go) && utotal < 3000) {
    await udpLoad(+env.UDP_PORT, 200, ucounts);
    utotal += 200;
  }
  console.log(`udp ${utotal}`, JSON.stringify(ucounts));
  assert.ok(ucounts.node > 0 && ucounts.go > 0, 'both kinds answered datagrams');

  // Exclusive servers are each worker's own.
  for (const w of workers) {
    const body = await connectOnce(`${sock}.x${w.id}`);
    assert.match(body, new RegExp(`^x (node|go) ${w.id}$`));
  }

  // A Go worker is killed and replaced while clients keep connecting.
  const victim = workers[1];
  const failures = [];
  const during = {};
  let stop = false;
  const background = (async () => {
    while (!stop) await load(sock, 16, during, failures);
  })();
  await new Promise((r) => setTimeout(r, 100));
  const exited = once(victim, 'exit');
  victim.process.kill('SIGKILL');
  await exited;
  const replacement = await fork('go');
  await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await background;
  console.log('during kill and replace', JSON.stringify(during), `${failures.length} failed`);
  assert.ok(failures.length <= 8, `too many failed connections: ${failures}`);
  const after = {};
  await load(sock, 100, after);
  console.log('after replace', JSON.stringify(after));
  const body = await connectOnce(`${sock}.x${replacement.id}`);
  assert.strictEqual(body, `go ${replacement.id}`.replace(/^/, 'x '));

  // Graceful shutdown; the socket path goes with the last server.
  for (const w of workers) {
    if (w === victim) continue;
    const exitP = once(w, 'exit');
    w.disconnect();
    const [code] = await exitP;
    assert.strictEqual(code, 0, `worker ${w.id} exit code`);
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(!fs.existsSync(sock), 'socket path left behind');
  for (const w of workers) {
    if (w !== victim) assert.ok(!fs.existsSync(`${sock}.x${w.id}`), `exclusive path of ${w.id} left behind`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  clearTimeout(timer);
}

main().catch((err) => { console.error(err); process.exit(1); });
