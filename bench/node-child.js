// Node child for the IPC benchmark. Mode "echo" sends every message back;
// mode "sink" counts messages and answers {count} to {end: true}, then
// starts counting again. cmd/go-child implements the same two modes, so a
// parent drives both children identically. Built-ins only.
'use strict';
const mode = process.argv[2] || 'echo';
let count = 0;
process.on('message', (m) => {
  if (mode === 'echo') { process.send(m); return; }
  if (m !== null && typeof m === 'object' && m.end) { process.send({ count }); count = 0; } else count++;
});
