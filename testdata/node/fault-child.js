'use strict';
// A Node child for the fault tests (compat_fault_test.go); a Go parent
// starts it with nodeipc.Start. Behaviour by argv[2]:
//   partial     send {"n":1} and {"n":2}, then write the first bytes of a
//               third frame straight to the channel fd and print
//               "partial-written" on stdout; then wait to be killed
//   idle        send {"ready":1}, then wait (the parent stops and kills it)
//   big-exit    send {"before":1}, then a 32 MiB message, and exit at once:
//               process.exit() drops the part of the frame libuv has not
//               written yet
const fs = require('node:fs');

const mode = process.argv[2];
const keepAlive = setInterval(() => {}, 1 << 30);
process.on('message', () => {});

switch (mode) {
  case 'partial':
    process.send({ n: 1 });
    process.send({ n: 2 }, () => {
      // Both frames are written; now half a frame, bypassing send().
      fs.writeSync(process.channel.fd, '{"n":3,"half":"abc');
      console.log('partial-written');
    });
    break;
  case 'idle':
    process.send({ ready: 1 });
    break;
  case 'big-exit':
    process.send({ before: 1 }, () => {
      process.send({ big: 'x'.repeat(32 << 20) });
      process.exit(0);
    });
    break;
  default:
    console.error(`fault-child.js: unknown mode ${mode}`);
    clearInterval(keepAlive);
    process.exit(2);
}
