// execa 9 with a Go subprocess: node examples/execa/run.mjs WORKER
// WORKER is the binary built from examples/execa/worker.
import { execa } from 'execa';
import assert from 'node:assert/strict';

const worker = process.argv[2];

{
  const sub = execa(worker, [], { ipc: true });
  // Plain messages: sendMessage / getOneMessage.
  await sub.sendMessage({ op: 'square', n: 7 });
  assert.deepEqual(await sub.getOneMessage(), { square: 49 });

  // Strict mode: sendMessage resolves once the Go side acknowledged it
  // (execa:ipc:request / execa:ipc:response).
  const reply = sub.getOneMessage();
  await sub.sendMessage({ op: 'square', n: 8 }, { strict: true });
  assert.deepEqual(await reply, { square: 64 });
  await sub.sendMessage({ op: 'ping' }, { strict: true });
  assert.equal(await sub.getOneMessage(), 'pong');

  // getEachMessage. Leaving the loop disconnects (execa's rule): the Go side
  // exits 0.
  for (let n = 1; n <= 3; n++) await sub.sendMessage({ op: 'square', n });
  const got = [];
  for await (const m of sub.getEachMessage()) {
    got.push(m);
    if (got.length === 3) break;
  }
  assert.deepEqual(got, [{ square: 1 }, { square: 4 }, { square: 9 }]);
  const result = await sub;
  assert.equal(result.exitCode, 0);
}

{
  // gracefulCancel: aborting sends execa:ipc:cancel; the Go side exits 0.
  const controller = new AbortController();
  const sub = execa(worker, [], { ipc: true, cancelSignal: controller.signal, gracefulCancel: true });
  await sub.sendMessage({ op: 'ping' });
  assert.equal(await sub.getOneMessage(), 'pong');
  controller.abort('enough');
  const err = await sub.then(() => null, (e) => e);
  assert.ok(err, 'a canceled subprocess rejects');
  assert.equal(err.isGracefullyCanceled, true, String(err));
  assert.equal(err.exitCode, 0, String(err));
  assert.match(err.stderr, /canceled/);
}
console.log('execa recipe: ok');
