// Depth and breadth: a singly linked list of 20,000 nodes hanging off a
// global (a dominator chain 20,000 deep, retained sizes summed down the
// whole chain; recursive algorithms overflow here), a doubly linked ring of
// 500 nodes (every node has two retainers), and a Map with 3,000 entries
// whose values share a few objects.
// Usage: node chain.js OUT.heapsnapshot
'use strict';
const v8 = require('v8');
const out = process.argv[2] || 'chain.heapsnapshot';

class ListNode { constructor(value, next) { this.value = value; this.next = next; } }
let head = null;
for (let i = 0; i < 20000; i++) head = new ListNode(i % 7 ? null : 'v' + i, head);
globalThis.list = head;

class RingNode { constructor(i) { this.i = i; this.prev = null; this.next = null; } }
const ring = Array.from({length: 500}, (_, i) => new RingNode(i));
for (let i = 0; i < ring.length; i++) {
  ring[i].next = ring[(i + 1) % ring.length];
  ring[(i + 1) % ring.length].prev = ring[i];
}
globalThis.ringEntry = ring[0];

const shared = [{tag: 'red'}, {tag: 'green'}, {tag: 'blue'}];
const big = new Map();
for (let i = 0; i < 3000; i++) big.set('key-' + i, {n: 'n' + i, color: shared[i % 3]});
globalThis.bigMap = big;

v8.writeHeapSnapshot(out);
