// The Node child of examples/parent: it answers each message with a Map,
// which only the advanced serialization carries, and exits when the Go
// parent disconnects.
process.on('message', (job) => {
  process.send({ square: job.n * job.n, tags: new Map(job.tags.map((t) => [t, true])) });
});
