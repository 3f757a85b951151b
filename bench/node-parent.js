// Node parent for the IPC benchmark: forks one child, runs one workload,
// prints one JSON line. bench/driver is the Go parent with the same
// workloads and output. Usage:
//   node node-parent.js --child=node|/path/to/go-child --test=startup|pingpong|stream|pipeline
//                       [--n=N] [--size=BYTES] [--serialization=json|advanced]
//                       [--window=256] [--strace=FILE]
// The child speaks bench/node-child.js's protocol: mode echo or sink.
// pipeline: --window messages in flight to the echo child for --n ms (the
// shape of Node's benchmark/child_process/child-process-ipc-roundtrip.js);
// each reply is answered with a new message until the time is up.
// --strace=FILE runs the child under `strace -f -c -o FILE` (system call
// counts of the child, all threads).
'use strict';
const { fork } = require('child_process');
const fs = require('fs');
const path = require('path');

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const test = args.test || 'pingpong';
const n = +(args.n || 10000);
const size = +(args.size || 16);
const serialization = args.serialization || 'json';
const mode = test === 'stream' ? 'sink' : 'echo';
const window = +(args.window || 256);
const payload = 'x'.repeat(size);

function hwmKB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? +m[1] : 0;
  } catch { return 0; }
}

// CPU time the child has used so far (all threads), in ms, from schedstat.
function cpuMs(pid) {
  try {
    let ns = 0;
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) ns += +fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0];
    return ns / 1e6;
  } catch { return 0; }
}

const opts = { serialization, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] };
const t0 = process.hrtime.bigint();
const strace = args.strace ? ['-f', '-c', '-o', args.strace] : null;
const child = (args.child || 'node') === 'node'
  ? fork(path.join(__dirname, 'node-child.js'), [mode], strace ? { ...opts, execPath: 'strace', execArgv: [...strace, process.execPath] } : opts)
  : fork(mode, [], { ...opts, execPath: strace ? 'strace' : args.child, execArgv: strace ? [...strace, args.child] : [] });
const secs = (a, b) => Number(b - a) / 1e9;
let startup;
let cpu0 = 0;

function finish(out) {
  out = { parent: 'node', test, serialization, size, startup_ms: +(startup * 1e3).toFixed(2), child_hwm_kb: hwmKB(child.pid), ...out };
  if (out.n) out.child_cpu_us_per_op = +((cpuMs(child.pid) - cpu0) * 1e3 / out.n).toFixed(2);
  console.log(JSON.stringify(out));
  child.disconnect();
}

// Start-up: fork until the first message is back at the parent. Every test
// begins with it (an echo, or a {count} for the sink) and times from there.
child.send(mode === 'echo' ? { seq: -1, p: '' } : { end: true });
child.once('message', () => {
  startup = secs(t0, process.hrtime.bigint());
  cpu0 = cpuMs(child.pid);
  if (test === 'startup') return finish({});
  if (test === 'pingpong') return pingpong();
  if (test === 'stream') return stream();
  if (test === 'pipeline') return pipeline();
  throw new Error('unknown test ' + test);
});

function pingpong() {
  let i = 0;
  const t = process.hrtime.bigint();
  child.on('message', (m) => {
    if (++i === n) {
      if (m.seq !== n - 1 || m.p.length !== size) throw new Error('bad echo');
      const s = secs(t, process.hrtime.bigint());
      return finish({ n, seconds: +s.toFixed(4), per_sec: Math.round(n / s), us_per_op: +(s * 1e6 / n).toFixed(2) });
    }
    child.send({ seq: i, p: payload });
  });
  child.send({ seq: i, p: payload });
}

function pipeline() {
  let sent = 0;
  let got = 0;
  let stop = false;
  const t = process.hrtime.bigint();
  setTimeout(() => { stop = true; }, n);
  child.on('message', (m) => {
    got++;
    if (m.p.length !== size) throw new Error('bad echo');
    if (!stop) {
      child.send({ seq: sent++, p: payload });
      return;
    }
    if (got === sent) {
      const s = secs(t, process.hrtime.bigint());
      // Rate over the whole run, the drain of the last window included.
      finish({ n: got, window, seconds: +s.toFixed(4), per_sec: Math.round(got / s), us_per_op: +(s * 1e6 / got).toFixed(2) });
    }
  });
  for (; sent < window; sent++) child.send({ seq: sent, p: payload });
}

function stream() {
  const t = process.hrtime.bigint();
  child.on('message', (m) => {
    if (m.count !== n) throw new Error(`child counted ${m.count}, want ${n}`);
    const s = secs(t, process.hrtime.bigint());
    finish({ n, seconds: +s.toFixed(4), per_sec: Math.round(n / s), MB_per_s: +(n * size / s / 1e6).toFixed(1) });
  });
  let i = 0;
  const pump = () => {
    while (i < n) {
      if (!child.send({ seq: i++, p: payload })) { setImmediate(pump); return; }
    }
    child.send({ end: true });
  };
  pump();
}
