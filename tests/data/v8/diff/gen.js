// One node process, three heap snapshots, for heapsift diff against
// DevTools' Comparison (see README.md beside this file):
//   s0  the base: a few classes, strings, arrays, closures, Maps, plain objects
//   s1  after a phase that allocates and frees (the "grow" pair is s0 -> s1)
//   s2  after a phase that only drops references (the "shrink" pair is s1 -> s2)
// Node ids stay with their objects from one snapshot to the next of one
// process, so new and deleted objects are matched by id.
// Usage: node gen.js OUTDIR   (make-pairs.sh runs it with --predictable
// --hash-seed=1 --random-seed=1 to keep it as repeatable as it goes)
'use strict';
const v8 = require('v8');
const path = require('path');
const dir = process.argv[2] || '.';
const snap = name => v8.writeHeapSnapshot(path.join(dir, name + '.heapsnapshot'));

class Item {
  constructor(i) {
    this.i = i;
    this.name = 'item-' + i;      // a string of its own
    this.data = [i, 'd' + i];     // an array (its elements move into it)
  }
}
class Temp {
  constructor(i) { this.t = 'temp-' + i; }
}
class Session {
  constructor(i) {
    this.id = 'session-' + i;
    this.onClose = () => this.id;  // a closure and a context per session
  }
}
// Two classes named Widget: DevTools keeps them apart by location.
const WidgetA = (() => class Widget { constructor(i) { this.kind = 'A' + i; } })();
const WidgetB = (() => class Widget { constructor(i) { this.kind = 'B' + i; this.extra = ['b' + i]; } })();

const app = {
  items: [], temps: [], sessions: [], widgetsA: [], widgetsB: [],
  index: new Map(), ab: [], xy: [], strings: [], grower: [], handlers: [],
};
globalThis.app = app;

// --- s0
for (let i = 0; i < 300; i++) app.items.push(new Item(i));
for (let i = 0; i < 200; i++) app.temps.push(new Temp(i));
for (let i = 0; i < 100; i++) app.sessions.push(new Session(i));
for (let i = 0; i < 50; i++) app.widgetsA.push(new WidgetA(i));
for (let i = 0; i < 30; i++) app.widgetsB.push(new WidgetB(i));
for (let i = 0; i < 100; i++) app.index.set('k' + i, {v: 'value-' + i});
// plain objects: DevTools names them by their properties ({a, b}, {x, y})
for (let i = 0; i < 100; i++) app.ab.push({a: 'a' + i, b: 'b' + i});
for (let i = 0; i < 50; i++) app.xy.push({x: 'x' + i, y: 'y' + i});
for (let i = 0; i < 100; i++) app.strings.push('string number ' + i + ' ☃');
for (let i = 0; i < 10; i++) app.grower.push('g' + i);
snap('s0');

// --- s1: some objects added, some freed, some changed
for (let i = 300; i < 500; i++) app.items.push(new Item(i));
app.temps.splice(0, 150);                      // 150 Temps freed
for (let i = 100; i < 150; i++) app.sessions.push(new Session(i));
for (let i = 0; i < 40; i++) app.handlers.push(function handler() { return i; });
app.widgetsA.splice(0, 10);
for (let i = 100; i < 150; i++) app.index.set('k' + i, {v: 'value-' + i});
for (let i = 0; i < 30; i++) app.index.delete('k' + i);
// 60 of the {a, b} objects gain a property: they become {a, b, c}
for (let i = 0; i < 60; i++) app.ab[i].c = 'c' + i;
// every {x, y} gains z: the target has no {x, y} any more, so DevTools
// names the base's {x, y} objects by the target's definitions
for (const o of app.xy) o.z = 'z';
for (let i = 100; i < 200; i++) app.strings.push('string number ' + i + ' ☃');
app.strings.splice(0, 20);
for (let i = 10; i < 1000; i++) app.grower.push('g' + i);  // its elements grow in place
snap('s1');

// --- s2: references dropped, nothing new kept
app.temps.length = 0;
app.items.length = 250;
app.widgetsB = null;
app.index.clear();
app.sessions.length = 0;
app.strings.length = 50;
app.handlers = null;
snap('s2');
