'use strict';
// Checks that a Go cluster worker asks for servers with exactly the
// messages a Node worker of this Node version sends:
//   node cluster-query-shape.js TEST_EXE
// A Node worker and a Go worker (the compat test binary's helper
// cluster-query-shape, told this Node's major version) each open the same
// servers: TCP listen(0) without a host, listen(0, '127.0.0.1'), an
// ipv6Only listen on ::1 with a backlog, a Unix socket path, a udp4 bind
// and a reuseAddr+ipv6Only udp6 bind. The primary records every
// queryServer and listening message and compares the two workers' sets
// (seq aside) byte for byte.
const cluster = require('node:cluster');
const net = require('node:net');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert');

if (cluster.isWorker) {
  let pending = 6;
  const up = () => { if (--pending === 0) process.send({ ready: true }); };
  net.createServer().listen({ port: 0 }, up);
  net.createServer().listen({ port: 0, host: '127.0.0.1' }, up);
  net.createServer().listen({ port: 0, host: '::1', ipv6Only: true, backlog: 77 }, up);
  net.createServer().listen(process.env.SOCK, up);
  dgram.createSocket('udp4').bind(0, '127.0.0.1', up);
  dgram.createSocket({ type: 'udp6', reuseAddr: true, ipv6Only: true }).bind({ port: 0, address: '::1' }, up);
  return;
}

const [testExe] = process.argv.slice(2);
const timer = setTimeout(() => { console.error('timeout'); process.exit(3); }, 30000);

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodeipc-shape-'));
  const env = { SOCK: path.join(dir, 's.sock'), NODE_MAJOR: process.versions.node.split('.')[0] };
  const seen = { node: [], go: [] };
  function fork(kind) {
    if (kind === 'go') {
      cluster.setupPrimary({ exec: 'helper', args: [], execArgv: [] });
      const saved = process.execPath;
      process.execPath = testExe;
      try {
        var w = cluster.fork({ ...env, NODEIPC_TEST_HELPER: 'cluster-query-shape' });
      } finally {
        process.execPath = saved;
      }
    } else {
      cluster.setupPrimary({ exec: __filename, args: [], execArgv: [] });
      w = cluster.fork(env);
    }
    w.process.on('internalMessage', (m) => {
      if (m.cmd === 'NODE_CLUSTER' && (m.act === 'queryServer' || m.act === 'listening')) {
        const { seq, ...rest } = m;
        seen[kind].push(JSON.stringify(rest));
      }
    });
    return new Promise((resolve) => w.on('message', (m) => { if (m && m.ready) resolve(w); }));
  }
  // One after the other: the second gets the first one's ports.
  const nodeWorker = await fork('node');
  const goWorker = await fork('go');
  const n = [...seen.node].sort();
  const g = [...seen.go].sort();
  console.log(n.join('\n'));
  assert.deepStrictEqual(g, n, 'the Go worker\'s messages differ from the Node worker\'s');
  for (const w of [nodeWorker, goWorker]) {
    const exited = new Promise((r) => w.once('exit', r));
    w.disconnect();
    assert.strictEqual(await exited, 0);
  }
  assert.ok(!fs.existsSync(env.SOCK), 'socket path left behind');
  fs.rmSync(dir, { recursive: true, force: true });
  clearTimeout(timer);
}

main().catch((err) => { console.error(err); process.exit(1); });
