'use strict';
// ns/op of Node's IPC serializer (same subclass as v8-golden.js) on the Go benchmark values.
const v8 = require('v8');
class IPCSerializer extends v8.DefaultSerializer {
  _writeHostObject(obj) {
    if (ArrayBuffer.isView(obj)) { this.writeUint32(0); return super._writeHostObject(obj); }
    this.writeUint32(1); this.writeValue({ ...obj });
  }
}
class IPCDeserializer extends v8.DefaultDeserializer {
  _readHostObject() { const k = this.readUint32(); return k === 0 ? super._readHostObject() : this.readValue(); }
}
const ser = (v) => { const s = new IPCSerializer(); s.writeHeader(); s.writeValue(v); return s.releaseBuffer(); };
const de = (b) => { const d = new IPCDeserializer(b); d.readHeader(); return d.readValue(); };
const values = {
  SmallObject: { seq: 1, p: '16 bytes payload.' },
  String1KiB: { s: 'x'.repeat(1024) },
  Buffer64KiB: Buffer.alloc(64 << 10),
  Nested: { id: 42, name: 'test', tags: ['a', 'b'], nested: { ok: true, val: null, arr: [1, 'two', { three: 3 }] } },
};
function bench(fn) {
  for (let i = 0; i < 20000; i++) fn();
  let n = 0; const t0 = process.hrtime.bigint(); let t;
  do { for (let i = 0; i < 1000; i++) fn(); n += 1000; t = process.hrtime.bigint() - t0; } while (t < 500_000_000n);
  return Number(t) / n;
}
for (const [name, v] of Object.entries(values)) {
  const b = ser(v);
  console.log(`${process.version} ${name}: serialize ${bench(() => ser(v)).toFixed(0)} ns/op, deserialize ${bench(() => de(b)).toFixed(0)} ns/op`);
}
