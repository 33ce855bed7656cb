// A leaking program: 2000 LeakyItem objects that nobody needs any more stay
// reachable from a global array, through a closure that captures a Map.
// Around the leak: Maps, Sets, closures, arrays, ASCII / non-ASCII / emoji
// strings, cons strings, WeakMap entries, WeakRefs, typed arrays and
// ArrayBuffers, plain objects of a few repeated shapes, and two classes
// both named Widget defined in different places.
// Usage: node leak.js OUT.heapsnapshot   (make-fixtures.sh runs it with
// --predictable --hash-seed=1 --random-seed=1 to keep it reproducible)
'use strict';
const v8 = require('v8');
const out = process.argv[2] || 'leak.heapsnapshot';
const N = 2000;

class LeakyItem {
  constructor(id) {
    this.id = id;
    this.label = 'item-' + id;                 // a cons or flat string per item
    this.payload = new Array(16).fill(id);     // 16 small integers
    this.tags = ['leak', id % 2 ? 'odd' : 'even'];
    this.createdAt = {seq: id, when: 1700000000000 + id};
  }
}

// The leak: a request handler registry whose closure captures a Map that
// only ever grows.
function makeRegistry() {
  const byId = new Map();
  function remember(item) { byId.set(item.id, item); return byId.size; }
  function lookup(id) { return byId.get(id); }
  return {remember, lookup};
}
const registry = makeRegistry();
globalThis.handlers = [registry.remember, registry.lookup];
for (let i = 0; i < N; i++) registry.remember(new LeakyItem(i));

// Two different classes that share a name: DevTools splits them by location.
const widgetsA = (() => {
  class Widget { constructor(i) { this.kind = 'A'; this.i = i; } }
  return Array.from({length: 30}, (_, i) => new Widget(i));
})();
const widgetsB = (() => {
  class Widget { constructor(i) { this.kind = 'B'; this.i = i; this.extra = [i]; } }
  return Array.from({length: 20}, (_, i) => new Widget(i));
})();

// Plain objects of a few repeated shapes: DevTools names them {x, y} etc.
// (Small integers are not heap objects and make no edges, so the values
// here are strings or objects.)
const points = [];
for (let i = 0; i < 120; i++) points.push({x: 'x' + i, y: {depth: 'y' + i}});
const people = [];
for (let i = 0; i < 80; i++) people.push({name: 'p' + i, age: 20 + (i % 50), email: 'p' + i + '@example.org'});
const odd = [];
for (let i = 0; i < 10; i++) odd.push({'a,b': 'v' + i, "it's": 'w' + i, '{x}': 'z' + i, 'snow ☃': 'u' + i});

// Strings: ASCII, non-ASCII, emoji (a surrogate pair in the JSON), cons strings.
const strings = {
  ascii: 'hello world',
  snow: 'snow ☃ — naïve café',
  emoji: 'grin 😀 face',
  cons: [],
};
let s = 'start:';
for (let i = 0; i < 40; i++) { s = s + 'chunk' + i + '-☃-'; if (i % 8 === 7) strings.cons.push(s); }
strings.longCons = s;

// Maps and Sets.
const index = new Map();
for (let i = 0; i < 200; i++) index.set('k' + i, {v: i});
const seen = new Set();
for (let i = 0; i < 150; i++) seen.add('s' + (i * 7));
const objSet = new Set(points.slice(0, 50));

// WeakMap entries (keys kept alive, and one key only held weakly) and WeakRefs.
const wm = new WeakMap();
const wmKeys = [];
for (let i = 0; i < 40; i++) { const k = {key: i}; wmKeys.push(k); wm.set(k, {meta: 'value-' + i}); }
const refs = [];
for (let i = 0; i < 25; i++) refs.push(new WeakRef(people[i]));
const ephemeralTarget = {onlyWeak: true};
refs.push(new WeakRef(ephemeralTarget));   // strongly held below too
const fr = new FinalizationRegistry(() => {});
fr.register(points[0], 'points0');

// Typed arrays and ArrayBuffers.
const buffers = [];
for (let i = 0; i < 8; i++) buffers.push(new ArrayBuffer(1024 * (i + 1)));
const f64 = new Float64Array(buffers[3]);
f64[0] = Math.PI;
const u8 = new Uint8Array(4096);
const view = new DataView(buffers[1], 16, 64);

// Closures over different scopes.
const counters = [];
for (let i = 0; i < 30; i++) { let c = i; counters.push(() => ++c); }

globalThis.app = {
  widgetsA, widgetsB, points, people, odd, strings, index, seen, objSet, wm, wmKeys, refs,
  ephemeralTarget, fr, buffers, f64, u8, view, counters,
};

v8.writeHeapSnapshot(out);
