'use strict';
// A Node parent that sends go-child many messages and reads nothing for a
// while (a stall), then reads: go-child must stay alive with bounded memory
// and every reply must arrive, in order.
//
//   node stall-parent.js raw GO_CHILD N STALL_MS SIZE
//     go-child echo on a raw socket (the IPC channel's fd, spoken by hand in
//     NODEIPC_SERIALIZATION, json or advanced): the parent pauses the socket,
//     writes N messages of about SIZE bytes, waits STALL_MS, then resumes
//     and reads the N echoes. While the parent does not read, go-child's
//     echo loop waits in Send, its receive queue fills, and it must stop
//     reading: the parent's writes then stay buffered on the Node side.
//   node stall-parent.js fork GO_CHILD N STALL_MS SIZE SOCKETS
//     go-child serve TEXT, forked: the parent sends N messages with SOCKETS
//     accepted connections among them in one synchronous loop, then blocks
//     its event loop for STALL_MS (it reads nothing, and Node sends each
//     socket only after the previous one was acknowledged), then reads: the
//     N echoes arrive in order and every client gets TEXT.
//
// It prints one JSON line: {ok, alive, echoes, code, hwmKiB (go-child's peak
// RSS), sentKiB and unreadKiB (raw: what go-child had not read at the end
// of the stall), clients (fork: how many got TEXT), stderr, error}.
const { fork, spawn } = require('node:child_process');
const net = require('node:net');
const fs = require('node:fs');
const v8 = require('node:v8');

const [scenario, goChild, nArg, stallArg, sizeArg, socketsArg] = process.argv.slice(2);
const N = Number(nArg);
const STALL = Number(stallArg);
const SIZE = Number(sizeArg);
const SOCKETS = Number(socketsArg || 0);
const serialization = process.env.NODEIPC_SERIALIZATION || 'json';

let hwm = 0;
let childPid = 0;
function sample() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${childPid}/status`, 'utf8'));
    if (m) hwm = Math.max(hwm, Number(m[1]));
  } catch { /* exited */ }
}

function sleepBlocking(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function message(i) {
  return { i, pad: 'x'.repeat(Math.max(0, SIZE - 20)) };
}

// encode frames one message for the channel's serialization.
function encode(m) {
  if (serialization === 'advanced') {
    const p = v8.serialize(m);
    const f = Buffer.alloc(4 + p.length);
    f.writeUInt32BE(p.length, 0);
    p.copy(f, 4);
    return f;
  }
  return Buffer.from(JSON.stringify(m) + '\n');
}

// decoder returns a function that takes chunks and calls onMessage.
function decoder(onMessage) {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (serialization === 'advanced') {
        if (buf.length < 4) break;
        const n = buf.readUInt32BE(0);
        if (buf.length < 4 + n) break;
        onMessage(v8.deserialize(buf.subarray(4, 4 + n)));
        buf = buf.subarray(4 + n);
      } else {
        const i = buf.indexOf(10);
        if (i < 0) break;
        onMessage(JSON.parse(buf.subarray(0, i).toString()));
        buf = buf.subarray(i + 1);
      }
    }
  };
}

function finish(res) {
  console.log(JSON.stringify({ hwmKiB: hwm, ...res }));
}

async function raw() {
  const child = spawn(goChild, ['echo'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_CHANNEL_FD: '3', NODE_CHANNEL_SERIALIZATION_MODE: serialization },
  });
  childPid = child.pid;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { if (stderr.length < 4096) stderr += d; });
  let code = null;
  const exited = new Promise((r) => child.on('exit', (c, s) => { code = c === null ? s : c; r(); }));
  const timer = setInterval(sample, 20);
  const sock = child.stdio[3];
  sock.pause();
  for (let i = 0; i < N; i++) sock.write(encode(message(i)));
  await new Promise((r) => setTimeout(r, STALL));
  sample();
  // What go-child has not read: the bytes libuv could not write yet.
  const unreadKiB = Math.round(((sock._handle && sock._handle.writeQueueSize) || 0) / 1024);
  const sentKiB = Math.round(sock.bytesWritten / 1024);
  const alive = code === null;
  let echoes = 0;
  let error = '';
  const done = new Promise((resolve) => {
    sock.on('data', decoder((m) => {
      if (m.i !== echoes && !error) error = `echo ${echoes} is ${JSON.stringify(m).slice(0, 80)}`;
      echoes++;
      if (echoes === N) resolve();
    }));
    sock.on('close', resolve);
  });
  sock.resume();
  await Promise.race([done, new Promise((r) => setTimeout(r, 60000).unref())]);
  clearInterval(timer);
  sample();
  sock.destroy();
  await exited;
  finish({ ok: alive && echoes === N && !error, alive, echoes, code, sentKiB, unreadKiB, stderr, error });
}

async function forked() {
  const child = fork('serve', ['TEXT'], { execPath: goChild, execArgv: [], serialization, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  childPid = child.pid;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { if (stderr.length < 4096) stderr += d; });
  let code = null;
  const exited = new Promise((r) => child.on('exit', (c, s) => { code = c === null ? s : c; r(); }));
  const timer = setInterval(sample, 20);

  const server = net.createServer({ pauseOnConnect: true });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  // Connect the clients first; the accepted sockets go to the child.
  const accepted = [];
  const gotAll = new Promise((r) => server.on('connection', (s) => { accepted.push(s); if (accepted.length === SOCKETS) r(); }));
  const clients = [];
  for (let k = 0; k < SOCKETS; k++) {
    const c = net.connect(port, '127.0.0.1');
    let text = '';
    c.setEncoding('utf8');
    c.on('data', (d) => { text += d; });
    clients.push(new Promise((r) => { c.on('close', () => r(text)); c.on('error', () => r(text)); }));
  }
  if (SOCKETS) await gotAll;

  let echoes = 0;
  let error = '';
  const done = new Promise((resolve) => {
    child.on('message', (m) => {
      if (m.i !== echoes && !error) error = `echo ${echoes} is ${JSON.stringify(m).slice(0, 80)}`;
      echoes++;
      if (echoes === N) resolve();
    });
    child.on('exit', resolve);
  });
  const every = SOCKETS ? Math.floor(N / (SOCKETS + 1)) : 0;
  let s = 0;
  for (let i = 0; i < N; i++) {
    child.send(message(i));
    if (every && (i + 1) % every === 0 && s < SOCKETS) child.send({ socket: s }, accepted[s++]);
  }
  sleepBlocking(STALL); // the stall: no read, no write
  sample();
  const alive = code === null;
  await Promise.race([done, new Promise((r) => setTimeout(r, 60000).unref())]);
  const texts = await Promise.race([Promise.all(clients), new Promise((r) => setTimeout(() => r(null), 30000).unref())]);
  clearInterval(timer);
  sample();
  const served = texts ? texts.filter((t) => t === 'TEXT').length : -1;
  child.disconnect();
  await exited;
  server.close();
  finish({ ok: alive && echoes === N && !error && served === SOCKETS, alive, echoes, code, clients: served, stderr, error });
}

const run = { raw, fork: forked }[scenario];
if (!run) {
  console.error(`unknown scenario ${scenario}`);
  process.exit(2);
}
run().catch((err) => { finish({ ok: false, error: String(err && err.stack || err) }); process.exitCode = 1; });
