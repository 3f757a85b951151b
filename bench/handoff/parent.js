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

const [goArg, dialer, connsArg, runsArg, floorChild] = process.argv.slice(2);
if (!goArg || !dialer) {
  console.error('usage: node parent.js GO_CHILD DIALER [CONNS] [RUNS] [FLOOR_CHILD]');
  process.exit(2);
}
const conns = Number(connsArg || 5000);
const runs = Number(runsArg || 3);
const TEXT = 'ok';

const exes = {}; // kind → executable
for (const g of goArg.split(',')) {
  const i = g.indexOf('=');
  if (i < 0) exes.go = g; else exes[`go:${g.slice(0, i)}`] = g.slice(i + 1);
}
if (floorChild) exes.floor = floorChild;
const kinds = ['node', ...Object.keys(exes)];

function forkChild(kind) {
  if (kind === 'node') return fork(path.join(__dirname, 'node-child.js'), [TEXT]);
  return fork('serve', [TEXT], { execPath: exes[kind], execArgv: [] });
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
  const res = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[(i + r) % kinds.length];
      const v = await once(kind);
      res[kind].push(v);
      console.log(`run ${r + 1} ${kind}-child ${v.toFixed(0)} conns/s`);
    }
  }
  const med = Object.fromEntries(kinds.map((k) => [k, median(res[k])]));
  for (const k of kinds) {
    console.log(`${(k + '-child').padEnd(12)} median ${med[k].toFixed(0)} conns/s (${res[k].map((x) => x.toFixed(0)).join(', ')})`);
  }
  for (const k of kinds.filter((x) => x.startsWith('go'))) {
    let line = `ratio ${k}/node ${(med[k] / med.node).toFixed(2)}x`;
    if (med.floor) line += `, ${k}/floor ${(med[k] / med.floor).toFixed(2)}x`;
    console.log(line);
  }
  if (med.floor) console.log(`ratio floor/node ${(med.floor / med.node).toFixed(2)}x`);
}

main().catch((e) => { console.error(e); process.exit(1); });
