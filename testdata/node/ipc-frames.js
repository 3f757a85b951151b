'use strict';
// Captures the IPC frames a parent writes, as they are on the wire, into
// testdata/ipc/frames-<runtime>.json: in both serializations a user message,
// a message whose cmd is just NODE_ (not internal by Node's rule), and the NODE_HANDLE envelope of
// a net.Socket handed over from a server (with its connection key). A shell
// child copies descriptor 3 to a file; it never answers, so the handle's
// descriptor (sent with the envelope's first byte) is not kept and no ACK
// comes back; the shell is killed after it.
// Usage: node ipc-frames.js [outdir]
//        deno run -A --unstable-detect-cjs ipc-frames.js [outdir]
const { spawn } = require('child_process');
const net = require('net');
const fs = require('fs');
const os = require('os');
const path = require('path');

function frames(mode, data) {
  const out = [];
  if (mode === 'json') {
    for (let off = 0; off < data.length;) {
      const nl = data.indexOf(0x0a, off);
      if (nl < 0) throw new Error('unterminated JSON line');
      out.push(data.subarray(off, nl + 1));
      off = nl + 1;
    }
    return out;
  }
  for (let off = 0; off < data.length;) {
    const len = data.readUInt32BE(off);
    out.push(data.subarray(off, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

async function capture(mode) {
  const file = path.join(os.tmpdir(), `ipc-frames-${process.pid}-${mode}.bin`);
  const child = spawn('sh', ['-c', `cat <&3 > '${file}'`], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: mode });
  const exited = new Promise((r) => child.on('exit', r));
  const sent = (m, h) => new Promise((resolve, reject) => child.send(m, h, {}, (e) => (e ? reject(e) : resolve())));
  await sent({ hello: 'world', n: 1 });
  await sent({ cmd: 'NODE_', x: 1 }); // not internal: Node wants more after the prefix
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const socket = await new Promise((resolve) => {
    server.once('connection', resolve);
    net.connect(server.address().port, '127.0.0.1');
  });
  child.send('hold', socket);
  // The envelope waits for an ACK that never comes (and so would
  // disconnect()): stop the reader once it is written.
  await new Promise((r) => setTimeout(r, 300));
  child.kill();
  await exited;
  server.close();
  socket.destroy();
  const data = fs.readFileSync(file);
  fs.unlinkSync(file);
  const names = ['message', 'cmd NODE_ (not internal)', 'NODE_HANDLE net.Socket'];
  return frames(mode, data).map((f, i) => ({ name: names[i] || `frame ${i}`, mode, hex: f.toString('hex'), fds: i === 2 ? 1 : 0 }));
}

async function main() {
  const outdir = process.argv[2] || path.join(__dirname, '..', 'ipc');
  const isDeno = typeof Deno !== 'undefined';
  const who = isDeno ? `deno ${Deno.version.deno}` : process.version;
  const name = isDeno ? `deno${Deno.version.deno.split('.')[0]}` : `node${process.versions.node.split('.')[0]}`;
  const out = [...await capture('json'), ...await capture('advanced')];
  const file = path.join(outdir, `frames-${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ writer: who, frames: out }, null, 0).replace(/\},\{/g, '},\n{') + '\n');
  console.log(`${who}: ${out.length} frames -> ${file}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
