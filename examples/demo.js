'use strict';
// Demo: a Node parent forks the Go worker (cmd/go-child) and talks to it with
// plain child.send() / child.on('message'), exactly as with a Node child.
//   node examples/demo.js /path/to/go-child
const { fork } = require('node:child_process');
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

messages().catch((err) => { console.error(err); process.exit(1); });
