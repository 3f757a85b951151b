'use strict';
// A Node child for a Go parent (nodeipc.Start). Behaviour by argv[2]:
//   echo              send every message back
//   early N           send N messages {early: i} at once, attach the
//                     'message' listener only after 300 ms, then echo
//   late              attach the listener after 300 ms, then echo (the
//                     parent sends before anybody listens)
//   count             count messages without answering
//   reflect           answer every message with JSON.stringify(message)
//   disconnect-after N
//                     echo N messages, then process.disconnect()
//   exit-after N      echo N messages, then process.exit(3)
// On 'disconnect' it prints "child: disconnect after K messages" and exits 0
// (the parent checks the count it received).
const mode = process.argv[2];
const n = Number(process.argv[3] || 0);
let count = 0;

function echo(m) {
  count++;
  process.send(m);
  if (mode === 'disconnect-after' && count === n) process.disconnect();
  if (mode === 'exit-after' && count === n) process.exit(3);
}

process.on('disconnect', () => {
  console.log(`child: disconnect after ${count} messages`);
  process.exit(0);
});

switch (mode) {
  case 'echo':
  case 'disconnect-after':
  case 'exit-after':
    process.on('message', echo);
    break;
  case 'count':
    process.on('message', () => { count++; });
    break;
  case 'reflect':
    process.on('message', (m) => process.send(JSON.stringify(m)));
    break;
  case 'early':
    for (let i = 0; i < n; i++) process.send({ early: i });
    setTimeout(() => process.on('message', echo), 300);
    break;
  case 'late':
    setTimeout(() => process.on('message', echo), 300);
    break;
  default:
    console.error(`child.js: unknown mode ${mode}`);
    process.exit(2);
}
