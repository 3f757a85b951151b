'use strict';
// Reads a JSON array of hex V8 payloads (argv[2]) and prints, for each,
// whether Node's IPC reader in 'advanced' mode accepts it: null when it
// does, else the error message. It runs the real reader
// (parseChannelMessages of internal/child_process/serialization), so it
// needs --expose-internals.
const fs = require('fs');
const { advanced } = require('internal/child_process/serialization');

const payloads = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = payloads.map((hex) => {
  const p = Buffer.from(hex, 'hex');
  const frame = Buffer.alloc(4 + p.length);
  frame.writeUInt32BE(p.length, 0);
  p.copy(frame, 4);
  const channel = {};
  advanced.initMessageChannel(channel);
  try {
    let n = 0;
    for (const _ of advanced.parseChannelMessages(channel, frame)) n++;
    return n === 1 ? null : `read ${n} messages`;
  } catch (e) {
    return String(e && e.message || e).slice(0, 120);
  }
});
process.stdout.write(JSON.stringify({ node: process.version, verdicts: out }));
