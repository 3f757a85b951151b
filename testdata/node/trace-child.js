'use strict';
// A Node child for the trace hook's test (nodeipc/trace_test.go): echoes
// every message (closing a handle that came with it); {socket: true} makes
// it listen on 127.0.0.1:0, connect to itself, and send the accepted socket
// to the parent with the message {handed: true}.
const net = require('node:net');

process.on('message', (m, h) => {
  if (h) (h.destroy || h.close).call(h); // a socket, or a server
  if (m && m.socket) {
    const srv = net.createServer({ pauseOnConnect: true }, (sock) => {
      process.send({ handed: true }, sock, () => srv.close());
    }).listen(0, '127.0.0.1', () => net.connect(srv.address().port, '127.0.0.1').on('error', () => {}));
    return;
  }
  process.send(m);
});
process.on('disconnect', () => process.exit(0));
