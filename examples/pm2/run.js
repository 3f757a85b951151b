'use strict';
// pm2 (fork mode, a binary) with go-child:  node examples/pm2/run.js GO_CHILD
// The ecosystem entry below is what a pm2 user writes: `interpreter: 'none'`
// runs the binary itself, and pm2 gives it an IPC channel as fork() does.
//   wait_ready            go-child http --ready sends 'ready' once it serves
//   sendDataToProcessId   go-child echoes {type: 'process:msg', data, topic}
//                         back; pm2 publishes it on its bus as 'process:msg'
//   shutdown_with_message pm2 sends 'shutdown'; go-child finishes its
//                         requests and exits 0 (no SIGINT, no SIGKILL)
// pm2 runs in this process (no daemon) with its home in a temporary folder.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');

const goChild = process.argv[2];
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pm2-home-'));
process.env.PM2_HOME = home;
// pm2.killDaemon() may end the process itself: clean up on exit.
process.on('exit', () => fs.rmSync(home, { recursive: true, force: true }));
const pm2 = require('pm2');
const p = (f) => new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));

const app = {
  name: 'go-http',
  script: goChild,
  args: ['http', '--ready', 'served by go'],
  interpreter: 'none',
  exec_mode: 'fork',
  autorestart: false,
  wait_ready: true,
  listen_timeout: 20000, // a worker that never sends 'ready' takes this long
  shutdown_with_message: true,
  kill_timeout: 20000, // and one that ignores 'shutdown' this long
};

(async () => {
  await p((cb) => pm2.connect(true, cb));
  try {
    let t0 = Date.now();
    const [proc] = await p((cb) => pm2.start(app, cb));
    assert.ok(Date.now() - t0 < 10000, `wait_ready: started in ${Date.now() - t0} ms`);
    const id = proc.pm2_env.pm_id;
    assert.equal((await p((cb) => pm2.describe(id, cb)))[0].pm2_env.status, 'online');

    const bus = await p((cb) => pm2.launchBus(cb));
    const echoed = new Promise((resolve) => bus.on('process:msg', (packet) => {
      if (packet.process.pm_id === id) resolve(packet);
    }));
    await p((cb) => pm2.sendDataToProcessId(id, { type: 'process:msg', data: { hello: 'go' }, topic: 'greet' }, cb));
    const packet = await echoed;
    assert.deepEqual(packet.data, { hello: 'go' });
    assert.equal(packet.process.name, 'go-http');

    const { pid } = (await p((cb) => pm2.describe(id, cb)))[0];
    t0 = Date.now();
    await p((cb) => pm2.stop(id, cb));
    assert.ok(Date.now() - t0 < 10000, `shutdown_with_message: stopped in ${Date.now() - t0} ms`);
    const [after] = await p((cb) => pm2.describe(id, cb));
    assert.equal(after.pm2_env.status, 'stopped');
    assert.equal(after.pm2_env.exit_code, 0, 'go-child exit code');
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the Go process is gone');
    await p((cb) => pm2.delete(id, cb));
    console.log('pm2 recipe: ok');
  } finally {
    await p((cb) => pm2.killDaemon(cb)).catch(() => {});
    pm2.disconnect();
  }
  process.exit(0);
})().catch((err) => { console.error(err); process.exit(1); });
