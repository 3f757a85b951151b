'use strict';
// Node parent for a Go child that drives the conversation (helper "go-sends"):
//   node parent-reflect.js EXEC HELPER
// Every message is answered with JSON.stringify(message), except the burst
// ({seq}) which is checked for order and answered once, and {bye: n}, after
// which the Go side disconnects. The script checks that 'disconnect' fires
// after everything arrived and that the child exits 0.
const { fork } = require('node:child_process');
const assert = require('node:assert');

const [exec, helper] = process.argv.slice(2);
const child = fork('helper', [], {
  execPath: exec, execArgv: [], env: { ...process.env, NODEIPC_TEST_HELPER: helper },
});
let received = 0;
let nextSeq = 0;
let bye = null;
child.on('message', (m) => {
  received++;
  if (m && typeof m === 'object' && 'seq' in m) {
    assert.strictEqual(m.seq, nextSeq, 'burst order');
    nextSeq++;
    if (nextSeq === m.n) child.send({ burstOK: nextSeq });
    return;
  }
  if (m && typeof m === 'object' && 'big' in m) {
    child.send({ bigLen: m.big.length, same: m.big === '€'.repeat(m.big.length) });
    return;
  }
  if (m && typeof m === 'object' && 'bye' in m) {
    bye = m.bye;
    return;
  }
  child.send(JSON.stringify(m));
});
child.on('disconnect', () => {
  try {
    assert.notStrictEqual(bye, null, "'disconnect' before the last message");
    assert.strictEqual(received, bye, 'messages received before disconnect');
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  }
});
child.on('exit', (code, signal) => {
  if (code !== 0) {
    console.error(`child exited with ${code} ${signal}`);
    process.exitCode = 1;
    return;
  }
  if (bye === null) process.exitCode = 1;
  else console.log(`parent-reflect ok: ${received} messages, node ${process.version}`);
});
