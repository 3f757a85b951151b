'use strict';
// node log.js MODE TAP LOG CHILD...: forks CHILD echo through the tap in
// serialization MODE, sends four messages and a socket, checks the echoes,
// closes the server (a socket-list exchange), disconnects and expects exit
// code 0.
const { fork } = require('node:child_process');
const net = require('node:net');
const assert = require('node:assert');

const [mode, tap, log, ...child] = process.argv.slice(2);
const c = fork('echo', [], {
  execPath: tap,
  execArgv: ['--log', log, '--format', 'jsonl', '--max', '64', '--', ...child],
  serialization: mode,
});
const msgs = mode === 'advanced'
  ? [{ a: 1 }, new Date(0), new Map([[1, 'x']]), 'y'.repeat(100)]
  : [{ a: 1 }, 'x', [1, 2], 'y'.repeat(100)];
const got = [];
c.on('message', (m) => {
  got.push(m);
  if (got.length === msgs.length) {
    assert.deepStrictEqual(got, msgs);
    handOff();
  } else if (got.length > msgs.length) {
    assert.deepStrictEqual(m, { h: 1 });
  }
});
c.on('exit', (code, signal) => {
  assert.strictEqual(code, 0);
  assert.strictEqual(signal, null);
  console.log('ok');
  process.exit(0);
});
for (const m of msgs) c.send(m);

function handOff() {
  const srv = net.createServer({ pauseOnConnect: true }, (sock) => {
    // server.close() waits for the child to close the socket it holds
    // (NODE_SOCKET_NOTIFY_CLOSE, NODE_SOCKET_ALL_CLOSED); then disconnect.
    c.send({ h: 1 }, sock, (err) => { assert.ifError(err); srv.close(() => c.disconnect()); });
  }).listen(0, '127.0.0.1', () => net.connect(srv.address().port, '127.0.0.1').on('error', () => {}));
}
