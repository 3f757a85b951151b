// IPC benchmark: measures, side by side and interleaved, the channel between
//   node↔node  Node parent, Node child (baseline)
//   node↔go    Node parent, cmd/go-child
//   go↔node    Go parent (bench/driver, nodeipc.Start), Node child
//   go↔go      Go parent, cmd/go-child
//   raw        bare AF_UNIX socketpair between two processes, no encoding
// for ping-pong (16 B, 1 KiB, 64 KiB), one-way streams (16 B, 4 KiB), child
// start-up (fork → first message at the parent) and child peak RSS (VmHWM).
// Each run measures every workload on every pair, in rotating order; the
// table shows medians over runs. Built-ins only. Usage (bench/run.sh builds
// the binaries first):
//   node bench/ipc-bench.js --go-child=PATH --driver=PATH [--node=PATH]
//        [--runs=5] [--quick] [--serialization=json|advanced]
//        [--pairs=node-node,node-go,...] [--json=FILE]
'use strict';
const { execFileSync } = require('child_process');
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
const serialization = args.serialization || 'json';
if (!goChild || !driver) throw new Error('--go-child and --driver are required (see bench/run.sh)');

const workloads = [
  { id: 'pp16', label: 'ping-pong 16 B', test: 'pingpong', size: 16, n: 20000, metric: 'per_sec', unit: 'round trips/s' },
  { id: 'pp1k', label: 'ping-pong 1 KiB', test: 'pingpong', size: 1024, n: 10000, metric: 'per_sec', unit: 'round trips/s' },
  { id: 'pp64k', label: 'ping-pong 64 KiB', test: 'pingpong', size: 65536, n: 600, metric: 'per_sec', unit: 'round trips/s' },
  { id: 'st16', label: 'stream 16 B', test: 'stream', size: 16, n: 200000, metric: 'per_sec', unit: 'msgs/s' },
  { id: 'st4k', label: 'stream 4 KiB', test: 'stream', size: 4096, n: 50000, metric: 'MB_per_s', unit: 'MB/s', also: 'per_sec' },
  { id: 'start', label: 'start-up', test: 'startup', size: 16, n: 0, metric: 'startup_ms', unit: 'ms', lower: true },
];
const script = path.join(__dirname, 'node-child.js');
const pairs = {
  'node-node': (w, n) => [node, [path.join(__dirname, 'node-parent.js'), '--child=node', ...common(w, n, '--')]],
  'node-go': (w, n) => [node, [path.join(__dirname, 'node-parent.js'), `--child=${goChild}`, ...common(w, n, '--')]],
  'go-node': (w, n) => [driver, ['-child=node', `-node=${node}`, `-script=${script}`, ...common(w, n, '-')]],
  'go-go': (w, n) => [driver, [`-child=${goChild}`, ...common(w, n, '-')]],
  raw: (w, n) => [driver, ['-raw', ...common(w, n, '-')]],
};
// --go-child-base/--driver-base: the same binaries built from another
// revision (bench/run.sh BASE=rev), measured in the same runs.
if (args['go-child-base'] && args['driver-base']) {
  pairs['node-go@base'] = (w, n) => [node, [path.join(__dirname, 'node-parent.js'), `--child=${args['go-child-base']}`, ...common(w, n, '--')]];
  pairs['go-go@base'] = (w, n) => [args['driver-base'], [`-child=${args['go-child-base']}`, ...common(w, n, '-')]];
}
function common(w, n, dash) {
  return [`${dash}test=${w.test}`, `${dash}n=${n}`, `${dash}size=${w.size}`, `${dash}serialization=${serialization}`];
}
const pairNames = args.pairs ? args.pairs.split(',') : Object.keys(pairs);

const results = {}; // pair → workload id → [result]
const t0 = Date.now();
for (let r = 0; r < runs; r++) {
  for (const w of workloads) {
    // Rotate the order of pairs from run to run so that none always runs
    // first (after a quiet period) or last.
    const order = pairNames.map((_, i) => pairNames[(i + r) % pairNames.length]);
    for (const p of order) {
      if (p === 'raw' && serialization !== 'json') continue;
      // The bare socketpair streams so fast that it needs more messages to
      // be timed at all.
      const n = Math.max(1, Math.round(w.n * scale * (p === 'raw' && w.test === 'stream' ? 20 : 1)));
      const [cmd, argv] = pairs[p](w, n);
      let out;
      try {
        out = execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 120000 });
      } catch (e) {
        console.error(`${p} ${w.id}: failed: ${e.message}`);
        continue;
      }
      const res = JSON.parse(out.trim().split('\n').pop());
      ((results[p] ||= {})[w.id] ||= []).push(res);
    }
  }
  process.stderr.write(`run ${r + 1}/${runs} done (${((Date.now() - t0) / 1e3).toFixed(0)} s)\n`);
}

const median = (xs) => {
  const s = xs.filter((x) => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return undefined;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const med = (p, id, key) => median(((results[p] || {})[id] || []).map((x) => x[key]));
const fmt = (v) => v === undefined ? '–' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2);

function cell(p, w, key, lower) {
  const v = med(p, w.id, key);
  if (v === undefined) return '–';
  const base = med('node-node', w.id, key);
  const raw = med('raw', w.id, key);
  let s = fmt(v);
  if (p !== 'node-node' && base) s += lower ? ` (${(v / base).toFixed(2)} of base)` : ` (${(v / base).toFixed(2)}×)`;
  if (p !== 'raw' && raw && !lower) s += ` [${(100 * v / raw).toFixed(v / raw < 0.01 ? 2 : 1)} % raw]`;
  return s;
}

const names = { 'node-node': 'Node↔Node (base)', 'node-go': 'Node parent↔Go child', 'go-node': 'Go parent↔Node child', 'go-go': 'Go↔Go', raw: 'raw socketpair', 'node-go@base': `Node parent↔Go child @${args['base-name'] || 'base'}`, 'go-go@base': `Go↔Go @${args['base-name'] || 'base'}` };
const shown = pairNames.filter((p) => results[p]);
const lines = [];
lines.push(`${runs} interleaved runs${quick ? ' (--quick: n × 0.2)' : ''}, medians; serialization=${serialization}; node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}`);
lines.push('(×) = vs Node↔Node, higher is better; "of base" = fraction of Node↔Node, lower is better; [% raw] = share of the bare socketpair');
lines.push('');
lines.push(`| workload | unit | ${shown.map((p) => names[p]).join(' | ')} |`);
lines.push(`|---|---|${shown.map(() => '---').join('|')}|`);
for (const w of workloads) {
  lines.push(`| ${w.label} | ${w.unit} | ${shown.map((p) => cell(p, w, w.metric, w.lower)).join(' | ')} |`);
  if (w.also) lines.push(`| ${w.label} | msgs/s | ${shown.map((p) => cell(p, w, w.also, false)).join(' | ')} |`);
}
// Peak RSS of the child: the largest VmHWM over all workloads of a run,
// median over runs.
const peak = (p) => median([...Array(runs).keys()].map((r) => {
  const xs = workloads.map((w) => (((results[p] || {})[w.id] || [])[r] || {}).child_hwm_kb).filter((x) => x);
  return xs.length ? Math.max(...xs) / 1024 : undefined;
}));
const startRSS = (p) => med(p, 'start', 'child_hwm_kb');
lines.push(`| child RSS after start-up | MB | ${shown.map((p) => { const v = startRSS(p); const b = startRSS('node-node'); return v === undefined ? '–' : fmt(v / 1024) + (p !== 'node-node' && b ? ` (${(v / b).toFixed(2)} of base)` : ''); }).join(' | ')} |`);
lines.push(`| child peak RSS, all workloads | MB | ${shown.map((p) => { const v = peak(p); const b = peak('node-node'); return v === undefined ? '–' : fmt(v) + (p !== 'node-node' && b ? ` (${(v / b).toFixed(2)} of base)` : ''); }).join(' | ')} |`);
lines.push('');
lines.push('Child CPU time per round trip / message (µs, all threads, from /proc/<pid>/task/*/schedstat; lower is better):');
lines.push('');
lines.push(`| workload | ${shown.map((p) => names[p]).join(' | ')} |`);
lines.push(`|---|${shown.map(() => '---').join('|')}|`);
for (const w of workloads.filter((x) => x.n)) {
  lines.push(`| ${w.label} | ${shown.map((p) => cell(p, w, 'child_cpu_us_per_op', true)).join(' | ')} |`);
}
lines.push('');
lines.push(`total ${((Date.now() - t0) / 1e3).toFixed(0)} s`);
console.log(lines.join('\n'));
if (args.json) fs.writeFileSync(args.json, JSON.stringify({ runs, quick, serialization, results }, null, 1));
