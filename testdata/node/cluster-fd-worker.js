'use strict';
// Node cluster worker for a Go primary: serves "fd <id>" on listen({fd:
// $FD}) (a descriptor of the primary, as cluster documents), and reports
// the errors the primary gives for a descriptor that is not a socket, a
// socket path already in use ($BUSY_PATH) and a UDP port already bound
// ($BUSY_UDP), and binds a reuseAddr+ipv6Only udp6 socket on ::1:
// {ready: true, errors: {...}}.
const cluster = require('node:cluster');
const net = require('node:net');
const dgram = require('node:dgram');

const id = cluster.worker.id;
const errors = {};
let pending = 5;
const done = () => { if (--pending === 0) process.send({ ready: true, errors }); };
net.createServer((c) => c.end(`fd ${id}`)).listen({ fd: +process.env.FD }, done);
for (const [name, opts] of [['badfd', { fd: 9999 }], ['busypath', { path: process.env.BUSY_PATH }]]) {
  const s = net.createServer();
  s.on('error', (e) => { errors[name] = `${e.code} ${e.syscall}`; done(); });
  s.listen(opts, () => { errors[name] = 'listening'; done(); });
}
const u = dgram.createSocket('udp4');
u.on('error', (e) => { errors.busyudp = `${e.code} ${e.syscall}`; done(); });
u.bind(+process.env.BUSY_UDP, '127.0.0.1', () => { errors.busyudp = 'bound'; done(); });
const u6 = dgram.createSocket({ type: 'udp6', reuseAddr: true, ipv6Only: true });
u6.on('error', (e) => { errors.udp6 = `${e.code} ${e.syscall}`; done(); });
u6.bind({ port: 0, address: '::1' }, () => { errors.udp6 = `bound ${u6.address().family}`; done(); });
