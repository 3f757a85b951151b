'use strict';
// Values exchanged by the compatibility tests. Every entry survives
// JSON.stringify/JSON.parse unchanged (so deepStrictEqual holds after a JSON
// round trip).

const json = [
  {}, [], '', 'plain text',
  'unicode é ß Ω 中文', 'emoji 😀🎉 👩‍👩‍👧', 'line\u2028separators\u2029here',
  'controls \u0000\u0001\u001f\u007f\t\n\r\b\f', 'quote " backslash \\ slash / <tag> & amp',
  'lone surrogate \ud800 and \udfff',
  0, -1, 1.5, -0.25, 1e21, 1e-7, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), Number.MAX_VALUE,
  Number.MIN_VALUE, 123456789, 0.1 + 0.2,
  true, false, null,
  [1, 'a', null, true, {}, []],
  { a: { b: { c: [1, [2, [3, { d: 'deep' }]]] } } },
  { 1: 'one', b: 2, a: 3, 0: 'zero' },
  { cmd: 'NODE_' }, { cmd: 'NOT_INTERNAL' }, { cmd: 42 },
  { 'key with spaces': 1, 'ключ': 2, '😀': 3, '': 4 },
  'x'.repeat(70000),
  Array.from({ length: 200 }, (_, i) => ({ i, s: String(i) })),
];

module.exports = { json };
