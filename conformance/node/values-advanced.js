'use strict';
// Values for serialization: 'advanced'. Everything here survives a V8
// serialize/deserialize round trip deep-equal (assert.deepStrictEqual).
const major = Number(process.versions.node.split('.')[0]);

const shared = { s: 'shared' };
const cyclic = { name: 'cycle' };
cyclic.self = cyclic;
const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
sparse[10] = 'ten';
const withProps = [1, 2];
withProps.extra = 'prop';
const err = new TypeError('bad thing', { cause: { code: 42 } });
err.stack = 'TypeError: bad thing\n    at fake (file.js:1:1)';
const plainErr = new Error('plain');
plainErr.stack = 'Error: plain';
const sub = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]).subarray(2, 6);

const advanced = [
  {}, [], '', 'ascii', 'latin1 é', 'two-byte Ω', 'emoji 😀', 'lone \ud800 surrogate',
  0, -0, 1, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 53, 1.5, NaN, Infinity, -Infinity, 5e-324,
  true, false, null,
  { u: undefined, n: null, nested: { a: [1, 'two', { three: 3 }] } },
  { 1: 'one', b: 2, 0: 'zero', 'Ω': 'omega' },
  [1.5, 2, 3.25], [undefined, null], sparse, withProps,
  new Date(0), new Date(1700000000123),
  /ab+c/gi, /x/msuy, ...(major >= 20 ? [new RegExp('[\\p{L}]', 'v')] : []), /d/d,
  new Map([[1, 'one'], ['k', { v: true }], [{ obj: 1 }, [2]]]), new Set([1, 'a', { b: 2 }]),
  { big: 123456789012345678901234567890n, neg: -(2n ** 64n), zero: 0n }, [10n],
  Buffer.from('hello buffer'), Buffer.alloc(0), new Uint8Array([1, 2, 3]), sub,
  new Int8Array([-1, 2]), new Uint8ClampedArray([255]), new Int16Array([-300]), new Uint16Array([65535]),
  new Int32Array([-1]), new Uint32Array([4294967295]), new Float32Array([1.5]), new Float64Array([Math.PI]),
  new BigInt64Array([-5n]), new BigUint64Array([2n ** 64n - 1n]),
  new DataView(new Uint8Array([9, 8, 7]).buffer),
  new ArrayBuffer(4),
  err, plainErr, new RangeError('range'),
  new Boolean(false), new Number(3.5), new String('boxed'),
  { a: shared, b: shared }, cyclic,
  'x'.repeat(100000), 'Ω'.repeat(50000),
  Array.from({ length: 100 }, (_, i) => ({ i, d: new Date(i) })),
];

module.exports = { advanced };
