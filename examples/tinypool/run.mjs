// tinypool with Go workers: node examples/tinypool/run.mjs WORKER
// WORKER is the binary built from examples/tinypool/worker. With runtime
// 'child_process' tinypool forks its entry script with process.execPath
// and has no execPath option: so process.execPath points at the Go binary
// for the pool's whole life (tinypool starts workers again later, as throng
// does), and execArgv is empty (Node's flags mean nothing to a Go binary).
import { Tinypool } from 'tinypool';
import assert from 'node:assert/strict';

const goWorker = process.argv[2];

try {
  const nodePath = process.execPath;
  process.execPath = goWorker;
  const pool = new Tinypool({
    runtime: 'child_process',
    filename: import.meta.url, // names the worker; the Go binary ignores it
    minThreads: 2,
    maxThreads: 2,
    execArgv: [],
  });
  assert.deepEqual(await pool.run({ hello: 'go', list: [1, 'two', null] }), { hello: 'go', list: [1, 'two', null] });
  assert.equal(await pool.run({ a: 2, b: 3 }, { name: 'add' }), 5);
  const sums = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run([i, i, 1], { name: 'sum' })));
  assert.deepEqual(sums, Array.from({ length: 20 }, (_, i) => 2 * i + 1));
  // With runtime 'child_process' tinypool rejects with the error as the
  // worker serialized it ({name, message, stack}), for a Node worker too.
  await assert.rejects(pool.run('x', { name: 'add' }), { name: 'Error', message: 'add takes {a, b} numbers' });
  await assert.rejects(pool.run(1, { name: 'nope' }), (e) => /no handler function "nope"/.test(e.message));
  assert.equal(pool.threads.length, 2);
  const exits = pool.threads.map((w) => new Promise((resolve) => w.process.on('exit', (code, signal) => resolve([code, signal]))));
  await pool.destroy(); // SIGTERM: the Go workers shut down and exit 0
  assert.deepEqual(await Promise.all(exits), [[0, null], [0, null]]);
  process.execPath = nodePath;
  console.log('tinypool recipe: ok');
} catch (err) {
  console.error(err);
  process.exit(1);
}
