// tests/diff/diff.sh: three heap snapshots of one process, N more
// LeakedItem objects retained between each (by a module-level array), so
// that a diff must find exactly +N of that class.
// Usage: node grow.js DIR N
'use strict';
const v8 = require('v8');
const path = require('path');
const dir = process.argv[2];
const n = Number(process.argv[3] || 1000);

class LeakedItem {
  constructor(i) { this.id = i; this.payload = 'item-' + i; }
}
const kept = [];
function grow() { for (let i = 0; i < n; i++) kept.push(new LeakedItem(kept.length)); }

grow();
v8.writeHeapSnapshot(path.join(dir, 'base.heapsnapshot'));
grow();
v8.writeHeapSnapshot(path.join(dir, 'target.heapsnapshot'));
grow();
v8.writeHeapSnapshot(path.join(dir, 'final.heapsnapshot'));
