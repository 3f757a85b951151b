'use strict';
// The reference child: the conformance kit's child protocol implemented by
// Node itself. A candidate child scores what this one scores.
//   node ref-child.cjs MODE [ARGS...]
// Modes (conformance/README.md):
//   echo           send every message back unchanged; close received handles
//   serve TEXT...  answer every handed socket with TEXT (net.Socket: write and
//                  close, or with the message 'hold' keep it open until the
//                  peer ends it; net.Server: each connection; dgram.Socket:
//                  each datagram); send plain messages back
//   send           {op:'socket', port}: connect and send the socket back;
//                  {op:'server'}: listen on 127.0.0.1:0 and send the server;
//                  {op:'dgram'}: bind 127.0.0.1:0 and send the socket;
//                  {op:'disconnect'}: disconnect; anything else is echoed
//   http-worker TEXT...
//                  as a cluster worker, serve HTTP on $PORT answering TEXT
const net = require('node:net');
const dgram = require('node:dgram');
const http = require('node:http');

const [mode, ...args] = process.argv.slice(2);
const text = args.join(' ');

const modes = {
  echo() {
    process.on('message', (m, h) => {
      if (h) h.close ? h.close() : h.destroy();
      process.send(m);
    });
  },
  serve() {
    process.on('message', (m, h) => {
      if (!h) { process.send(m); return; }
      if (h instanceof net.Server) h.on('connection', (s) => s.end(text));
      else if (h instanceof net.Socket) {
        h.on('error', () => {});
        if (m === 'hold') { h.write(text); h.on('end', () => h.end()); h.resume(); } else h.end(text);
      } else if (h instanceof dgram.Socket) h.on('message', (d, r) => h.send(text, r.port, r.address));
    });
    process.on('disconnect', () => process.exit(0));
  },
  send() {
    process.on('message', (m) => {
      if (m && m.op === 'socket') {
        const s = net.connect(m.port, '127.0.0.1', () => process.send({ op: 'socket' }, s));
      } else if (m && m.op === 'server') {
        const srv = net.createServer();
        srv.listen(0, '127.0.0.1', () => process.send({ op: 'server', port: srv.address().port }, srv, () => srv.close()));
      } else if (m && m.op === 'dgram') {
        const u = dgram.createSocket('udp4');
        u.bind(0, '127.0.0.1', () => process.send({ op: 'dgram', port: u.address().port }, u, () => u.close()));
      } else if (m && m.op === 'disconnect') {
        process.disconnect();
      } else process.send(m);
    });
  },
  'http-worker'() {
    http.createServer((req, res) => res.end(text)).listen(Number(process.env.PORT || 8000));
  },
};

if (!modes[mode]) {
  console.error(`ref-child: unknown mode ${mode}`);
  process.exit(2);
}
modes[mode]();
