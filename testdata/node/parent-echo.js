'use strict';
// Node parent ↔ echo child. Forks EXEC (the go-child binary, a Node script,
// or the Go test binary as a helper) and checks that everything comes back
// as sent, in order:
//   node parent-echo.js EXEC [--serialization=json|advanced] [--spawn]
//        [--env=K=V ...] [--skip=big] MODE [ARGS...]
// With --spawn the child is started with spawn() and an 'ipc' stdio slot
// instead of fork().
const { fork, spawn } = require('node:child_process');
const assert = require('node:assert');
const { json } = require('./values');

const argv = process.argv.slice(2);
const exec = argv.shift();
let serialization = 'json';
let useSpawn = false;
const env = { ...process.env };
const skip = new Set();
while (argv.length && argv[0].startsWith('--')) {
  const a = argv.shift();
  if (a.startsWith('--serialization=')) serialization = a.slice(16);
  else if (a === '--spawn') useSpawn = true;
  else if (a.startsWith('--env=')) { const [k, ...v] = a.slice(6).split('='); env[k] = v.join('='); }
  else if (a.startsWith('--skip=')) skip.add(a.slice(7));
  else throw new Error(`unknown option ${a}`);
}
const values = serialization === 'advanced' ? require('./values-advanced').advanced : json;

let child;
if (useSpawn) {
  child = spawn(exec, argv, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], serialization, env });
} else if (exec.endsWith('.js')) {
  child = fork(exec, argv, { serialization, env });
} else {
  child = fork(argv[0], argv.slice(1), { execPath: exec, execArgv: [], serialization, env });
}

const inbox = [];
let waiter = null;
child.on('message', (m) => {
  inbox.push(m);
  if (waiter && inbox.length >= waiter.n) { const w = waiter; waiter = null; w.resolve(); }
});
function receive(n, what) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}: have ${inbox.length} of ${n}`)), 60000);
    const done = () => { clearTimeout(t); resolve(inbox.splice(0, n)); };
    if (inbox.length >= n) return done();
    waiter = { n, resolve: done };
  });
}
let disconnected = false;
child.on('disconnect', () => { disconnected = true; });
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

async function main() {
  // 1. Every value of the table, sent back to back, comes back deep-equal.
  for (const v of values) child.send(v);
  const got = await receive(values.length, 'table');
  for (let i = 0; i < values.length; i++) assert.deepStrictEqual(got[i], values[i], `value #${i}`);

  // 2. 20,000 back-to-back sends come back complete and in order.
  const N = 20000;
  for (let i = 0; i < N; i++) child.send({ seq: i, p: 'sixteen bytes!!!' });
  const seqs = await receive(N, 'burst');
  for (let i = 0; i < N; i++) assert.strictEqual(seqs[i].seq, i, `burst message ${i}`);

  // 3. A 16 MiB message, both ways.
  if (!skip.has('big')) {
    const big = 'é'.repeat(8 << 20); // 16 MiB of UTF-8
    child.send({ big });
    const [back] = await receive(1, 'big');
    assert.strictEqual(back.big.length, big.length);
    assert.ok(back.big === big, 'big message differs');
  }

  // 4. Disconnect from this side: the child sees EOF and exits 0.
  child.disconnect();
  const { code, signal } = await exited;
  assert.ok(disconnected, "'disconnect' did not fire");
  assert.strictEqual(signal, null);
  assert.strictEqual(code, 0, 'child exit code');
  console.log(`parent-echo ok: ${values.length} values, ${N} in order, mode ${serialization}, node ${process.version}`);
}

main().catch((err) => { console.error(err); child.kill(); process.exit(1); });
