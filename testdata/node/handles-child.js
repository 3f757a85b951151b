'use strict';
// A Node child that receives sockets from a Go parent (compat_handles_test.go).
// For every message it reports {got: JSON.stringify(message), type} where type is the handle's
// class ('net.Server', 'net.Socket', 'dgram.Socket', 'TCP', 'Pipe', 'UDP' for
// raw handles, '' without one), then:
//   net.Server    answers each connection with "node" and closes it
//   net.Socket    writes "node"; {hold: true} keeps it open until the parent
//                 sends {closeHeld: n}, otherwise it is closed at once
//   dgram.Socket  answers each datagram with "node"
// {closeHeld: n} closes n held sockets and reports {closed: n, held: k}.
// {fds: true} reports {fds: <open descriptors>}. Exits 0 on disconnect.
const net = require('node:net');
const dgram = require('node:dgram');
const fs = require('node:fs');

const held = [];
const kept = [];

function typeOf(h) {
  if (!h) return '';
  if (h instanceof net.Server) return 'net.Server';
  if (h instanceof net.Socket) return 'net.Socket';
  if (h instanceof dgram.Socket) return 'dgram.Socket';
  return h.constructor.name; // TCP, Pipe, UDP
}

process.on('message', (m, h) => {
  if (m && typeof m === 'object' && typeof m.closeHeld === 'number') {
    const n = m.closeHeld;
    for (const s of held.splice(0, n)) s.destroy();
    process.send({ closed: n, held: held.length });
    return;
  }
  if (m && typeof m === 'object' && m.fds) {
    process.send({ fds: fs.readdirSync('/proc/self/fd').length });
    return;
  }
  const type = typeOf(h);
  if (h instanceof net.Server) {
    h.on('connection', (s) => s.end('node'));
    kept.push(h);
  } else if (h instanceof net.Socket) {
    h.on('error', () => {});
    h.write('node');
    if (m && m.hold) held.push(h);
    else h.end();
  } else if (h instanceof dgram.Socket) {
    h.on('message', (d, rinfo) => h.send('node', rinfo.port, rinfo.address));
    kept.push(h);
  } else if (h) {
    h.close();
  }
  process.send({ got: JSON.stringify(m), type });
});

process.on('disconnect', () => {
  for (const k of kept) k.close();
  for (const s of held) s.destroy();
});
