'use strict';
// The advanced value table is the conformance kit's
// (conformance/node/values-advanced.js).
module.exports = require('../../conformance/node/values-advanced.js');
