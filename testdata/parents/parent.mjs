// A parent for Go workers that runs under Node, Bun and Deno alike
// (compat/compat_parents_test.go):
//   RUNTIME parent.mjs SCENARIO GO_CHILD
// It prints one line of JSON with what happened and exits 0; the Go test
// judges it.
import { fork, spawn } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';

const [scenario, goChild] = process.argv.slice(2);
const runtime = typeof Deno !== 'undefined' ? 'deno' : (typeof Bun !== 'undefined' ? 'bun' : 'node');

function watch(child) {
  let stderr = '';
  child.stderr?.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr: () => stderr })));
  return exited;
}

// echo sends values to go-child echo and compares what comes back.
async function echo(child, values) {
  const got = [];
  const all = new Promise((resolve) => child.on('message', (m) => { got.push(m); if (got.length === values.length) resolve(); }));
  for (const v of values) child.send(v);
  const t = setTimeout(() => {}, 1 << 30);
  const ok = await Promise.race([all.then(() => true), new Promise((r) => setTimeout(() => r(false), 20000))]);
  clearTimeout(t);
  const mismatch = values.findIndex((v, i) => !isDeepStrictEqual(got[i], v));
  return { ok, received: got.length, mismatch };
}

const jsonValues = [{ a: 1, s: 'x' }, 'unicode é Ω 😀', [1, 2.5, null, true], { nested: { deep: [1, { d: 'e' }] } }, 2 ** 53, ''];
const advancedValues = [
  ...jsonValues, new Map([['k', 1]]), new Set([1, 'a']), new Date(0), { big: 10n ** 30n }, /a+b/giu,
  Buffer.from([1, 2, 3]), new Uint16Array([1, 65535]), new ArrayBuffer(4), { u: undefined },
];

const scenarios = {
  // spawn() with an 'ipc' slot: the arguments reach the child unchanged.
  async spawn(serialization) {
    const child = spawn(goChild, ['echo'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization });
    const exited = watch(child);
    const res = await echo(child, serialization === 'advanced' ? advancedValues : jsonValues);
    child.disconnect();
    const ex = await exited;
    return { ...res, code: ex.code, signal: ex.signal, stderr: ex.stderr() };
  },
  'spawn-json'() { return this.spawn('json'); },
  'spawn-advanced'() { return this.spawn('advanced'); },
  // fork() with serialization 'advanced': under Bun the child must fail at
  // once, naming Bun (its format is not V8's).
  async 'fork-advanced'() {
    const start = Date.now();
    const child = fork('echo', [], { execPath: goChild, execArgv: [], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const exited = watch(child);
    child.on('error', () => {});
    const res = runtime === 'bun' ? { ok: false } : await echo(child, advancedValues);
    if (runtime === 'bun') child.send({ a: 1 }, () => {});
    else child.disconnect();
    const ex = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 20000))]);
    if (!ex) { child.kill(); return { ...res, code: null, timedOut: true }; }
    return { ...res, code: ex.code, signal: ex.signal, stderr: ex.stderr(), ms: Date.now() - start };
  },
};

const res = await scenarios[scenario]();
console.log(JSON.stringify({ runtime, scenario, ...res }));
process.exit(0);
