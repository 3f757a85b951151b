'use strict';
// Demo: a Node parent forks the Go worker (cmd/go-child) and talks to it with
// plain child.send() / child.on('message'), exactly as with a Node child, then
// hands it a TCP connection, as Node's docs do with subprocess.send(msg, socket).
//   node examples/demo.js /path/to/go-child
const { fork } = require('node:child_process');
const net = require('node:net');
const assert = require('node:assert');

const goChild = process.argv[2];
if (!goChild) {
  console.error('usage: node examples/demo.js /path/to/go-child');
  process.exit(2);
}

async function messages() {
  const child = fork('echo', [], { execPath: goChild, execArgv: [] });
  const replies = [];
  const sent = [{ hello: 'from Node' }, 'a string', 42, [1, 2, 3], { nested: { emoji: '😀' } }];
  await new Promise((resolve) => {
    child.on('message', (m) => {
      replies.push(m);
      console.log('node <- go:', JSON.stringify(m));
      if (replies.length === sent.length) resolve();
    });
    for (const m of sent) {
      console.log('node -> go:', JSON.stringify(m));
      child.send(m);
    }
  });
  assert.deepStrictEqual(replies, sent);
  child.disconnect();
  const code = await new Promise((resolve) => child.on('exit', resolve));
  console.log(`go child exited with code ${code} after the channel closed`);
}

async function socket() {
  const text = 'Request handled with normal priority';
  const child = fork('serve', [text], { execPath: goChild, execArgv: [] });
  // The server pauses each connection and hands it to the Go child, which
  // writes its text and closes it.
  const server = net.createServer({ pauseOnConnect: true }, (s) => {
    console.log('node -> go: a socket from', `${s.remoteAddress}:${s.remotePort}`);
    child.send('socket', s);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const reply = await new Promise((resolve, reject) => {
    const client = net.connect(server.address().port, '127.0.0.1');
    let got = '';
    client.setEncoding('utf8');
    client.on('data', (d) => { got += d; });
    client.on('error', reject);
    client.on('close', () => resolve(got));
  });
  console.log('client read:', JSON.stringify(reply));
  assert.strictEqual(reply, text);
  await new Promise((resolve) => server.close(resolve)); // the Go child closed it
  child.disconnect();
  const code = await new Promise((resolve) => child.on('exit', resolve));
  console.log(`go child exited with code ${code} after the channel closed`);
}

messages().then(socket).catch((err) => { console.error(err); process.exit(1); });
