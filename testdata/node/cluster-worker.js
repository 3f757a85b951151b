'use strict';
// Node cluster worker for a Go primary: a plain HTTP server on $PORT that
// answers "node <NODE_UNIQUE_ID>". Messages are echoed as {echo, kind, id};
// {leave: true} makes the worker leave with cluster.worker.disconnect().
const cluster = require('node:cluster');
const http = require('node:http');
const assert = require('node:assert');

assert.ok(cluster.isWorker, 'not started as a cluster worker');
const id = cluster.worker.id;
const server = http.createServer((req, res) => res.end(`node ${id}`));
server.listen(+process.env.PORT);
process.on('message', (m) => {
  if (m && m.leave) {
    server.close();
    cluster.worker.disconnect();
    return;
  }
  process.send({ echo: m, kind: 'node', id });
});
