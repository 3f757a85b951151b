'use strict';
// Node parent for the fault tests where Node forks a Go helper (the test
// binary with NODEIPC_TEST_HELPER=HELPER):
//   node fault-parent.js EXEC HELPER MODE
// Modes:
//   handle-no-ack  send a net.Server to the child, which exits without
//                  answering NODE_HANDLE_ACK; print what Node saw as one
//                  JSON line "observed: {...}" and exit 0 once the child
//                  has exited
//   grandchild     the child checks what its own child inherits and exits
//                  0 when it is clean; exit with the child's code
const { fork } = require('node:child_process');
const net = require('node:net');

const [exec, helper, mode] = process.argv.slice(2);
const child = fork('helper', [mode], {
  execPath: exec, execArgv: [], env: { ...process.env, NODEIPC_TEST_HELPER: helper },
});
const seen = { disconnect: false, exit: null, sendCallback: null, sendErrorEvent: null, laterSend: null };
child.on('disconnect', () => { seen.disconnect = true; });
child.on('error', (err) => { seen.sendErrorEvent = err.code || String(err); });

switch (mode) {
  case 'handle-no-ack': {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      child.send({ take: 'server' }, srv, (err) => { seen.sendCallback = err ? (err.code || String(err)) : 'ok'; });
      // Queued behind the unacknowledged handle.
      seen.sendReturn = child.send({ queued: 1 }, (err) => { seen.laterSend = err ? (err.code || String(err)) : 'ok'; });
    });
    child.on('exit', (code, signal) => {
      seen.exit = { code, signal };
      // Give 'disconnect' and callbacks a chance to fire.
      setTimeout(() => {
        seen.connected = child.connected;
        seen.channelNull = child.channel == null;
        console.log('observed: ' + JSON.stringify(seen));
        srv.close();
        process.exit(0);
      }, 500);
    });
    break;
  }
  case 'grandchild':
    child.on('exit', (code, signal) => {
      console.log(`grandchild check: child exit ${code} ${signal}`);
      process.exit(code === 0 ? 0 : 1);
    });
    break;
  default:
    console.error(`fault-parent.js: unknown mode ${mode}`);
    process.exit(2);
}
