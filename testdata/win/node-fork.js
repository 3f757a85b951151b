'use strict';
// Node parent ↔ Node child on Windows (run under wine by the wine suite): proves
// the Windows Node binaries, the prefix and the IPC pipe before any Go code is
// involved. The parent forks this script for each serialization, checks an
// echo (including a message above 64 KiB), hands the child a net.Server (with
// its own listener closed, so the OS cannot pick the parent) and a
// net.Socket, and expects the child to answer over both, then to exit 0
// after disconnect().
//   node node-fork.js            parent
//   node node-fork.js shared     parent and child accept on one server
//   node node-fork.js child      child
const { fork } = require('node:child_process');
const net = require('node:net');
const assert = require('node:assert');

if (process.argv[2] === 'child') {
  // Writes the reply, ends the socket and closes it once the end is sent.
  // end() alone keeps the socket, and so the child, alive until the peer's
  // EOF arrives; under wine a socket handed over from another process
  // sometimes never gets it (the parent has read the line and closed its
  // end, the child's copy waits on), and the parent, waiting for the child
  // to exit after disconnect(), hung.
  const reply = (sock, line) => sock.end(line, () => sock.destroy());
  let server;
  process.on('disconnect', () => server && server.close());
  process.on('message', (m, handle) => {
    if (m === 'server') {
      server = handle;
      handle.on('connection', (s) => reply(s, 'from-child-server\n'));
      process.send('server-received');
    } else if (m === 'socket') {
      reply(handle, 'from-child-socket\n');
      process.send('socket-received');
    } else {
      process.send({ echo: m });
    }
  });
} else {
  const once = (child) => new Promise((resolve) => child.once('message', resolve));
  // Reads one line. (Under wine the peer's end() of a socket it received
  // does not always reach this side as EOF, so lines, not EOF, end replies;
  // the other way round too, hence the child's reply().)
  const readAll = (sock) => new Promise((resolve, reject) => {
    let s = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => {
      s += d;
      if (s.endsWith('\n')) { resolve(s); sock.destroy(); }
    }).on('end', () => resolve(s)).on('error', reject);
  });
  async function run(serialization) {
    const child = fork(__filename, ['child'], { serialization });
    const big = 'x'.repeat(70000);
    for (const v of [{ n: 1, s: 'é中😀' }, [1, null, true], big]) {
      child.send(v);
      assert.deepStrictEqual(await once(child), { echo: v });
    }
    // A server, with the parent's own listener closed after the hand-off.
    const server = net.createServer();
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address();
    child.send("server", server);
    assert.strictEqual(await once(child), 'server-received');
    server.close();
    assert.strictEqual(await readAll(net.connect(port, '127.0.0.1')), 'from-child-server\n');
    // A connected socket: the child writes on it and ends it.
    const l = net.createServer();
    await new Promise((r) => l.listen(0, '127.0.0.1', r));
    const accepted = new Promise((r) => l.once('connection', r));
    const client = net.connect(l.address().port, '127.0.0.1');
    const reply = readAll(client);
    child.send("socket", await accepted);
    assert.strictEqual(await once(child), 'socket-received');
    assert.strictEqual(await reply, 'from-child-socket\n');
    l.close();
    child.disconnect();
    const code = await new Promise((r) => child.on('exit', r));
    assert.strictEqual(code, 0);
    console.log(`node-fork ${process.version} ${serialization}: ok`);
  }
  // shared: the parent keeps listening after sending the server, so both
  // processes accept on one socket; prints who answered how many of 200
  // connections (the system decides; the reference for the Go child's
  // shared-server scenario).
  async function shared() {
    const child = fork(__filename, ['child']);
    const server = net.createServer((s) => s.end('from-parent\n'));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address();
    child.send('server', server);
    assert.strictEqual(await once(child), 'server-received');
    const seen = {};
    for (let round = 0; round < 10; round++) {
      const got = await Promise.all(Array.from({ length: 20 }, () => readAll(net.connect(port, '127.0.0.1'))));
      for (const g of got) seen[g.trim()] = (seen[g.trim()] || 0) + 1;
    }
    console.log(`node-fork ${process.version} shared server, 200 connections:`, JSON.stringify(seen));
    assert.strictEqual((seen['from-parent'] || 0) + (seen['from-child-server'] || 0), 200);
    server.close();
    child.disconnect();
  }
  (async () => {
    if (process.argv[2] === 'shared') return shared();
    await run('json');
    await run('advanced');
  })().catch((e) => { console.error(e); process.exit(1); });
}
