'use strict';
// Socket hand-off benchmark: a Node parent accepts TCP connections with
// pauseOnConnect and sends each to its child, which writes a reply and closes
// it. The child is either the Go worker (`go-child serve ok`, which takes
// each socket as a net.Conn from Message.Handle, the path a user writes), a
// Node child doing the same work (node-child.js), or the floor child
// (blocking C); the parent is the same Node either way. The client load
// runs in its own process (dialer/, 16 concurrent dialers).
//
// Runs rotate between the children and, within every run, between the
// conditions: idle (nothing added), loaded (--load=N processes that only
// burn CPU, ended by pid after the stretch) and one CPU (--pin=CPU: this
// parent and its children pinned to that CPU with taskset; the dialer is
// not pinned: clients are elsewhere). Each run also takes the child's CPU
// time per connection (all threads, /proc/<pid>/task/*/schedstat). With
// --strace every child serves one more run under `strace -f -c` (idle),
// minus a run that serves nothing: system calls per connection.
//
//   node bench/handoff/parent.js GO_CHILD DIALER [CONNS=5000] [RUNS=3] [FLOOR_CHILD]
//        [--load=N] [--pin=CPU] [--strace]
const { execFileSync, fork, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const argv = process.argv.slice(2);
const flags = Object.fromEntries(argv.filter((a) => a.startsWith('--')).map((a) => {
  const [k, ...v] = a.slice(2).split('=');
  return [k, v.length ? v.join('=') : 'true'];
}));
const [goArg, dialer, connsArg, runsArg, floorChild] = argv.filter((a) => !a.startsWith('--'));
if (!goArg || !dialer) {
  console.error('usage: node parent.js GO_CHILD DIALER [CONNS] [RUNS] [FLOOR_CHILD] [--load=N] [--pin=CPU] [--strace]');
  process.exit(2);
}
const conns = Number(connsArg || 5000);
const runs = Number(runsArg || 3);
const load = Number(flags.load || 0);
const pin = flags.pin;
const TEXT = 'ok';

const exes = {}; // kind → executable
for (const g of goArg.split(',')) {
  const i = g.indexOf('=');
  if (i < 0) exes.go = g; else exes[`go:${g.slice(0, i)}`] = g.slice(i + 1);
}
if (floorChild) exes.floor = floorChild;
const kinds = ['node', ...Object.keys(exes)];
const conditions = ['idle', ...(load > 0 ? ['loaded'] : []), ...(pin !== undefined ? ['pinned'] : [])];
const condNames = { idle: 'idle', loaded: `loaded (${load} busy process${load === 1 ? '' : 'es'})`, pinned: `one CPU (taskset -c ${pin})` };

let hogs = [];
function startLoad() {
  for (let i = 0; i < load; i++) hogs.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
}
function stopLoad() {
  for (const h of hogs) { try { process.kill(h.pid, 'SIGKILL'); } catch { /* gone */ } }
  hogs = [];
}
process.on('exit', stopLoad);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stopLoad(); process.exit(130); });
// Pins (or unpins) every thread of this process; children forked
// meanwhile inherit it.
function pinSelf(cpus) {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

function cpuMs(pid) {
  try {
    let ns = 0;
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) ns += +fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0];
    return ns / 1e6;
  } catch { return 0; }
}

function forkChild(kind, strace) {
  const st = strace ? ['-f', '-c', '-o', strace] : null;
  if (kind === 'node') {
    return fork(path.join(__dirname, 'node-child.js'), [TEXT], st ? { execPath: 'strace', execArgv: [...st, process.execPath] } : {});
  }
  return fork('serve', [TEXT], st ? { execPath: 'strace', execArgv: [...st, exes[kind]] } : { execPath: exes[kind], execArgv: [] });
}

// once runs one child through n connections (none: start and stop only)
// and returns conns/s and the child's CPU µs per connection.
async function once(kind, n, strace) {
  const child = forkChild(kind, strace);
  // Ready when the child echoes a message.
  await new Promise((resolve) => { child.once('message', resolve); child.send('ready'); });
  let rate = 0;
  let cpu = 0;
  if (n > 0) {
    const server = net.createServer({ pauseOnConnect: true }, (s) => child.send('socket', s));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const cpu0 = cpuMs(child.pid);
    const out = await new Promise((resolve, reject) => {
      const d = spawn(dialer, [`127.0.0.1:${server.address().port}`, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let s = '';
      d.stdout.on('data', (x) => { s += x; });
      d.on('exit', (code) => (code === 0 ? resolve(s) : reject(new Error(`dialer exited with ${code}`))));
    });
    cpu = (cpuMs(child.pid) - cpu0) * 1e3 / n;
    rate = parseFloat(out);
    server.close();
  }
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.disconnect();
  await exited;
  return { rate, cpu };
}

function parseStrace(file) {
  const calls = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || !/^[0-9.]+$/.test(f[0]) || f[f.length - 1] === 'total') continue;
    const v = +f[3];
    if (Number.isFinite(v)) calls[f[f.length - 1]] = (calls[f[f.length - 1]] || 0) + v;
  }
  return calls;
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

async function main() {
  console.log(`node ${process.version}, ${conns} connections per run, ${runs} interleaved runs, ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, conditions: ${conditions.map((c) => condNames[c]).join(', ')}`);
  const res = {}; // condition → kind → [{rate, cpu}]
  const all = os.cpus().map((_, i) => i).join(',');
  for (let r = 0; r < runs; r++) {
    for (const c of conditions) {
      if (c === 'loaded') startLoad();
      if (c === 'pinned') pinSelf(String(pin));
      try {
        for (let i = 0; i < kinds.length; i++) {
          const kind = kinds[(i + r) % kinds.length];
          const v = await once(kind, conns);
          ((res[c] ||= {})[kind] ||= []).push(v);
          console.log(`run ${r + 1} ${c} ${kind}-child ${v.rate.toFixed(0)} conns/s, child CPU ${v.cpu.toFixed(1)} µs/conn`);
        }
      } finally {
        if (c === 'pinned') pinSelf(all);
        if (c === 'loaded') stopLoad();
      }
    }
  }
  console.log('');
  console.log(`| child | ${conditions.map((c) => `${condNames[c]}: conns/s (of floor, of Node) | CPU µs/conn`).join(' | ')} |`);
  console.log(`|---|${conditions.map(() => '---|---').join('|')}|`);
  for (const k of kinds) {
    console.log(`| ${k} | ${conditions.map((c) => {
      const rate = median(res[c][k].map((x) => x.rate));
      const cpu = median(res[c][k].map((x) => x.cpu));
      const fl = res[c].floor ? median(res[c].floor.map((x) => x.rate)) : 0;
      const nd = median(res[c].node.map((x) => x.rate));
      const rel = [fl && k !== 'floor' ? `${(rate / fl).toFixed(2)} of floor` : '', k !== 'node' ? `${(rate / nd).toFixed(2)}× Node` : ''].filter(Boolean).join(', ');
      return `${rate.toFixed(0)}${rel ? ` (${rel})` : ''} | ${cpu.toFixed(1)}`;
    }).join(' | ')} |`);
  }
  console.log(`(runs: ${conditions.map((c) => `${c}: ${kinds.map((k) => `${k} ${res[c][k].map((x) => x.rate.toFixed(0)).join('/')}`).join(', ')}`).join('; ')})`);
  if (flags.strace === 'true') {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-strace-'));
    console.log('');
    console.log(`System calls per connection of the child (strace -f -c, idle, ${conns} connections, minus a run that serves none):`);
    for (const k of kinds) {
      await once(k, 0, path.join(tmp, 'base.txt'));
      await once(k, conns, path.join(tmp, 'run.txt'));
      const base = parseStrace(path.join(tmp, 'base.txt'));
      const run = parseStrace(path.join(tmp, 'run.txt'));
      const per = Object.entries(run).map(([s, v]) => [s, Math.max(0, v - (base[s] || 0)) / conns]).filter(([, v]) => v >= 0.01).sort((a, b) => b[1] - a[1]);
      const total = per.reduce((a, [, v]) => a + v, 0);
      console.log(`- ${k}: **${total.toFixed(2)}**: ${per.map(([s, v]) => `${s} ${v.toFixed(2)}`).join(', ')}`);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
