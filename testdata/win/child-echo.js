'use strict';
// A Node child for a Go parent (go-helper start): answers every message with
// {echo: JSON.stringify(message)}; exits when the parent disconnects.
process.on('message', (m) => process.send({ echo: JSON.stringify(m) }));
