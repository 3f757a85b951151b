// IPC benchmark: measures, side by side and interleaved, the channel between
//   node↔node   Node parent, Node child (baseline)
//   node↔go     Node parent, cmd/go-child
//   node↔floor  Node parent, bench/floor/floor-child.c (blocking C, no
//               runtime: the best any child can do under a Node parent)
//   go↔node     Go parent (bench/driver, nodeipc.Start), Node child
//   go↔go       Go parent, cmd/go-child
//   raw         bare AF_UNIX socketpair between two processes, no encoding
// for ping-pong (16 B, 1 KiB, 64 KiB), one-way streams (16 B, 4 KiB), child
// start-up (fork → first message at the parent) and child peak RSS (VmHWM),
// under up to three conditions in the same invocation: idle (nothing added),
// loaded (--load=N busy processes competing for the CPUs, started before and
// ended by pid after each loaded stretch) and one CPU (--pin=CPU: parent and
// child pinned to that CPU with taskset, as in a one-vCPU container). Each
// run measures every condition, workload and pair in turn, the order of
// pairs rotating from run to run; the tables show medians over runs.
// Built-ins only. Usage (bench/run.sh builds the binaries first):
//   node bench/ipc-bench.js --go-child=PATH --driver=PATH [--floor=PATH]
//        [--node=PATH] [--runs=5] [--quick] [--serialization=json|advanced]
//        [--load=N] [--pin=CPU] [--conditions=idle,loaded,pinned]
//        [--pairs=node-node,node-go,...] [--workloads=pp16,st4k,...]
//        [--variants=LABEL=PATH,...] [--json=FILE] [--syscalls]
// --syscalls: after the runs, each child under the Node parent runs every
// workload once more under `strace -f -c` (idle, and once for start-up
// alone, which is subtracted): system calls per operation, all threads.
'use strict';
const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, ...v] = a.replace(/^--/, '').split('=');
  return [k, v.length ? v.join('=') : 'true'];
}));
const quick = args.quick === 'true';
const runs = +(args.runs || (quick ? 3 : 5));
const scale = quick ? 0.2 : 1;
const node = args.node || process.execPath;
const goChild = args['go-child'];
const driver = args.driver;
const floor = args.floor;
const serialization = args.serialization || 'json';
const load = +(args.load || 0);
const pin = args.pin;
if (!goChild || !driver) throw new Error('--go-child and --driver are required (see bench/run.sh)');

const allWorkloads = [
  { id: 'pp16', label: 'ping-pong 16 B', test: 'pingpong', size: 16, n: 20000, metric: 'per_sec', unit: 'round trips/s' },
  { id: 'pp1k', label: 'ping-pong 1 KiB', test: 'pingpong', size: 1024, n: 10000, metric: 'per_sec', unit: 'round trips/s' },
  { id: 'pp64k', label: 'ping-pong 64 KiB', test: 'pingpong', size: 65536, n: 600, metric: 'per_sec', unit: 'round trips/s' },
  { id: 'st16', label: 'stream 16 B', test: 'stream', size: 16, n: 200000, metric: 'per_sec', unit: 'msgs/s' },
  { id: 'st4k', label: 'stream 4 KiB', test: 'stream', size: 4096, n: 50000, metric: 'MB_per_s', unit: 'MB/s', also: 'per_sec' },
  // Pipelined round trips: 256 messages in flight to the echo child for n ms
  // (a worker pool's shape); each workload names its own serialization.
  { id: 'pl64', label: 'pipelined 64 B JSON', test: 'pipeline', size: 64, n: 3000, ser: 'json', metric: 'per_sec', unit: 'round trips/s' },
  { id: 'pl1k', label: 'pipelined 1 KiB JSON', test: 'pipeline', size: 1024, n: 3000, ser: 'json', metric: 'per_sec', unit: 'round trips/s' },
  { id: 'pl16k', label: 'pipelined 16 KiB JSON', test: 'pipeline', size: 16384, n: 3000, ser: 'json', metric: 'per_sec', unit: 'round trips/s' },
  { id: 'pla64', label: 'pipelined 64 B advanced', test: 'pipeline', size: 64, n: 3000, ser: 'advanced', metric: 'per_sec', unit: 'round trips/s' },
  { id: 'pla1k', label: 'pipelined 1 KiB advanced', test: 'pipeline', size: 1024, n: 3000, ser: 'advanced', metric: 'per_sec', unit: 'round trips/s' },
  { id: 'pla16k', label: 'pipelined 16 KiB advanced', test: 'pipeline', size: 16384, n: 3000, ser: 'advanced', metric: 'per_sec', unit: 'round trips/s' },
  { id: 'start', label: 'start-up', test: 'startup', size: 16, n: 0, metric: 'startup_ms', unit: 'ms', lower: true },
];
const workloads = args.workloads ? allWorkloads.filter((w) => args.workloads.split(',').includes(w.id)) : allWorkloads;
const script = path.join(__dirname, 'node-child.js');
const nodeParent = path.join(__dirname, 'node-parent.js');
const pairs = {
  'node-node': (w, n) => [node, [nodeParent, '--child=node', ...common(w, n, '--')]],
  'node-go': (w, n) => [node, [nodeParent, `--child=${goChild}`, ...common(w, n, '--')]],
  'go-node': (w, n) => [driver, ['-child=node', `-node=${node}`, `-script=${script}`, ...common(w, n, '-')]],
  'go-go': (w, n) => [driver, [`-child=${goChild}`, ...common(w, n, '-')]],
  raw: (w, n) => [driver, ['-raw', ...common(w, n, '-')]],
};
if (floor) pairs['node-floor'] = (w, n) => [node, [nodeParent, `--child=${floor}`, ...common(w, n, '--')]];
// --go-child-base/--driver-base: the same binaries built from another
// revision (bench/run.sh BASE=rev), measured in the same runs.
if (args['go-child-base'] && args['driver-base']) {
  pairs['node-go@base'] = (w, n) => [node, [nodeParent, `--child=${args['go-child-base']}`, ...common(w, n, '--')]];
  pairs['go-go@base'] = (w, n) => [args['driver-base'], [`-child=${args['go-child-base']}`, ...common(w, n, '-')]];
}
// --variants=LABEL=PATH,...: more Go children (e.g. wrappers that set an
// environment variable, or other builds) under the Node parent and under
// the Go parent (pairs node-go:LABEL and go-go:LABEL), same runs.
for (const v of (args.variants || '').split(',').filter(Boolean)) {
  const [label, file] = v.split('=');
  pairs[`node-go:${label}`] = (w, n) => [node, [nodeParent, `--child=${file}`, ...common(w, n, '--')]];
  pairs[`go-go:${label}`] = (w, n) => [driver, [`-child=${file}`, ...common(w, n, '-')]];
}
function common(w, n, dash) {
  return [`${dash}test=${w.test}`, `${dash}n=${n}`, `${dash}size=${w.size}`, `${dash}serialization=${w.ser || serialization}`];
}
const pairNames = args.pairs ? args.pairs.split(',') : Object.keys(pairs);
// Pairs that speak only JSON or need no encoding at all.
const jsonOnly = new Set(['raw', 'node-floor']);

const condNames = { idle: 'idle', loaded: `loaded (${load} busy process${load === 1 ? '' : 'es'})`, pinned: `one CPU (taskset -c ${pin})` };
const conditions = args.conditions ? args.conditions.split(',')
  : ['idle', ...(load > 0 ? ['loaded'] : []), ...(pin !== undefined ? ['pinned'] : [])];
for (const c of conditions) {
  if (!condNames[c]) throw new Error(`unknown condition ${c}`);
  if (c === 'loaded' && !(load > 0)) throw new Error('condition loaded needs --load=N');
  if (c === 'pinned' && pin === undefined) throw new Error('condition pinned needs --pin=CPU');
}

// Competing load: N processes that only burn CPU, ended by pid.
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

const results = {}; // condition → pair → workload id → [result]
const t0 = Date.now();
for (let r = 0; r < runs; r++) {
  for (const c of conditions) {
    if (c === 'loaded') startLoad();
    for (const w of workloads) {
      // Rotate the order of pairs from run to run so that none always runs
      // first (after a quiet period) or last.
      const order = pairNames.map((_, i) => pairNames[(i + r) % pairNames.length]);
      for (const p of order) {
        if (jsonOnly.has(p) && (w.ser || serialization) !== 'json') continue;
        if (p === 'raw' && w.test === 'pipeline') continue;
        // The bare socketpair streams so fast that it needs more messages to
        // be timed at all. Pipelined workloads run for n ms.
        const n = Math.max(1, Math.round(w.n * scale * (p === 'raw' && w.test === 'stream' ? 20 : 1)));
        let [cmd, argv] = pairs[p](w, n);
        if (c === 'pinned') [cmd, argv] = ['taskset', ['-c', String(pin), cmd, ...argv]];
        let out;
        try {
          out = execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 120000 });
        } catch (e) {
          console.error(`${c} ${p} ${w.id}: failed: ${e.message}`);
          continue;
        }
        const res = JSON.parse(out.trim().split('\n').pop());
        (((results[c] ||= {})[p] ||= {})[w.id] ||= []).push(res);
      }
    }
    if (c === 'loaded') stopLoad();
  }
  process.stderr.write(`run ${r + 1}/${runs} done (${((Date.now() - t0) / 1e3).toFixed(0)} s)\n`);
}

// System calls per op of each child under the Node parent: one extra run
// per workload under strace, minus a start-up-only run under strace.
const sys = {}; // pair → workload id → { total, calls: {name: per op} }
if (args.syscalls === 'true') {
  const tmp = fs.mkdtempSync('/tmp/ipc-bench-strace-');
  const parseStrace = (file) => {
    const calls = {};
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f.length < 5 || !/^[0-9.]+$/.test(f[0]) || f[f.length - 1] === 'total') continue;
      const name = f[f.length - 1];
      const n = +(f.length === 6 ? f[3] : f[3]);
      if (Number.isFinite(n)) calls[name] = (calls[name] || 0) + n;
    }
    return calls;
  };
  const traced = (p, w, n, file) => {
    const [cmd, argv] = pairs[p](w, n);
    execFileSync(cmd, [...argv, `--strace=${file}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300000 });
    return parseStrace(file);
  };
  const startW = allWorkloads.find((x) => x.id === 'start');
  for (const p of pairNames.filter((x) => x.startsWith('node-'))) {
    for (const w of workloads.filter((x) => x.n)) {
      if (jsonOnly.has(p) && (w.ser || serialization) !== 'json') continue;
      try {
        const n = Math.max(1, Math.round(w.n * scale));
        const base = traced(p, { ...startW, ser: w.ser, test: 'startup' }, 1, path.join(tmp, 'start.txt'));
        const file = path.join(tmp, 'run.txt');
        const [cmd, argv] = pairs[p](w, n);
        const out = execFileSync(cmd, [...argv, `--strace=${file}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300000 });
        const ops = JSON.parse(out.trim().split('\n').pop()).n;
        const calls = parseStrace(file);
        const per = {};
        let total = 0;
        for (const [k, v] of Object.entries(calls)) {
          const d = Math.max(0, v - (base[k] || 0)) / ops;
          if (d > 0) { per[k] = d; total += d; }
        }
        ((sys[p] ||= {})[w.id] = { total, calls: per });
      } catch (e) {
        console.error(`strace ${p} ${w.id}: failed: ${e.message}`);
      }
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

const median = (xs) => {
  const s = xs.filter((x) => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return undefined;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const med = (c, p, id, key) => median((((results[c] || {})[p] || {})[id] || []).map((x) => x[key]));
const fmt = (v) => v === undefined ? '–' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2);

function cell(c, p, w, key, lower) {
  const v = med(c, p, w.id, key);
  if (v === undefined) return '–';
  const base = med(c, 'node-node', w.id, key);
  const raw = med(c, 'raw', w.id, key);
  let s = fmt(v);
  if (p !== 'node-node' && base) s += lower ? ` (${(v / base).toFixed(2)} of base)` : ` (${(v / base).toFixed(2)}×)`;
  if (p !== 'raw' && raw && !lower) s += ` [${(100 * v / raw).toFixed(v / raw < 0.01 ? 2 : 1)} % raw]`;
  return s;
}

const names = {
  'node-node': 'Node↔Node (base)', 'node-go': 'Node parent↔Go child', 'node-floor': 'Node parent↔floor child',
  'go-node': 'Go parent↔Node child', 'go-go': 'Go↔Go', raw: 'raw socketpair',
  'node-go@base': `Node parent↔Go child @${args['base-name'] || 'base'}`, 'go-go@base': `Go↔Go @${args['base-name'] || 'base'}`,
};
const label = (p) => names[p] || (p.startsWith('node-go:') ? `Node parent↔Go child ${p.slice(8)}` : p.startsWith('go-go:') ? `Go↔Go ${p.slice(6)}` : p);
const lines = [];
lines.push(`${runs} interleaved runs${quick ? ' (--quick: n × 0.2)' : ''}, medians; serialization=${serialization}; node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}; conditions: ${conditions.map((c) => condNames[c]).join(', ')}`);
lines.push('(×) = vs Node↔Node, higher is better; "of base" = fraction of Node↔Node, lower is better; [% raw] = share of the bare socketpair');
for (const c of conditions) {
  const shown = pairNames.filter((p) => (results[c] || {})[p]);
  lines.push('');
  lines.push(`### ${condNames[c]}`);
  lines.push('');
  lines.push(`| workload | unit | ${shown.map((p) => label(p)).join(' | ')} |`);
  lines.push(`|---|---|${shown.map(() => '---').join('|')}|`);
  for (const w of workloads) {
    lines.push(`| ${w.label} | ${w.unit} | ${shown.map((p) => cell(c, p, w, w.metric, w.lower)).join(' | ')} |`);
    if (w.also) lines.push(`| ${w.label} | msgs/s | ${shown.map((p) => cell(c, p, w, w.also, false)).join(' | ')} |`);
  }
  // Peak RSS of the child: the largest VmHWM over all workloads of a run,
  // median over runs.
  const peak = (p) => median([...Array(runs).keys()].map((r) => {
    const xs = workloads.map((w) => ((((results[c] || {})[p] || {})[w.id] || [])[r] || {}).child_hwm_kb).filter((x) => x);
    return xs.length ? Math.max(...xs) / 1024 : undefined;
  }));
  const startRSS = (p) => med(c, p, 'start', 'child_hwm_kb');
  if (workloads.some((w) => w.id === 'start')) {
    lines.push(`| child RSS after start-up | MB | ${shown.map((p) => { const v = startRSS(p); const b = startRSS('node-node'); return v === undefined ? '–' : fmt(v / 1024) + (p !== 'node-node' && b ? ` (${(v / b).toFixed(2)} of base)` : ''); }).join(' | ')} |`);
  }
  lines.push(`| child peak RSS, all workloads | MB | ${shown.map((p) => { const v = peak(p); const b = peak('node-node'); return v === undefined ? '–' : fmt(v) + (p !== 'node-node' && b ? ` (${(v / b).toFixed(2)} of base)` : ''); }).join(' | ')} |`);
  lines.push('');
  lines.push('Child CPU time per round trip / message (µs, all threads, from /proc/<pid>/task/*/schedstat; lower is better):');
  lines.push('');
  lines.push(`| workload | ${shown.map((p) => label(p)).join(' | ')} |`);
  lines.push(`|---|${shown.map(() => '---').join('|')}|`);
  for (const w of workloads.filter((x) => x.n)) {
    lines.push(`| ${w.label} | ${shown.map((p) => cell(c, p, w, 'child_cpu_us_per_op', true)).join(' | ')} |`);
  }
}
// The conditions side by side: each pair's ratio to Node↔Node under the
// same condition, and the child's CPU per operation next to the Node child's.
if (conditions.length > 1) {
  const side = pairNames.filter((p) => p !== 'node-node' && conditions.some((c) => (results[c] || {})[p]));
  const ratio = (c, p, w) => {
    const v = med(c, p, w.id, w.metric); const b = med(c, 'node-node', w.id, w.metric);
    return v === undefined || !b ? '–' : w.lower ? `${(v / b).toFixed(2)} of base` : `${(v / b).toFixed(2)}×`;
  };
  lines.push('');
  lines.push('### side by side: ratio to Node↔Node under the same condition');
  lines.push('');
  lines.push(`| workload | pair | ${conditions.map((c) => condNames[c]).join(' | ')} |`);
  lines.push(`|---|---|${conditions.map(() => '---').join('|')}|`);
  for (const w of workloads) {
    for (const p of side) lines.push(`| ${w.label} | ${label(p)} | ${conditions.map((c) => ratio(c, p, w)).join(' | ')} |`);
  }
  lines.push('');
  lines.push('Child CPU µs per op, each pair / Node↔Node\'s Node child, under the same condition:');
  lines.push('');
  lines.push(`| workload | pair | ${conditions.map((c) => condNames[c]).join(' | ')} |`);
  lines.push(`|---|---|${conditions.map(() => '---').join('|')}|`);
  for (const w of workloads.filter((x) => x.n)) {
    for (const p of side.filter((x) => x.startsWith('node-'))) {
      lines.push(`| ${w.label} | ${label(p)} | ${conditions.map((c) => {
        const v = med(c, p, w.id, 'child_cpu_us_per_op'); const b = med(c, 'node-node', w.id, 'child_cpu_us_per_op');
        return v === undefined || !b ? '–' : `${fmt(v)} / ${fmt(b)}`;
      }).join(' | ')} |`);
    }
  }
}
if (Object.keys(sys).length) {
  const shown = pairNames.filter((p) => sys[p]);
  lines.push('');
  lines.push('### system calls per op of the child (strace -f -c, idle, one run, start-up subtracted; the most frequent)');
  lines.push('');
  lines.push(`| workload | ${shown.map((p) => label(p)).join(' | ')} |`);
  lines.push(`|---|${shown.map(() => '---').join('|')}|`);
  for (const w of workloads.filter((x) => x.n)) {
    lines.push(`| ${w.label} | ${shown.map((p) => {
      const r = (sys[p] || {})[w.id];
      if (!r) return '–';
      const top = Object.entries(r.calls).sort((a, b) => b[1] - a[1]).filter(([, v]) => v >= 0.01).slice(0, 5);
      return `**${r.total.toFixed(2)}**: ${top.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`;
    }).join(' | ')} |`);
  }
}
lines.push('');
lines.push(`total ${((Date.now() - t0) / 1e3).toFixed(0)} s`);
console.log(lines.join('\n'));
if (args.json) fs.writeFileSync(args.json, JSON.stringify({ runs, quick, serialization, conditions, load, pin, results }, null, 1));
