'use strict';
// node examples/http/run.js HTTP: a Node server hands every connection to
// the Go worker built from examples/http, clients keep them alive, and
// server.close() completes at once; the worker exits 0 on disconnect.
const { fork } = require('node:child_process');
const http = require('node:http');
const net = require('node:net');
const assert = require('node:assert/strict');

const child = fork('http', [], { execPath: process.argv[2], execArgv: [] });
const server = net.createServer({ pauseOnConnect: true }, (socket) => child.send('socket', socket));

function get(port, agent, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, agent, path }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

server.listen(0, '127.0.0.1', async () => {
  try {
    const agent = new http.Agent({ keepAlive: true });
    const bodies = await Promise.all(['/a', '/b', '/c'].map((p) => get(server.address().port, agent, p)));
    assert.deepEqual(bodies, ['hello from Go, /a\n', 'hello from Go, /b\n', 'hello from Go, /c\n']);
    await new Promise((resolve) => server.close(resolve)); // the Go side lets the idle connections go
    agent.destroy();
    child.on('exit', (code) => {
      assert.equal(code, 0);
      console.log('http: ok');
    });
    child.disconnect();
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
});
