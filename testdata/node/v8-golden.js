'use strict';
// Generates testdata/v8/golden-nodeNN.json: V8 ValueSerializer payloads as
// Node's child_process IPC writes them in 'advanced' serialization mode.
// Every sendable case is also sent over a real IPC channel and the captured
// frame is compared with the serializer output.
// Usage: node v8-golden.js [outdir]
// Under Deno (deno run -A v8-golden.js [outdir]) it writes golden-denoN.json:
// the payloads Deno's IPC wrote (format 16), for the cases IPC can send,
// each checked against Deno's node:v8 serializer after the 2-byte header.
const v8 = require('v8');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

// Mirrors lib/internal/child_process/serialization.js (ChildProcessSerializer).
class IPCSerializer extends v8.DefaultSerializer {
  _writeHostObject(obj) {
    if (ArrayBuffer.isView(obj)) {
      this.writeUint32(0);
      return super._writeHostObject(obj);
    }
    this.writeUint32(1);
    this.writeValue({ ...obj });
  }
}
function serialize(v) {
  const s = new IPCSerializer();
  s.writeHeader();
  s.writeValue(v);
  return s.releaseBuffer();
}

// Deterministic description shared with the Go tests (describe_test.go).
function fnv(u) {
  let h = 0x811c9dc5;
  for (const c of u) {
    h = Math.imul(h ^ (c & 0xff), 0x01000193) >>> 0;
    h = Math.imul(h ^ (c >> 8), 0x01000193) >>> 0;
  }
  return h.toString(16);
}
function dstr(s) {
  const u = [];
  for (let i = 0; i < s.length; i++) u.push(s.charCodeAt(i));
  if (u.length <= 32) return 's' + u.map((x) => x.toString(16)).join('.');
  return 's#' + u.length + '#' + fnv(u);
}
const dnum = (n) => (Object.is(n, -0) ? '-0' : String(n));
const errNames = ['EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError'];
function describe(v, seen = new Map()) {
  if (v === undefined) return 'u';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean': return String(v);
    case 'number': return 'n' + dnum(v);
    case 'bigint': return 'Z' + v.toString();
    case 'string': return dstr(v);
  }
  if (seen.has(v)) return '#' + seen.get(v);
  seen.set(v, seen.size);
  const props = (o) => Object.keys(o).map((k) => dstr(k) + ':' + describe(o[k], seen)).join(',');
  if (Array.isArray(v)) return 'A' + v.length + '[' + props(v) + ']';
  if (v instanceof Date) return 'D' + dnum(v.getTime());
  if (v instanceof RegExp) return 'R' + dstr(v.source) + '/' + v.flags;
  if (v instanceof Map) return 'M{' + [...v].map(([k, x]) => describe(k, seen) + '=>' + describe(x, seen)).join(',') + '}';
  if (v instanceof Set) return 'S{' + [...v].map((x) => describe(x, seen)).join(',') + '}';
  if (v instanceof ArrayBuffer) return 'B' + Buffer.from(v).toString('hex');
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor === Buffer ? 'Buffer' : v.constructor.name;
    return 'V' + name + ':' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  }
  if (v instanceof Error) {
    const name = errNames.includes(v.name) ? v.name : 'Error';
    const md = Object.getOwnPropertyDescriptor(v, 'message');
    const cd = Object.getOwnPropertyDescriptor(v, 'cause');
    return 'E' + name + '(' + (md && 'value' in md ? 'm=' + dstr(String(md.value)) : '') + ',' +
      (typeof v.stack === 'string' ? 's=' + dstr(v.stack) : '') + ',' +
      (cd && 'value' in cd ? 'c=' + describe(cd.value, seen) : '') + ')';
  }
  if (v instanceof Boolean || v instanceof Number || v instanceof String || (typeof BigInt !== 'undefined' && v instanceof BigInt)) {
    return 'X' + describe(v.valueOf(), seen);
  }
  return 'O{' + props(v) + '}';
}

function err(E, msg, opts, stack) {
  const e = opts === undefined ? new E(msg) : new E(msg, opts);
  if (stack !== undefined) e.stack = stack;
  return e;
}

function cases() {
  const c = [];
  const add = (name, value, live = true) => c.push({ name, value, live });
  // primitives
  add('null', null);
  add('true', true);
  add('false', false);
  add('undefined_top', undefined, false);
  add('undefined_prop', { u: undefined });
  for (const [n, v] of [['0', 0], ['neg0', -0], ['1', 1], ['neg1', -1], ['int32max', 2 ** 31 - 1], ['2p31', 2 ** 31],
    ['int32min', -(2 ** 31)], ['int32min_minus1', -(2 ** 31) - 1], ['2p32', 2 ** 32], ['2p53', 2 ** 53], ['1.5', 1.5], ['neg1.5', -1.5],
    ['NaN', NaN], ['Inf', Infinity], ['negInf', -Infinity], ['minDenorm', 5e-324], ['maxDouble', Number.MAX_VALUE], ['0.1', 0.1], ['1e21', 1e21], ['1e-7', 1e-7]]) {
    add('num_' + n, v);
  }
  add('num_array_doubles', [1.5, 2]);
  add('num_array_ints', [1, 2, 3]);
  add('num_array_mixed', [1, 'a', 2.5, null]);
  // strings
  add('str_empty', '');
  add('str_ascii', 'hello');
  add('str_latin1', 'é');
  add('str_latin1_mix', 'caf\u00e9 \u00ff');
  add('str_bmp', 'Ω');
  add('str_bmp_x', 'Ωx');
  add('str_emoji', '😀');
  add('str_lone_high', '\ud800');
  add('str_lone_low', 'a\udc00b');
  add('str_long_ascii', 'x'.repeat(1000));
  add('str_long_latin1', 'é'.repeat(300));
  add('str_long_twobyte', 'Ωé'.repeat(200));
  add('str_128', 'y'.repeat(128));
  for (let i = 0; i < 4; i++) {
    add('pad_value_' + i, { ['k'.repeat(i + 1)]: 'Ω' });
    add('pad_key_' + i, { ['k'.repeat(i)]: 1, ['Ω' + 'k'.repeat(i)]: 2 });
  }
  add('pad_in_array', ['a', 'Ω', 'bb', 'Ωé', 'ccc', '😀']);
  add('pad_long_len', { a: 'Ω'.repeat(100) });
  // objects
  add('obj_empty', {});
  add('obj_simple', { seq: 1, p: '16 bytes payload.' });
  add('obj_intkeys', { 1: 'a', b: 2 });
  add('obj_intkeys_order', { b: 1, 10: 1, 2: 1, a: 2 });
  add('obj_bigkeys', { 2147483647: 1, 2147483648: 1, 4294967294: 1, 4294967295: 1, '-1': 1, '01': 1 });
  add('obj_nested', { a: { b: { c: { d: [1, { e: 'f' }] } } } });
  add('obj_unicode_keys', { 'é': 1, 'Ω': 2, '😀': 3 });
  add('obj_double_field', (() => { const o = { x: 1.5 }; o.x = 2; return o; })());
  add('obj_cmd', { cmd: 'NODE_HANDLE_ACK' });
  // arrays
  add('arr_empty', []);
  add('arr_sparse', [1, , 3]);
  add('arr_holes_only', new Array(5));
  add('arr_sparse_big', (() => { const a = []; a[1000] = 1; return a; })());
  add('arr_props', Object.assign([1, 2, 3], { x: 1 }));
  add('arr_sparse_props', Object.assign([1, , 3], { y: 2 }));
  add('arr_undefined', [undefined, null]);
  add('arr_nested', [[1], [[2]], []]);
  // dates
  add('date_0', new Date(0));
  add('date_now', new Date(1700000000123));
  add('date_neg', new Date(-1e12));
  add('date_invalid', new Date(NaN));
  // regexps
  add('re_plain', /ab/);
  for (const f of ['g', 'i', 'm', 'y', 'u', 's', 'd', 'gimsuyd']) add('re_' + f, new RegExp('a+b', f));
  if (process.versions.node.split('.')[0] >= 20) add('re_v', new RegExp('[a]', 'v'));
  add('re_unicode_source', /Ω+/u);
  add('re_slash', /a\/b/);
  // map & set
  add('map_empty', new Map());
  add('map_simple', new Map([['a', 1]]));
  add('map_objkeys', (() => { const k = { k: 1 }; return new Map([[k, 'v'], [1, k], [null, undefined]]); })());
  add('set_empty', new Set());
  add('set_simple', new Set([1]));
  add('set_mixed', new Set(['a', 1, { x: 1 }, [2]]));
  // buffers and views
  add('ab_empty', new ArrayBuffer(0));
  add('ab_3', new ArrayBuffer(3));
  add('ab_data', new Uint8Array([1, 2, 255]).buffer);
  add('buf_hi', Buffer.from('hi'));
  add('buf_empty', Buffer.alloc(0));
  add('buf_1k', Buffer.alloc(1024, 7));
  const abv = new ArrayBuffer(32);
  new Uint8Array(abv).forEach((_, i, a) => { a[i] = i; });
  const views = { Int8Array: [1, -1], Uint8Array: [1, 2], Uint8ClampedArray: [300, -5], Int16Array: [-2, 3], Uint16Array: [1],
    Int32Array: [-7, 8], Uint32Array: [4000000000], Float32Array: [1.5, -0], Float64Array: [Math.PI, NaN] };
  for (const [n, vals] of Object.entries(views)) {
    add('view_' + n, new globalThis[n](vals));
    add('view_' + n + '_offset', new globalThis[n](abv, 8, 2));
  }
  add('view_BigInt64Array', new BigInt64Array([1n, -1n]));
  add('view_BigUint64Array', new BigUint64Array([2n ** 64n - 1n]));
  add('view_BigInt64Array_offset', new BigInt64Array(abv, 8, 1));
  add('view_DataView', new DataView(new ArrayBuffer(2)));
  add('view_DataView_offset', new DataView(abv, 3, 5));
  add('view_Buffer_offset', Buffer.from(abv, 5, 4));
  if (typeof Float16Array !== 'undefined') {
    add('view_Float16Array', new Float16Array([1]));
    add('view_Float16Array_offset', new Float16Array(abv, 4, 3));
  }
  add('view_shared', (() => { const u = new Uint8Array([9]); return { a: u, b: u }; })());
  // errors
  add('err_plain', err(Error, 'boom', undefined, 'S'));
  add('err_real_stack', new Error('real'));
  for (const E of [EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError]) add('err_' + E.name, err(E, 'x', undefined, 'S'));
  add('err_no_message', err(Error, undefined, undefined, 'S'));
  add('err_cause', err(TypeError, 'x', { cause: 1 }, 'S'));
  add('err_cause_obj', err(Error, 'outer', { cause: { code: 'E1' } }, 'S'));
  add('err_cause_err', err(Error, 'outer', { cause: err(RangeError, 'inner', undefined, 'S2') }, 'S1'));
  add('err_cause_undefined', err(Error, 'x', { cause: undefined }, 'S'));
  add('err_unicode', err(Error, 'Ω failed', undefined, 'Error: Ω failed\n    at x'));
  add('err_custom_name', (() => { const e = err(Error, 'm', undefined, 'S'); e.name = 'MyError'; return e; })());
  add('err_no_stack', (() => { const e = new Error('m'); delete e.stack; e.stack = undefined; return e; })());
  add('err_extra_props', Object.assign(err(Error, 'm', undefined, 'S'), { code: 'ECODE' }));
  add('err_in_obj', { error: err(TypeError, 'bad', undefined, 'S') });
  // boxed
  add('boxed_true', new Boolean(true));
  add('boxed_false', new Boolean(false));
  add('boxed_num', new Number(1.5));
  add('boxed_num_int', new Number(3));
  add('boxed_str', new String('s'));
  add('boxed_str_2b', new String('Ω'));
  add('boxed_bigint', Object(1n));
  add('boxed_in_obj', { b: new Boolean(false), n: new Number(-0), s: new String('') });
  // bigint
  add('bigint_top', 1n, false);
  for (const [n, v] of [['0', 0n], ['1', 1n], ['neg1', -1n], ['2p64', 2n ** 64n], ['2p64m1', 2n ** 64n - 1n], ['neg2p200', -(2n ** 200n)], ['2p63', 2n ** 63n]]) {
    add('bigint_' + n, { v });
  }
  // identity
  add('shared', (() => { const o = { a: 1 }; return { x: o, y: o }; })());
  add('cycle_self', (() => { const o = {}; o.self = o; return o; })());
  add('cycle_array', (() => { const a = [1]; a.push(a); return a; })());
  add('cycle_map', (() => { const m = new Map(); m.set('me', m); m.set(m, 1); return m; })());
  add('cycle_set', (() => { const s = new Set(); s.add(s); return s; })());
  add('shared_date', (() => { const d = new Date(5); return [d, d, { d }]; })());
  add('shared_array_in_obj', (() => { const a = [1, 2]; return { a, b: [a, a] }; })());
  add('shared_err', (() => { const e = err(Error, 'x', undefined, 'S'); return [e, e]; })());
  add('shared_regexp', (() => { const r = /x/g; return { r, s: r }; })());
  add('shared_ab', (() => { const b = new ArrayBuffer(2); return [b, b]; })());
  add('shared_boxed', (() => { const b = new String('q'); return [b, b]; })());
  // mixed
  add('mixed', { id: 42, name: 'test', tags: ['a', 'b'], nested: { ok: true, val: null, arr: [1, 'two', { three: 3 }] }, when: new Date(0), buf: Buffer.from([1, 2]) });
  // values equivalent to the Go-side encoding table (encode_test.go)
  add('go_map', { a: 1, b: 'x', c: true, d: null, e: [1, 2, 3], f: { g: 1.5 } });
  add('go_struct', { seq: 1, p: '16 bytes payload.' });
  add('go_struct_tags', { id: 7, name: 'n', renamed: 'r', inner: { qx: 5 } });
  add('go_buffer', Buffer.from('hello'));
  add('go_date', new Date(1700000000123));
  add('go_bigint', { m: -5n, n: 2n ** 70n });
  add('go_intkeys', { 1: 'a', 10: 'b', 2: 'c', x: 'y' });
  add('go_unicode', { s: 'Ωé😀', t: 'é', u: 'plain' });
  add('go_numbers', { a: 0, b: -1, c: 2147483647, d: 2147483648, e: -2147483649, f: 1.5, g: -0, h: 2 ** 53 });
  add('go_strings', ['x', 'Ω', 'yy', 'é', '']);
  add('go_nil_slice', { s: null, m: null, p: null });
  add('go_shared_ptr', (() => { const o = { v: 1 }; return { a: o, b: o }; })());
  add('go_nested_slices', [[1, 2], [], ['a']]);
  return c;
}

function capture(values) {
  // Sends every value over a real advanced-mode IPC channel; a shell reads fd 3 into a file.
  const file = path.join(os.tmpdir(), `v8-golden-${process.pid}.bin`);
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `cat <&3 > '${file}'`], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
    let pending = values.length;
    const done = (e) => {
      if (e) return reject(e);
      if (--pending === 0) child.disconnect();
    };
    for (const v of values) child.send(v, done);
    child.on('exit', () => {
      const data = fs.readFileSync(file);
      fs.unlinkSync(file);
      const frames = [];
      for (let off = 0; off < data.length;) {
        const len = data.readUInt32BE(off);
        frames.push(data.subarray(off + 4, off + 4 + len));
        off += 4 + len;
      }
      resolve(frames);
    });
    child.on('error', reject);
  });
}

// Mirrors ChildProcessDeserializer: host object kind 0 = view, 1 = plain value.
function deserialize(buf) {
  const d = new v8.DefaultDeserializer(buf);
  d._readHostObject = function () {
    const k = this.readUint32();
    if (k === 0) return v8.DefaultDeserializer.prototype._readHostObject.call(this);
    if (k === 1) return this.readValue();
    throw new Error('bad host object kind');
  };
  d.readHeader();
  return d.readValue();
}

// --check FILE: FILE holds {name: hex} written by Go; each payload must
// deserialize (as Node's IPC receiver does) to a value deepStrictEqual to the case.
function check(file) {
  const assert = require('assert');
  const want = new Map(cases().map((x) => [x.name, x.value]));
  const got = JSON.parse(fs.readFileSync(file, 'utf8'));
  let n = 0;
  const failures = [];
  for (const [name, hex] of Object.entries(got)) {
    if (!want.has(name)) continue;
    try {
      const v = deserialize(Buffer.from(hex, 'hex'));
      // Compare with what Node itself reads back from its own bytes: V8 drops
      // custom error names, extra error properties and so on by design.
      const exp = deserialize(serialize(want.get(name)));
      if (v instanceof Date && isNaN(v) && exp instanceof Date && isNaN(exp)) { n++; continue; }
      assert.deepStrictEqual(v, exp);
      // err_real_stack carries this process's own stack trace, so it differs here.
      if (v instanceof Error && name !== 'err_real_stack') assert.strictEqual(v.stack, exp.stack);
      n++;
    } catch (e) {
      failures.push(name + ': ' + e.message.split('\n')[0]);
    }
  }
  console.log(JSON.stringify({ node: process.version, ok: n, failures }));
}

// Deno's IPC writes V8's own format (16 from V8 14.9 on) while its
// node:v8 serializer labels its output 15: keep what the channel wrote.
async function mainDeno(outdir) {
  const live = cases().filter((x) => x.live);
  const frames = await capture(live.map((x) => x.value));
  if (frames.length !== live.length) throw new Error(`captured ${frames.length} frames, want ${live.length}`);
  const out = live.map((x, i) => {
    const hex = frames[i].toString('hex');
    const ser = serialize(x.value).toString('hex');
    if (hex.slice(4) !== ser.slice(4)) throw new Error(`${x.name}: IPC wrote ${hex}, serializer ${ser}`);
    let readable = true;
    try { deserialize(frames[i]); } catch { readable = false; }
    return { name: x.name, hex, desc: describe(x.value), live: true, readable };
  });
  const version = `deno ${Deno.version.deno} (V8 ${Deno.version.v8})`;
  const file = path.join(outdir, `golden-deno${Deno.version.deno.split('.')[0]}.json`);
  fs.writeFileSync(file, JSON.stringify({ node: version, cases: out }, null, 0).replace(/\},\{/g, '},\n{') + '\n');
  console.log(`${version}: ${out.length} cases captured from live IPC -> ${file}`);
}

async function main() {
  if (process.argv[2] === '--check') return check(process.argv[3]);
  const outdir = process.argv[2] || path.join(__dirname, '..', 'v8');
  if (typeof Deno !== 'undefined') return mainDeno(outdir);
  const list = cases();
  const live = list.filter((x) => x.live);
  const frames = await capture(live.map((x) => x.value));
  if (frames.length !== live.length) throw new Error(`captured ${frames.length} frames, want ${live.length}`);
  let checked = 0;
  const out = list.map((x) => {
    const hex = serialize(x.value).toString('hex');
    if (x.live) {
      const got = frames[live.indexOf(x)].toString('hex');
      if (got !== hex) throw new Error(`${x.name}: IPC wrote ${got}, serializer ${hex}`);
      checked++;
    }
    // Node must read back what it wrote (same check as the IPC receiver).
    let readable = true;
    try { deserialize(Buffer.from(hex, 'hex')); } catch { readable = false; }
    return { name: x.name, hex, desc: describe(x.value), live: x.live, readable };
  });
  const major = process.versions.node.split('.')[0];
  const file = path.join(outdir, `golden-node${major}.json`);
  fs.writeFileSync(file, JSON.stringify({ node: process.version, cases: out }, null, 0).replace(/\},\{/g, '},\n{') + '\n');
  console.log(`${process.version}: ${out.length} cases, ${checked} verified against live IPC capture -> ${file}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
