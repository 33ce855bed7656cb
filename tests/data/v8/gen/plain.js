// Baseline: node with (almost) nothing of its own on the heap.
// Usage: node plain.js OUT.heapsnapshot
'use strict';
require('v8').writeHeapSnapshot(process.argv[2] || 'plain.heapsnapshot');
