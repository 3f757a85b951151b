'use strict';
// The Node child of the hand-off benchmark: the same work as `go-child serve
// TEXT` — write TEXT to every socket the parent sends and close it; send
// plain messages back.
const text = process.argv.slice(2).join(' ');
process.on('message', (m, handle) => {
  if (handle) {
    handle.on('error', () => {});
    handle.end(text);
  } else {
    process.send(m);
  }
});
