'use strict';
// node lifecycle.js SCENARIO TAP LOG CHILD...: one lifecycle case through
// the tap; prints "ok" when the parent saw what it expects.
const { fork } = require('node:child_process');
const net = require('node:net');
const assert = require('node:assert');

const [scenario, tap, log, ...child] = process.argv.slice(2);
const c = fork(scenario, [], { execPath: tap, execArgv: ['--log', log, '--format', 'jsonl', '--', ...child] });
const expectExit = (want) => c.on('exit', (code, signal) => {
  assert.deepStrictEqual({ code, signal }, want);
  console.log('ok');
  process.exit(0);
});

switch (scenario) {
  case 'exit-7': // the child's exit status comes through
    expectExit({ code: 7, signal: null });
    break;
  case 'self-signal': // a child killed by SIGTERM: the tap exits 128+15
    expectExit({ code: 143, signal: null });
    break;
  case 'forward': { // a signal sent to the tap reaches the child
    c.on('message', (m) => {
      if (m === 'ready') c.kill('SIGUSR2');
      else assert.strictEqual(m, 'got SIGUSR2');
    });
    expectExit({ code: 5, signal: null });
    break;
  }
  case 'handle-in-flight': { // the child dies before answering a handle
    const srv = net.createServer({ pauseOnConnect: true }, (sock) => {
      c.send({ h: 1 }, sock);
    }).listen(0, '127.0.0.1', () => net.connect(srv.address().port, '127.0.0.1').on('error', () => {}));
    expectExit({ code: 9, signal: null });
    break;
  }
  case 'parent-dies': { // the parent is killed: the tap and the child end
    c.on('message', () => {
      console.log(c.pid);
      process.kill(process.pid, 'SIGKILL');
    });
    c.send('hello');
    break;
  }
  default:
    throw new Error('unknown scenario ' + scenario);
}
