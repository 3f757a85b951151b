'use strict';
// node http-parent.js WORKER: a Node server hands every connection to the Go
// worker (the test binary in its "http" mode, worker.ServeHTTP), clients
// keep their connections alive, and server.close() must complete while they
// are still open, as with Node's own cluster; then 'shutdown' stops the
// worker, which exits 0.
const { fork } = require('node:child_process');
const http = require('node:http');
const net = require('node:net');
const assert = require('node:assert/strict');

const [exe] = process.argv.slice(2);
const child = fork('http', [], {
  execPath: exe, execArgv: [],
  env: { ...process.env, NODEIPC_WORKER_TEST: 'http' },
});

function get(port, agent, path = '/') {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, agent, path }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ body, headers: res.headers }));
    }).on('error', reject);
  });
}

(async () => {
  const server = net.createServer({ pauseOnConnect: true }, (socket) => child.send({ via: 'socket' }, socket));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => get(port, agent, '/' + i)));
  rs.forEach((r, i) => {
    assert.equal(r.body, 'go /' + i);
    assert.equal(r.headers['x-message'], 'socket');
  });
  // Plain messages still reach the worker's handler: it answers them.
  const pong = new Promise((r) => child.once('message', r));
  child.send('ping');
  assert.equal(await pong, 'pong');
  // The keep-alive connections are idle in the worker; server.close() waits
  // for them (NODE_SOCKET_NOTIFY_CLOSE) and the worker closes them.
  const watchdog = setTimeout(() => { console.error('server.close() did not complete'); process.exit(1); }, 15000);
  await new Promise((r) => server.close(r));
  clearTimeout(watchdog);
  agent.destroy();
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  child.send('shutdown');
  assert.equal(await exited, 0);
  console.log('http-parent: ok');
})().catch((err) => { console.error(err); process.exit(1); });
