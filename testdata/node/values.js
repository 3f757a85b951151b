'use strict';
// The JSON value table is the conformance kit's (conformance/node/values.js):
// the compatibility tests and the kit exchange the same values.
module.exports = require('../../conformance/node/values.js');
