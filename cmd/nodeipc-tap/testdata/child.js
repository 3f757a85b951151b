'use strict';
// The Node child of lifecycle.js: node child.js SCENARIO.
switch (process.argv[2]) {
  case 'exit-7':
    process.exit(7);
    break;
  case 'self-signal':
    process.kill(process.pid, 'SIGTERM');
    break;
  case 'forward':
    process.on('message', () => {}); // keeps the channel, and the process, alive
    process.on('SIGUSR2', () => process.send('got SIGUSR2', () => process.exit(5)));
    process.send('ready');
    break;
  case 'parent-dies': // echo; Node exits once the channel is gone
    process.on('message', (m) => process.send(m));
    break;
  default:
    throw new Error('unknown scenario ' + process.argv[2]);
}
