'use strict';
// Socket hand-off benchmark: a Node parent accepts TCP connections with
// pauseOnConnect and sends each to its child, which writes a reply and closes
// it. The child is either the Go worker (`go-child serve ok`) or a Node child
// doing the same work (node-child.js); the parent is the same Node either way.
// The client load runs in its own process (dialer/, 16 concurrent dialers).
// Runs alternate between the two children; the summary gives the median
// conns/s of each and the ratio Go/Node.
//
//   node bench/handoff/parent.js GO_CHILD DIALER [CONNS=5000] [RUNS=3]
const { fork, spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

const [goChild, dialer, connsArg, runsArg] = process.argv.slice(2);
if (!goChild || !dialer) {
  console.error('usage: node parent.js GO_CHILD DIALER [CONNS] [RUNS]');
  process.exit(2);
}
const conns = Number(connsArg || 5000);
const runs = Number(runsArg || 3);
const TEXT = 'ok';

function forkChild(kind) {
  if (kind === 'go') return fork('serve', [TEXT], { execPath: goChild, execArgv: [] });
  return fork(path.join(__dirname, 'node-child.js'), [TEXT]);
}

async function once(kind) {
  const child = forkChild(kind);
  // Ready when the child echoes a message.
  await new Promise((resolve) => { child.once('message', resolve); child.send('ready'); });
  const server = net.createServer({ pauseOnConnect: true }, (s) => child.send('socket', s));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const out = await new Promise((resolve, reject) => {
    const d = spawn(dialer, [`127.0.0.1:${server.address().port}`, String(conns)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    d.stdout.on('data', (x) => { s += x; });
    d.on('exit', (code) => (code === 0 ? resolve(s) : reject(new Error(`dialer exited with ${code}`))));
  });
  server.close();
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.disconnect();
  await exited;
  return parseFloat(out);
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

async function main() {
  console.log(`node ${process.version}, ${conns} connections per run, ${runs} interleaved runs`);
  const res = { go: [], node: [] };
  for (let r = 0; r < runs; r++) {
    for (const kind of r % 2 ? ['node', 'go'] : ['go', 'node']) {
      const v = await once(kind);
      res[kind].push(v);
      console.log(`run ${r + 1} ${kind}-child ${v.toFixed(0)} conns/s`);
    }
  }
  const g = median(res.go);
  const n = median(res.node);
  console.log(`go-child   median ${g.toFixed(0)} conns/s (${res.go.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`node-child median ${n.toFixed(0)} conns/s (${res.node.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`ratio go/node ${(g / n).toFixed(2)}x`);
}

main().catch((e) => { console.error(e); process.exit(1); });
