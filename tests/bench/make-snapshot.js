// Builds a heap of about N objects of many kinds (classes, Maps, Sets,
// closures, arrays, strings, WeakMaps, a leak through a global) and writes a
// heap snapshot.  Usage: node make-snapshot.js OUT.heapsnapshot [SCALE]
// SCALE 1 (the benchmark's default) gives ~1.73 M nodes, ~138 MB, to match the
// snapshot of the issue (138 MB, 1.73 M nodes); SCALE 0.1 gives ~0.2 M nodes.
// Run it with a large heap: node --max-old-space-size=8000 make-snapshot.js ...
'use strict';
const v8 = require('v8');
const out = process.argv[2] || 'big.heapsnapshot';
const scale = Number(process.argv[3] || 1);

class Session { constructor(id, user) { this.id = id; this.user = user; this.items = []; this.meta = {created: id * 7, tag: 't' + (id % 97)}; } }
class User { constructor(name) { this.name = name; this.friends = new Set(); this.cb = () => this.name; } }
class CacheEntry { constructor(k, v) { this.key = k; this.value = v; this.hits = 0; } }

const users = [];
const n = Math.floor(63600 * scale);
// Each user's name is a unique flat string of ~190 characters (join makes a
// sequential string, not a cons string, so this adds bytes but no nodes): it
// brings the bytes per node up to those of the snapshot.
const bio = ' | profile: '.padEnd(180, 'lorem ipsum dolor sit amet ');
for (let i = 0; i < n; i++) users.push(new User(['user-', i, bio].join('')));
for (let i = 0; i < n; i++) users[i].friends.add(users[(i * 31) % n]);
const sessions = new Map();
for (let i = 0; i < n; i++) {
  const s = new Session(i, users[i % n]);
  for (let j = 0; j < 3; j++) s.items.push({sku: 'sku' + ((i + j) % 5000), qty: j, price: j * 1.5});
  sessions.set('s' + i, s);
}
const cache = new WeakMap();
const keep = [];
for (let i = 0; i < n / 2; i++) { const k = {k: i}; keep.push(k); cache.set(k, new CacheEntry(k, 'v' + i)); }
globalThis.leak = [];
for (let i = 0; i < n / 2; i++) globalThis.leak.push(new Array(4).fill(i).map(x => ({x, s: 'leak-' + x})));
globalThis.app = {users, sessions, keep};
v8.writeHeapSnapshot(out);
