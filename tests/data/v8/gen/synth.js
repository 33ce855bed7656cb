// Hand-made V8 heap snapshots that exercise Chrome DevTools' rules and the
// loader's edge cases on purpose (see ../README.md for what each file
// holds).  Deterministic: a seeded PRNG, no dependencies, no clock.
// Usage: node synth.js OUTDIR [NAME...]
//   writes OUTDIR/NAME.heapsnapshot for every synthetic fixture (or the
//   named ones), and OUTDIR/NAME.oracle.heapsnapshot when DevTools' loader
//   cannot read NAME's layout (see 'oracleCopy' below).
'use strict';
const fs = require('fs');
const path = require('path');

// ---------------------------------------------------------------- helpers

function mulberry32(seed) {
  let a = seed >>> 0;
  return function() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const V8_NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
const V8_NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
                       'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'];
const V8_EDGE_FIELDS = ['type', 'name_or_index', 'to_node'];
const V8_EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
const V8_KEY_ORDER = ['snapshot', 'nodes', 'edges', 'trace_function_infos', 'trace_tree', 'samples', 'locations',
                      'strings'];

// A heap graph.  Nodes are numbered (ordinals) in the order they are added;
// each node's edges keep the order they were added in.
class Graph {
  constructor(opts = {}) {
    this.nodes = [];
    this.locations = [];
    this.nextId = opts.firstId ?? 1;
    this.idStep = opts.idStep ?? 2;
  }
  add(type, name, self = 0, o = {}) {
    let id = o.id;
    if (id === undefined) {
      id = this.nextId;
      this.nextId += this.idStep;
    }
    this.nodes.push({type, name, self, id, det: o.det ?? 0, trace: o.trace ?? 0, out: []});
    return this.nodes.length - 1;
  }
  // name: a string (a string-table entry) or, for element and hidden
  // edges, a number.
  edge(from, type, name, to) {
    if (!Number.isInteger(to) || to < 0 || to >= this.nodes.length)
      throw new Error(`bad edge target ${to}`);
    this.nodes[from].out.push({type, name, to});
    return this;
  }
  id(n) {
    return this.nodes[n].id;
  }
  loc(node, scriptId, line, column) {
    this.locations.push([node, scriptId, line, column]);
  }
}

// JSON string writers.  'v8' escapes like V8's serializer does (every
// non-ASCII UTF-16 unit as \uXXXX, upper-case hex); 'raw' writes UTF-8;
// 'mixed' varies the escapes from string to string (every JSON escape,
// \/ included, upper and lower case hex).
function escapeString(s, style, k = 0) {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    const hex = (v, lower) => {
      const h = v.toString(16).padStart(4, '0');
      return '\\u' + (lower ? h : h.toUpperCase());
    };
    const alt = style === 'mixed' && ((i + k) % 2 === 1);
    if (ch === '"') out += alt ? '\\u0022' : '\\"';
    else if (ch === '\\') out += alt ? '\\u005c' : '\\\\';
    else if (ch === '/') out += style === 'mixed' && !alt ? '\\/' : '/';
    else if (ch === '\b') out += alt ? '\\u0008' : '\\b';
    else if (ch === '\f') out += alt ? '\\u000C' : '\\f';
    else if (ch === '\n') out += alt ? '\\u000a' : '\\n';
    else if (ch === '\r') out += alt ? '\\u000D' : '\\r';
    else if (ch === '\t') out += alt ? '\\u0009' : '\\t';
    else if (c < 0x20) out += hex(c, alt);
    else if (c < 0x7f) out += style === 'mixed' && (i + k) % 7 === 3 && /[a-z]/.test(ch) ? hex(c, alt) : ch;
    else if (style === 'raw' || (style === 'mixed' && (i + k) % 3 === 0 && !(c >= 0xd800 && c < 0xe000)))
      out += ch;
    else if (style === 'mixed' && c >= 0xd800 && c < 0xdc00 && (i + k) % 3 === 0)
      out += s.slice(i, i + 2), i++;  // a whole surrogate pair as UTF-8
    else out += hex(c, alt);
  }
  return out + '"';
}

// Serializes G with layout L:
//   nodeFields, edgeFields, nodeTypes, edgeTypes  the meta layout
//   keyOrder       order of the top-level keys
//   extraKeys      {key: [position (index in keyOrder, or 'end'), value]}
//   snapshotExtra  extra members of "snapshot" (root_index, extra_native_bytes, ...)
//   metaExtra      extra members of "snapshot"."meta"
//   style          'v8' (V8's line breaks), 'compact', 'pretty' (one number a
//                  line, indented), 'messy' (tabs, CRLF, runs of spaces)
//   strStyle       escapeString style for the strings array
//   trace          {functionInfos: [[6 numbers]...], tree: nested array, samples: [...]}
//   locations      force "locations" and meta.location_fields
function serialize(g, L = {}) {
  const nodeFields = L.nodeFields || V8_NODE_FIELDS;
  const edgeFields = L.edgeFields || V8_EDGE_FIELDS;
  const nodeTypes = L.nodeTypes || V8_NODE_TYPES;
  const edgeTypes = L.edgeTypes || V8_EDGE_TYPES;
  const nf = nodeFields.length;
  const strings = ['<dummy>'];
  const strIndex = new Map([['<dummy>', 0]]);
  const str = s => {
    if (typeof s !== 'string') throw new Error('string expected: ' + s);
    let i = strIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      strIndex.set(s, i);
    }
    return i;
  };
  for (const s of L.extraStrings || []) str(s);
  const nodes = [];
  const edges = [];
  let edgeCount = 0;
  for (const n of g.nodes) {
    const t = nodeTypes.indexOf(n.type);
    if (t < 0) throw new Error('no node type ' + n.type);
    const row = [];
    for (const f of nodeFields) {
      switch (f) {
        case 'type': row.push(t); break;
        case 'name': row.push(str(n.name)); break;
        case 'id': row.push(n.id); break;
        case 'self_size': row.push(n.self); break;
        case 'edge_count': row.push(n.out.length); break;
        case 'trace_node_id': row.push(n.trace); break;
        case 'detachedness': row.push(n.det); break;
        default: throw new Error('field ' + f);
      }
    }
    nodes.push(row);
    for (const e of n.out) {
      const et = edgeTypes.indexOf(e.type);
      if (et < 0) throw new Error('no edge type ' + e.type);
      const byIndex = e.type === 'element' || e.type === 'hidden';
      if (byIndex !== (typeof e.name === 'number')) throw new Error(`edge ${e.type} named ${e.name}`);
      const row = [];
      for (const f of edgeFields) {
        if (f === 'type') row.push(et);
        else if (f === 'name_or_index') row.push(byIndex ? e.name : str(e.name));
        else if (f === 'to_node') row.push(e.to * nf);
        else throw new Error('edge field ' + f);
      }
      edges.push(row);
      edgeCount++;
    }
  }
  const meta = {
    node_fields: nodeFields,
    node_types: nodeFields.map(f => f === 'type' ? nodeTypes : f === 'name' ? 'string' : 'number'),
    edge_fields: edgeFields,
    edge_types: edgeFields.map(f => f === 'type' ? edgeTypes : f === 'name_or_index' ? 'string_or_number' : 'node'),
  };
  const sections = {};
  if (L.trace) {
    meta.trace_function_info_fields = ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'];
    meta.trace_node_fields = ['id', 'function_info_index', 'count', 'size', 'children'];
    meta.sample_fields = ['timestamp_us', 'last_assigned_id'];
    sections.trace_function_infos = L.trace.functionInfos.map(r => r.map((v, i) => i === 1 || i === 2 ? str(v) : v));
    sections.trace_tree = L.trace.tree;
    sections.samples = L.trace.samples;
  } else if (L.v8Sections !== false) {
    sections.trace_function_infos = [];
    sections.trace_tree = [];
    sections.samples = [];
  }
  if (g.locations.length || L.locations) {
    meta.location_fields = ['object_index', 'script_id', 'line', 'column'];
    sections.locations = g.locations.map(([n, s, l, c]) => [n * nf, s, l, c]);
  }
  Object.assign(meta, L.metaExtra || {});
  const snapshot = {meta, node_count: g.nodes.length, edge_count: edgeCount,
                    trace_function_count: L.trace ? L.trace.functionInfos.length : 0};
  if (L.noTraceCount) delete snapshot.trace_function_count;
  Object.assign(snapshot, L.snapshotExtra || {});
  sections.snapshot = snapshot;
  sections.nodes = nodes;
  sections.edges = edges;
  sections.strings = strings;

  const style = L.style || 'v8';
  const strStyle = L.strStyle || 'v8';
  const rnd = mulberry32(L.seed || 7);
  const ws = () => {  // whitespace for 'messy'
    const pick = ['', ' ', '\t', '\r\n', '\n', '  ', ' \r\n\t'];
    return pick[Math.floor(rnd() * pick.length)];
  };
  const writeRows = rows => {
    if (style === 'v8') return '[' + rows.map(r => r.join(',')).join('\n,') + ']';
    if (style === 'compact') return '[' + rows.map(r => r.join(',')).join(',') + ']';
    if (style === 'pretty') return '[\n' + rows.map(r => r.map(v => '    ' + v).join(',\n')).join(',\n') + '\n  ]';
    return '[' + ws() + rows.map(r => r.map(v => v + ws()).join(',' + ws())).join(',' + ws()) + ']';
  };
  const writeJSON = v => {
    if (style === 'pretty') return JSON.stringify(v, null, 2).replace(/\n/g, '\n  ');
    if (style === 'messy') return JSON.stringify(v, null, '\t').replace(/\n/g, '\r\n');
    return JSON.stringify(v);
  };
  const writeStrings = ss => {
    const items = ss.map((s, k) => escapeString(s, strStyle, k));
    if (style === 'v8') return '[' + items.join(',\n') + ']';
    if (style === 'compact') return '[' + items.join(',') + ']';
    if (style === 'pretty') return '[\n' + items.map(s => '    ' + s).join(',\n') + '\n  ]';
    return '[' + ws() + items.map(s => s + ws()).join(',' + ws()) + ']';
  };
  const parts = [];
  const order = (L.keyOrder || V8_KEY_ORDER).filter(k => k in sections);
  const extras = Object.entries(L.extraKeys || {});
  const emit = (key, text) => parts.push(JSON.stringify(key) + ':' + (style === 'pretty' ? ' ' : '') + text);
  const emitExtras = pos => {
    for (const [k, [p, v]] of extras)
      if (p === pos) emit(k, writeJSON(v));
  };
  order.forEach((key, i) => {
    emitExtras(i);
    const v = sections[key];
    if (key === 'nodes' || key === 'edges' || key === 'locations') emit(key, writeRows(v));
    else if (key === 'trace_function_infos') emit(key, writeRows(v));
    else if (key === 'strings') emit(key, writeStrings(v));
    else emit(key, writeJSON(v));
  });
  emitExtras('end');
  const sep = style === 'v8' ? ',\n' : style === 'pretty' ? ',\n  ' : style === 'messy' ? ',\r\n' : ',';
  const open = style === 'pretty' ? '{\n  ' : style === 'messy' ? '{ \t\r\n' : '{';
  const close = style === 'pretty' ? '\n}\n' : style === 'messy' ? '\r\n}\r\n' : '}';
  return open + parts.join(sep) + close;
}

// The usual top of a V8 snapshot: the synthetic root, "(GC roots)" with a
// few of its subroots.  With opts.global, a user global object hanging off
// the root by a shortcut edge (the page-owned entry point) or, with
// opts.globalEdge = 'element', by an element edge (a user root that does
// not make anything page-owned).
function baseGraph(opts = {}) {
  const g = new Graph(opts);
  const r = {g};
  r.root = g.add('synthetic', '', 0);
  r.gcRoots = g.add('synthetic', '(GC roots)', 0);
  g.edge(r.root, 'element', 1, r.gcRoots);
  r.strong = g.add('synthetic', '(Strong roots)', 0);
  r.handles = g.add('synthetic', '(Global handles)', 0);
  r.stack = g.add('synthetic', '(Stack roots)', 0);
  g.edge(r.gcRoots, 'element', 1, r.strong).edge(r.gcRoots, 'element', 2, r.handles)
   .edge(r.gcRoots, 'element', 3, r.stack);
  if (opts.global !== false) {
    r.global = g.add('object', opts.globalName || 'global', 40);
    if ((opts.globalEdge || 'shortcut') === 'shortcut')
      g.edge(r.root, 'shortcut', 'global', r.global);
    else
      g.edge(r.root, 'element', 2, r.global);
    g.edge(r.strong, 'element', 1, r.global);  // non-page-owned -> page-owned: ignored for dominators
  }
  return r;
}

// ---------------------------------------------------------------- fixtures

const fixtures = {};

// Graph shapes for the dominator tree: weak edges, weak-only and
// retainer-less nodes, garbage cliques pointing into live nodes, self
// edges, diamonds, shortcuts from non-root nodes.  In 'synth-graph' the
// user roots hang off the root by shortcut edges, so what they reach is
// page-owned and edges into it from anything else (garbage, handles) are
// ignored; 'synth-graph-nopage' is the same graph with element edges from
// the root, where nothing is page-owned and those edges count.
function graphFixture(rootEdge) {
  const {g, root, global, strong, handles, stack} = baseGraph({globalEdge: rootEdge});
  const obj = (name, self) => g.add('object', name, self);
  const prop = (a, name, b) => g.edge(a, 'property', name, b);

  // Diamonds: top -> {left, right} -> bottom, ten levels nested, then a wide one.
  let top = obj('DiamondTop', 24);
  prop(global, 'diamonds', top);
  for (let i = 0; i < 10; i++) {
    const l = obj('DiamondSide', 16 + i), rr = obj('DiamondSide', 20 + i), b = obj('DiamondBottom', 8 * (i + 1));
    prop(top, 'left', l); prop(top, 'right', rr); prop(l, 'down', b); prop(rr, 'down', b);
    top = b;
  }
  const wide = obj('WideTop', 40), wideEnd = obj('WideBottom', 400);
  prop(global, 'wide', wide);
  for (let i = 0; i < 50; i++) {
    const m = obj('WideMiddle', 8);
    g.edge(wide, 'element', i, m);
    prop(m, 'end', wideEnd);
  }
  // A diamond whose second arm goes through a weak edge: bottom stays under the first arm.
  const wd = obj('WeakDiamond', 16), wa = obj('WeakArm', 16), wb = obj('WeakArm', 16), wx = obj('WeakDiamondEnd', 64);
  prop(global, 'weakDiamond', wd); prop(wd, 'a', wa); prop(wd, 'b', wb);
  prop(wa, 'x', wx); g.edge(wb, 'weak', 'x', wx);

  // Weak edges.  'weakOnly' is held by nothing but a weak edge; its own
  // children hang under it.  'both' is held strongly and weakly.
  const weakOnly = obj('WeakOnly', 48), w1 = obj('WeakOnlyChild', 16), w2 = obj('WeakOnlyChild', 16);
  g.edge(global, 'weak', 'weakOnly', weakOnly); prop(weakOnly, 'c1', w1); prop(w1, 'c2', w2);
  const both = obj('StrongAndWeak', 32);
  prop(global, 'both', both); g.edge(weakOnly, 'weak', 'back', both);
  const weakOnly2 = obj('WeakOnly', 8);  // weakly held by a weak-only node
  g.edge(w2, 'weak', 'next', weakOnly2);
  // A node held weakly and by itself.
  const weakSelf = obj('WeakAndSelf', 24);
  g.edge(both, 'weak', 'ws', weakSelf); prop(weakSelf, 'me', weakSelf);

  // Self edges on a live node, and a node whose only retainer is itself.
  const selfie = obj('SelfRef', 16);
  prop(global, 'selfie', selfie); prop(selfie, 'self', selfie); g.edge(selfie, 'element', 0, selfie);
  const lonelySelf = obj('OnlySelf', 12);
  g.edge(lonelySelf, 'internal', 'self', lonelySelf);

  // Live nodes that orphans and cliques point into.
  const holder = obj('Holder', 16), target = obj('Target', 100), target2 = obj('Target', 200);
  const target3 = obj('Target', 300), tchild = obj('TargetChild', 50);
  prop(global, 'holder', holder); prop(holder, 't', target); prop(holder, 't2', target2); prop(holder, 't3', target3);
  prop(target, 'child', tchild);

  // No retainers at all: an isolated node, one pointing into the live graph
  // (its target's dominator becomes the root), and a chain of garbage
  // where the inner node comes first in node order.
  const isolated = obj('NoRetainers', 64);
  const orphanPtr = obj('NoRetainersPointer', 8);
  prop(orphanPtr, 'into', target);
  const inner = obj('GarbageInner', 20);  // retained by 'outer' below only
  const outer = obj('GarbageOuter', 10);
  prop(outer, 'inner', inner);
  const inner2 = obj('GarbageInner', 22);
  prop(inner, 'more', inner2);

  // Garbage cliques: cycles nobody retains.  The first points into a live
  // node; the second is entered from an orphan; the third mixes a weak
  // and a self edge; the fourth holds the only strong edge to a live node's child.
  const k = [obj('Clique', 30), obj('Clique', 31), obj('Clique', 32)];
  prop(k[0], 'n', k[1]); prop(k[1], 'n', k[2]); prop(k[2], 'n', k[0]);
  prop(k[1], 'live', target2); prop(k[2], 'live2', target3);
  const kOrphan = obj('CliqueEntry', 4);
  const k2 = [obj('Clique2', 40), obj('Clique2', 41)];
  prop(kOrphan, 'enter', k2[1]); prop(k2[0], 'n', k2[1]); prop(k2[1], 'n', k2[0]);
  const k3 = [obj('Clique3', 5), obj('Clique3', 6), obj('Clique3', 7), obj('Clique3', 8)];
  prop(k3[0], 'n', k3[1]); prop(k3[1], 'n', k3[2]); prop(k3[2], 'n', k3[3]); prop(k3[3], 'n', k3[0]);
  prop(k3[2], 'back', k3[1]); g.edge(k3[3], 'weak', 'w', k3[0]); prop(k3[1], 'me', k3[1]);
  g.edge(k3[0], 'weak', 'live', holder);
  const k4 = [obj('Clique4', 9), obj('Clique4', 10)];
  const onlyFromClique = obj('HeldByClique', 77);
  prop(k4[1], 'n', k4[0]); prop(k4[0], 'n', k4[1]); prop(k4[0], 'held', onlyFromClique);
  prop(onlyFromClique, 'up', tchild);

  // Shortcut edges from non-root nodes are ignored for dominators: the
  // target of 'sc' is reached for distances but has no dominating retainer.
  const scSrc = obj('ShortcutSource', 16), scDst = obj('ShortcutTarget', 96), scBoth = obj('ShortcutTarget', 48);
  prop(global, 'scSrc', scSrc); g.edge(scSrc, 'shortcut', 'sc', scDst); g.edge(scSrc, 'shortcut', 'sc2', scBoth);
  prop(holder, 'scBoth', scBoth);
  // A shortcut from the root to a second user root.
  const win2 = g.add('object', 'Window / https://other.example', 56);
  if (rootEdge === 'shortcut') g.edge(root, 'shortcut', 'Window / https://other.example', win2);
  else g.edge(root, 'element', 4, win2);
  prop(win2, 'shared', holder);
  const win2only = obj('Win2Only', 30);
  prop(win2, 'own', win2only);

  // Roots that are not page-owned: edges from them to page-owned nodes
  // are ignored, edges to other nodes are not.
  const handled = obj('HandleOnly', 36);
  g.edge(handles, 'element', 1, handled);
  g.edge(handles, 'element', 2, target);
  g.edge(stack, 'element', 1, tchild);
  const handledChild = obj('HandleOnlyChild', 12);
  prop(handled, 'c', handledChild);
  g.edge(global, 'weak', 'handledWeak', handled);  // weak: does not make it page-owned

  // Several edges between the same two nodes, of several types.
  const multi = obj('Multi', 16), multiT = obj('MultiTarget', 16);
  prop(global, 'multi', multi); prop(multi, 'a', multiT); prop(multi, 'b', multiT);
  g.edge(multi, 'internal', 'c', multiT); g.edge(multi, 'weak', 'd', multiT);
  g.edge(multi, 'element', 3, multiT); g.edge(multi, 'hidden', 4, multiT); g.edge(multi, 'context', 'e', multiT);

  // A weak edge from the root: its target still counts as a user root for
  // distances (distance 1) but is weak-only for dominators.
  const rootWeak = obj('RootWeakTarget', 28), rootWeakKid = obj('RootWeakChild', 14);
  g.edge(root, 'weak', 'rootWeak', rootWeak); prop(rootWeak, 'kid', rootWeakKid);

  // Garbage pointing into what only the handles hold (never page-owned).
  const gp = obj('NoRetainersPointer', 6);
  prop(gp, 'into', handledChild);
  const k5 = [obj('Clique5', 3), obj('Clique5', 4)];
  prop(k5[0], 'n', k5[1]); prop(k5[1], 'n', k5[0]); prop(k5[1], 'into', handled);
  void strong;
  return serialize(g);
}
fixtures['synth-graph'] = () => graphFixture('shortcut');
fixtures['synth-graph-nopage'] = () => graphFixture('element');

// A 5,000-long chain with a few side branches and back edges.
fixtures['synth-chain'] = () => {
  const {g, global} = baseGraph();
  const rnd = mulberry32(5000);
  let prev = global;
  const links = [];
  for (let i = 0; i < 5000; i++) {
    const n = g.add('object', 'ChainLink', 16 + Math.floor(rnd() * 48));
    g.edge(prev, 'property', i ? 'next' : 'chain', n);
    links.push(n);
    prev = n;
  }
  for (let i = 0; i < 5000; i += 50) {
    const s = g.add(i % 100 ? 'string' : 'closure', i % 100 ? 'side ' + i : 'sideFn', 24);
    g.edge(links[i], i % 100 ? 'property' : 'context', 'side', s);
    if (i >= 100) g.edge(links[i], 'property', 'back', links[i - 100]);
    if (i % 500 === 0 && i) g.edge(links[i], 'weak', 'skip', links[i + 10]);
  }
  // A second path into the middle of the chain: everything above the join
  // no longer dominates what is below it.
  const bypass = g.add('object', 'Bypass', 8);
  g.edge(global, 'property', 'bypass', bypass).edge(bypass, 'property', 'mid', links[2500]);
  return serialize(g);
};

// A random graph of 2,000 nodes of every type and every edge type; the
// user root is reached by an element edge (so nothing is page-owned).
fixtures['synth-random'] = () => {
  const {g, root, global, strong} = baseGraph({globalEdge: 'element', firstId: 4294900001, idStep: 2});
  const rnd = mulberry32(20240501);
  const pick = a => a[Math.floor(rnd() * a.length)];
  const types = ['object', 'object', 'object', 'closure', 'array', 'array', 'hidden', 'hidden', 'string',
                 'code', 'native', 'number', 'regexp', 'concatenated string', 'sliced string', 'symbol',
                 'bigint', 'object shape'];
  const names = {object: ['Object', 'Foo', 'Bar', 'Baz', 'Array', 'Map'], closure: ['f', 'g', 'h'],
                 array: ['', '(object elements)', 'Array'], hidden: ['system / Context', 'system / Foo'],
                 string: ['abc', 'def', 'ghi'], code: ['(code)', 'code / Foo'], native: ['Blink', 'system / ExternalStringData', 'system / JSArrayBufferData'],
                 number: ['heap number'], regexp: ['/a+/'], 'concatenated string': ['abcdef'],
                 'sliced string': ['bc'], symbol: ['symbol'], bigint: ['bigint'], 'object shape': ['system / Map']};
  const first = g.nodes.length;
  const N = 2000;
  for (let i = 0; i < N; i++) {
    const t = pick(types);
    g.add(t, pick(names[t]), Math.floor(rnd() * 4) === 0 ? 0 : Math.floor(rnd() * 200));
  }
  const edgeTypes = ['property', 'property', 'property', 'property', 'element', 'element', 'internal', 'internal',
                     'hidden', 'context', 'weak', 'weak', 'shortcut'];
  for (let i = 0; i < 12; i++) g.edge(global, 'property', 'r' + i, first + Math.floor(rnd() * N));
  for (let i = 0; i < 4; i++) g.edge(strong, 'element', 10 + i, first + Math.floor(rnd() * N));
  g.edge(root, 'element', 9, first + Math.floor(rnd() * N));
  for (let i = 0; i < N; i++) {
    const m = Math.floor(rnd() * rnd() * 7);
    for (let j = 0; j < m; j++) {
      const t = pick(edgeTypes);
      // Mostly forward edges (a DAG-ish backbone), some back edges and self edges.
      const u = rnd();
      const to = u < 0.75 ? first + i + 1 + Math.floor(rnd() * Math.min(60, N - i - 1 || 1))
                          : u < 0.98 ? first + Math.floor(rnd() * N) : first + i;
      const name = t === 'element' || t === 'hidden' ? Math.floor(rnd() * 100) : 'e' + Math.floor(rnd() * 40);
      g.edge(first + i, t, name, Math.min(to, first + N - 1));
    }
  }
  return serialize(g);
};

// Roots, DOM and detachedness: "(Document DOM trees)", attached and
// detached native trees, '<div id="x">' names, non-page-owned roots.
fixtures['synth-dom'] = () => {
  const {g, root, global: win, handles, strong} = baseGraph({globalName: 'Window / https://example.com'});
  const nat = (name, self, det = 0) => g.add('native', name, self, {det});
  const obj = (name, self) => g.add('object', name, self);
  const docTrees = g.add('synthetic', '(Document DOM trees)', 0);
  g.edge(root, 'element', 2, docTrees);
  const cppRoots = g.add('synthetic', 'C++ roots', 0);
  g.edge(root, 'element', 3, cppRoots);

  // The attached document.
  const tree = nat('Document DOM tree / 9 entries', 0, 1);
  g.edge(docTrees, 'element', 1, tree);
  const doc = nat('HTMLDocument', 200);
  const html = nat('<html>', 120), body = nat('<body class="main page">', 120);
  const main = nat('<div id="main" class="c">', 150), p = nat('HTMLParagraphElement', 90), text = nat('#text', 40);
  g.edge(tree, 'element', 1, doc).edge(doc, 'element', 1, html).edge(html, 'element', 1, body)
   .edge(body, 'element', 1, main).edge(main, 'element', 1, p).edge(p, 'element', 1, text);
  const docWrapper = obj('HTMLDocument', 32);
  g.edge(win, 'property', 'document', docWrapper).edge(docWrapper, 'internal', 'native', doc);
  const mainWrapper = obj('<div id="main" class="c">', 24);  // a JS object with a tag-like name
  g.edge(win, 'property', 'mainDiv', mainWrapper).edge(mainWrapper, 'internal', 'native', main);

  // A detached tree kept by a JS array (the classic leak).
  const leaked = obj('Array', 32), leakedEls = g.add('array', '(object elements)', 48);
  g.edge(win, 'property', 'leaked', leaked).edge(leaked, 'internal', 'elements', leakedEls);
  const wrap = obj('HTMLDivElement', 32);
  g.edge(leakedEls, 'element', 0, wrap);
  const gone = nat('<div id="gone" class="x y">', 160, 2);
  g.edge(wrap, 'internal', 'native', gone);
  const goneKids = [nat('<span>', 80), nat('HTMLDivElement', 100), nat('#text', 32), nat('<svg>', 64),
                    nat('<a href="x y">', 70), nat('<', 10), nat('< >', 10)];
  goneKids.forEach((c, i) => g.edge(gone, 'element', i + 1, c));
  const grandKid = nat('<li data-x="1">', 30);
  g.edge(goneKids[0], 'element', 1, grandKid);
  // Not propagated through hidden and weak edges, nor through JS objects.
  const hiddenKid = nat('<p hidden-kid>', 20), weakKid = nat('<p weak-kid>', 20);
  g.edge(gone, 'hidden', 1, hiddenKid).edge(gone, 'weak', 'w', weakKid);
  const jsInBetween = obj('Listener', 24), behindJs = nat('<b behind-js>', 20);
  g.edge(gone, 'property', 'listener', jsInBetween).edge(jsInBetween, 'internal', 'native', behindJs);
  g.edge(win, 'property', 'hk', hiddenKid);
  const wkHolder = obj('Holder', 8);
  g.edge(win, 'property', 'wkHolder', wkHolder).edge(wkHolder, 'property', 'k', weakKid).edge(wkHolder, 'property', 'b', behindJs);
  // Reachable from the attached and the detached tree: attached wins.
  const sharedKid = nat('<i shared>', 20);
  g.edge(main, 'element', 2, sharedKid).edge(gone, 'element', 9, sharedKid);
  // Marked attached itself but under the detached tree: stays attached.
  const attachedKid = nat('<em attached>', 20, 1);
  g.edge(gone, 'element', 10, attachedKid);
  // Marked detached itself but under the attached tree: stays detached.
  const detachedUnderAttached = nat('<u detached-under-attached>', 20, 2);
  g.edge(main, 'element', 3, detachedUnderAttached);
  // Names that already say 'Detached', and detached non-tag names.
  const already = nat('Detached <div id="a">', 44, 2), already0 = nat('Detached <div id="b">', 44, 0);
  const htmlDetached = nat('HTMLDivElement', 100, 2), svgDetached = nat('<svg>', 60, 2);
  for (const n of [already, already0, htmlDetached, svgDetached]) g.edge(leakedEls, 'element', 1, n);

  // Embedder objects reached only from C++ roots (not page-owned), and a
  // page-owned JS object that C++ also points to (that edge is ignored).
  const blink = nat('BlinkObject', 300), blinkKid = nat('BlinkChild', 30);
  g.edge(cppRoots, 'element', 1, blink).edge(blink, 'element', 1, blinkKid);
  const pageObj = obj('PageThing', 64);
  g.edge(win, 'property', 'pageThing', pageObj).edge(blink, 'property', 'thing', pageObj);
  const viaHandle = obj('PageThing', 64);
  const viaHandleParent = obj('PageParent', 16);
  g.edge(win, 'property', 'pp', viaHandleParent).edge(viaHandleParent, 'property', 'c', viaHandle);
  g.edge(handles, 'element', 1, viaHandle);
  g.edge(strong, 'element', 2, viaHandleParent);

  // An event listener, as Chrome shows it.
  const listener = nat('V8EventListener', 48), fn = g.add('closure', 'onClick', 32);
  const code = g.add('code', '(code for onClick)', 100);
  g.edge(main, 'element', 4, listener).edge(listener, 'element', 1, fn).edge(fn, 'internal', 'code', code);
  return serialize(g);
};

// Shallow sizes moved from hidden / array / 'system / ExternalStringData'
// nodes to their only owner, and every case where they are not;
// statistics (jsArrays, typedArrays, native, strings, code, system);
// sizes whose totals pass 2^32; extra_native_bytes.
fixtures['synth-sizes'] = () => {
  const {g, root, global, strong} = baseGraph({globalName: 'Window / https://sizes.example'});
  const obj = (name, self) => g.add('object', name, self);
  const prop = (a, n, b) => g.edge(a, 'property', n, b);

  // One owner: the object takes its elements and what only they hold.
  const a = obj('Holder', 40), aEls = g.add('array', '(object elements)', 200), aHid = g.add('hidden', 'system / Foo', 50);
  const aHid2 = g.add('array', '', 30);
  prop(global, 'a', a); g.edge(a, 'internal', 'elements', aEls).edge(aEls, 'hidden', 1, aHid).edge(aHid, 'internal', 'x', aHid2);
  g.edge(a, 'hidden', 2, aHid2);  // reached twice, same owner
  // Two owners: nobody takes it; nor what it alone holds.
  const b = obj('Holder', 40), c = obj('Holder', 40), shared = g.add('array', '(shared elements)', 100);
  const sharedKid = g.add('hidden', 'system / Bar', 16);
  prop(global, 'b', b); prop(global, 'c', c);
  g.edge(b, 'internal', 'elements', shared).edge(c, 'internal', 'elements', shared).edge(shared, 'hidden', 1, sharedKid);
  // Owned by the root or by a synthetic node: no move.
  const byRoot = g.add('array', '(root-owned)', 64), bySynth = g.add('hidden', 'system / Synth-owned', 80);
  g.edge(root, 'element', 5, byRoot).edge(strong, 'element', 7, bySynth);
  // Held by a root-owned array and by an object: two owners.
  const twoWays = g.add('hidden', 'system / TwoWays', 12);
  g.edge(byRoot, 'element', 1, twoWays); prop(a, 'tw', twoWays);
  // Held only weakly, or not at all, or by a hidden cycle: stays.
  const d = obj('Holder', 40), weakHid = g.add('hidden', 'system / WeakHeld', 30);
  prop(global, 'd', d); g.edge(d, 'weak', 'w', weakHid);
  g.add('hidden', 'system / NoRetainers', 20);
  const hc1 = g.add('hidden', 'system / Cycle', 11), hc2 = g.add('array', '(cycle)', 13);
  g.edge(hc1, 'internal', 'n', hc2).edge(hc2, 'element', 0, hc1);
  // Owned by garbage: still moved (ownership ignores reachability).
  const garbage = obj('Garbage', 24), garbageEls = g.add('array', '(object elements)', 70);
  g.edge(garbage, 'internal', 'elements', garbageEls);
  // External string data moves to its string; other natives do not.
  const ext = g.add('string', 'an external string', 32), extData = g.add('native', 'system / ExternalStringData', 1000);
  prop(global, 'ext', ext); g.edge(ext, 'internal', 'resource', extData);
  const ext2 = g.add('string', 'shared external A', 32), ext3 = g.add('string', 'shared external B', 32);
  const extShared = g.add('native', 'system / ExternalStringData', 500);
  prop(global, 'ext2', ext2); prop(global, 'ext3', ext3);
  g.edge(ext2, 'internal', 'resource', extShared).edge(ext3, 'internal', 'resource', extShared);
  const buf = obj('ArrayBuffer', 80), bufData = g.add('native', 'system / JSArrayBufferData', 65536);
  prop(global, 'buf', buf); g.edge(buf, 'internal', 'backing_store', bufData);
  const u8 = obj('Uint8Array', 72);
  prop(global, 'u8', u8); g.edge(u8, 'internal', 'buffer', buf);
  // A synthetic node with a size of its own.
  const env = g.add('synthetic', 'Node / Environment', 2568);
  g.edge(root, 'element', 6, env);
  const envKid = g.add('hidden', 'system / EnvKid', 44);
  g.edge(env, 'element', 1, envKid);

  // Arrays for the jsArrays statistic: 'elements' with one retainer (moved
  // already), with two, held weakly too, not an array node, second
  // internal edge, on a closure named Array, an array node named Array.
  const arr = (name, type = 'object') => { const n = g.add(type, name, 32); prop(global, 'arr' + n, n); return n; };
  const ar1 = arr('Array'), e1 = g.add('array', '(object elements)', 80);
  g.edge(ar1, 'internal', 'elements', e1);
  const ar2 = arr('Array'), ar3 = arr('Array'), e2 = g.add('array', '(object elements)', 64);
  g.edge(ar2, 'internal', 'elements', e2).edge(ar3, 'internal', 'elements', e2);
  const ar4 = arr('Array'), e4 = obj('NotAnArray', 48);
  g.edge(ar4, 'internal', 'elements', e4);
  const ar5 = arr('Array'), e5 = g.add('array', '(object elements)', 96), map5 = g.add('object shape', 'system / Map', 40);
  g.edge(ar5, 'internal', 'map', map5).edge(ar5, 'property', 'x', e4).edge(ar5, 'internal', 'elements', e5);
  const ar6 = arr('Array', 'closure'), e6 = g.add('array', '(object elements)', 24);
  g.edge(ar6, 'internal', 'elements', e6); g.edge(d, 'weak', 'e6', e6);
  const ar7 = arr('Array', 'array'), e7 = g.add('hidden', 'system / E7', 8);
  g.edge(ar7, 'internal', 'elements', e7);
  const ar8 = arr('Array'), e8 = g.add('array', '(object elements)', 56);
  g.edge(ar8, 'weak', 'elements', e8); g.edge(ar8, 'internal', 'elements', e8);
  const ar9 = obj('Array', 32), e9 = g.add('array', '(object elements)', 40);  // garbage Array
  g.edge(ar9, 'internal', 'elements', e9);

  // Everything the statistics look at.
  const strs = [g.add('string', 'flat', 20), g.add('concatenated string', 'cons', 32), g.add('sliced string', 'slice', 24),
                g.add('code', '(code)', 1200), g.add('code', 'Builtin: Foo', 0), g.add('hidden', 'system / Context', 64),
                g.add('native', 'Blink', 4096), g.add('regexp', '/x/g', 48), g.add('number', 'heap number', 16),
                g.add('symbol', 'symbol', 24), g.add('bigint', 'bigint', 24), g.add('object shape', 'system / Map', 80),
                g.add('closure', 'fn', 64)];
  strs.forEach((n, i) => prop(global, 's' + i, n));
  g.edge(strs[1], 'internal', 'first', strs[0]).edge(strs[1], 'internal', 'second', strs[2]);

  // Sizes past 2^32 in total (each one still fits in 32 bits).
  for (let i = 0; i < 3; i++) prop(global, 'huge' + i, obj('Huge', 1500000000 + i));
  const huge2 = obj('Huge2', 10), hugeHidden = g.add('hidden', 'system / HugeBacking', 1000000000);
  prop(global, 'huge2', huge2); g.edge(huge2, 'internal', 'backing', hugeHidden);
  const bigBuf = obj('ArrayBuffer', 80), bigData = g.add('native', 'system / JSArrayBufferData', 3000000000);
  prop(global, 'bigBuf', bigBuf); g.edge(bigBuf, 'internal', 'backing_store', bigData);
  return serialize(g, {snapshotExtra: {extra_native_bytes: 123456789}});
};

// No user roots (the root holds synthetic nodes only, as with "expose
// internals"): no size moves, distances count from the root.
fixtures['synth-internals'] = () => {
  const {g, strong, handles} = baseGraph({global: false});
  const o = g.add('object', 'Holder', 40), els = g.add('array', '(object elements)', 200), h = g.add('hidden', 'system / Foo', 50);
  g.edge(strong, 'element', 1, o).edge(o, 'internal', 'elements', els).edge(els, 'hidden', 1, h);
  const arr = g.add('object', 'Array', 32), e = g.add('array', '(object elements)', 64);
  g.edge(handles, 'element', 1, arr).edge(arr, 'internal', 'elements', e);
  const ext = g.add('string', 'ext', 32), data = g.add('native', 'system / ExternalStringData', 100);
  g.edge(o, 'property', 'ext', ext).edge(ext, 'internal', 'resource', data);
  const orphan = g.add('object', 'Orphan', 8), orphanEls = g.add('array', '', 16);
  g.edge(orphan, 'internal', 'elements', orphanEls);
  return serialize(g);
};

// WeakMap ephemeron edges, "(map descriptors)" and "system /
// NativeContext" - the edges DevTools skips for distances or dominators.
fixtures['synth-weakmap'] = () => {
  const {g, global, handles} = baseGraph();
  const obj = (name, self) => g.add('object', name, self);
  const prop = (a, n, b) => g.edge(a, 'property', n, b);
  const eph = (n, key, val, tableId) =>
    `${n} / part of key (${g.nodes[key].name} @${g.id(key)}) -> value (${g.nodes[val].name} @${g.id(val)}) pair in WeakMap (table @${tableId})`;

  const wm = obj('WeakMap', 32), table = g.add('array', '', 1064);
  prop(global, 'wm', wm); g.edge(wm, 'internal', 'table', table);
  const keysHolder = obj('Array', 32);
  prop(global, 'keys', keysHolder);
  // Pairs whose key is live: the value hangs under the key, not the table.
  // The value's distance is one more than the farther of key and table
  // (at distance 3): keys 0-1 are at distance 2, keys 2-3 at 3, keys 4-5
  // at 4.  Half the keys list their edge before the table's, half after.
  for (let i = 0; i < 6; i++) {
    const key = obj('Key', 32), val = obj('Val', 40 + i), valKid = g.add('string', 'payload ' + i, 24);
    prop(val, 'p', valKid);
    if (i < 2) {
      prop(global, 'key' + i, key);
    } else if (i < 4) {
      g.edge(keysHolder, 'element', i, key);
    } else {
      const late = obj('LateKeyHolder', 8), deeper = obj('Deeper', 8);
      prop(global, 'late' + i, late); prop(late, 'd', deeper); prop(deeper, 'k', key);
    }
    const fromKey = () => g.edge(key, 'internal', eph(i + 1, key, val, g.id(table)), val);
    if (i % 2) fromKey();
    g.edge(table, 'weak', String(2 * i + 3), key).edge(table, 'weak', String(2 * i + 4), val);
    g.edge(table, 'internal', eph(3 * i + 3, key, val, g.id(table)), val);
    if (i % 2 === 0) fromKey();
  }
  // A key held only by the table (weakly): key and value are weak-only.
  const deadKey = obj('Key', 32), deadVal = obj('Val', 50);
  g.edge(table, 'weak', '20', deadKey).edge(table, 'weak', '21', deadVal);
  g.edge(table, 'internal', eph(30, deadKey, deadVal, g.id(table)), deadVal);
  g.edge(deadKey, 'internal', eph(1, deadKey, deadVal, g.id(table)), deadVal);
  // An ephemeron edge with no partner: skipped for distances.
  const lone = obj('LoneVal', 60);
  const loneKey = obj('Key', 32);
  g.edge(table, 'internal', eph(33, loneKey, lone, g.id(table)), lone);
  g.edge(handles, 'element', 3, loneKey);
  // The same pair named three times (pending set toggles).
  const tKey = obj('Key', 32), tVal = obj('Val', 70);
  prop(global, 'tkey', tKey);
  g.edge(table, 'internal', eph(36, tKey, tVal, g.id(table)), tVal);
  g.edge(tKey, 'internal', eph(1, tKey, tVal, g.id(table)), tVal);
  g.edge(wm, 'internal', eph(2, tKey, tVal, g.id(table)), tVal);
  // A name that says another table: the edge from this table is kept.
  const other = obj('OtherVal', 44), otherKey = obj('Key', 32);
  g.edge(table, 'internal', eph(39, otherKey, other, 999999), other);
  // Look-alikes that do not match the pattern, and one that is not internal.
  const la = obj('LookAlike', 10), lb = obj('LookAlike', 11), lc = obj('LookAlike', 12);
  g.edge(table, 'internal', `x / part of key (Key @1) -> value (LookAlike @${g.id(la)}) pair in WeakMap (table @${g.id(table)})`, la);
  g.edge(table, 'internal', `4 / part of key (Key @1) -> value (LookAlike @${g.id(lb)}) pair in WeakMap (table @${g.id(table)}) `, lb);
  g.edge(table, 'property', eph(40, tKey, lc, g.id(table)), lc);
  prop(global, 'la', la);
  // Keys and values with odd names (the pattern's .*? parts).
  const oddKey = obj('Key (with) @parens', 32), oddVal = obj('Val @1 (x)', 33);
  prop(global, 'oddKey', oddKey);
  g.edge(table, 'internal', eph(42, oddKey, oddVal, g.id(table)), oddVal);
  g.edge(oddKey, 'internal', eph(7, oddKey, oddVal, g.id(table)), oddVal);

  // "(map descriptors)": element edges 4, 7 and 10 (and names that parse to
  // such numbers) are skipped for distances.
  const map = g.add('object shape', 'system / Map', 80), desc = g.add('array', '(map descriptors)', 256);
  prop(global, 'mapHolder', map); g.edge(map, 'internal', 'descriptors', desc);
  const slots = [];
  for (let i = 0; i <= 10; i++) {
    const s = g.add(i % 3 === 2 ? 'string' : 'hidden', i % 3 === 2 ? 'key' + i : 'system / Descriptor' + i, 16 + i);
    g.edge(desc, 'element', i, s);
    slots.push(s);
  }
  const viaInternal7 = g.add('hidden', 'system / ViaInternal7', 8), viaProp13 = g.add('hidden', 'system / ViaProp13', 8);
  const viaName = g.add('hidden', 'system / ViaName', 8);
  g.edge(desc, 'internal', '7', viaInternal7).edge(desc, 'property', '13abc', viaProp13).edge(desc, 'internal', 'enum_cache', viaName);
  prop(slots[4], 'deeper', g.add('string', 'under slot 4', 20));
  g.edge(slots[10], 'internal', 'alsoLive', slots[0]);
  // The same name on an array that is not "(map descriptors)": no skipping.
  const notDesc = g.add('array', '(map descriptors) ', 64), nd4 = g.add('hidden', 'system / NotSkipped', 8);
  prop(global, 'notDesc', notDesc); g.edge(notDesc, 'element', 4, nd4);

  // NativeContext: its 'sloppy_function_map' edge is skipped for distances.
  const nc = g.add('hidden', 'system / NativeContext', 1000), sfm = g.add('object shape', 'system / Map', 80);
  g.edge(global, 'internal', 'native_context', nc).edge(nc, 'internal', 'sloppy_function_map', sfm);
  const sfmKid = g.add('hidden', 'system / DescriptorArray', 40);
  g.edge(sfm, 'internal', 'descriptors', sfmKid);
  const nc2 = g.add('hidden', 'system / NativeContext / https://x', 900), sfm2 = g.add('object shape', 'system / Map', 80);
  g.edge(global, 'internal', 'native_context2', nc2).edge(nc2, 'internal', 'sloppy_function_map', sfm2);
  const nc3 = g.add('object', 'system / NativeContext', 100), sfm3 = g.add('object shape', 'system / Map', 80);
  prop(global, 'nc3', nc3); g.edge(nc3, 'property', 'sloppy_function_map', sfm3);
  const sfm4 = g.add('object shape', 'system / Map', 80);
  g.edge(nc, 'property', 'sloppy_function_map', sfm4);
  return serialize(g);
};

// Class names: locations, plain Object interface names, property names
// that need quoting, tag names, cons strings, every node type.
fixtures['synth-names'] = () => {
  const {g, global} = baseGraph();
  const obj = (name, self) => g.add('object', name, self);
  const prop = (a, n, b) => g.edge(a, 'property', n, b);
  const str = s => g.add('string', s, 16 + 4 * s.length);

  // Constructors with the same name at different locations.
  for (let i = 0; i < 3; i++) { const n = obj('Foo', 24); prop(global, 'fooA' + i, n); g.loc(n, 10, 5, 2); }
  for (let i = 0; i < 2; i++) { const n = obj('Foo', 32); prop(global, 'fooB' + i, n); g.loc(n, 11, 0, 0); }
  for (let i = 0; i < 2; i++) { const n = obj('Foo', 40); prop(global, 'fooC' + i, n); }
  const fooD = obj('Foo', 48); prop(global, 'fooD', fooD); g.loc(fooD, 10, 5, 3);
  // Closures have locations too but are not split.
  for (let i = 0; i < 3; i++) { const f = g.add('closure', 'handler', 32); prop(global, 'h' + i, f); g.loc(f, 12, i, 0); }
  // A dominator chain of one class: only the top counts in retained size.
  let prev = global;
  for (let i = 0; i < 4; i++) { const n = obj('Nested', 10); prop(prev, 'n', n); g.loc(n, 13, 1, 1); prev = n; }

  // Plain objects and the interface names DevTools infers for them.
  const plain = (props, loc) => {
    const o = obj('Object', 12 + 4 * props.length);
    prop(global, 'o' + o, o);
    prop(o, '__proto__', global);
    for (const p of props) prop(o, p, str('v'));
    g.edge(o, 'internal', 'map', global);
    if (loc) g.loc(o, ...loc);
    return o;
  };
  for (let i = 0; i < 3; i++) plain(['a', 'b']);
  for (let i = 0; i < 2; i++) plain(['b', 'a']);
  for (let i = 0; i < 2; i++) plain(['a', 'b', 'c']);
  plain(['a']);
  plain(['a', 'b', 'z']);
  plain(['z', 'a', 'b', 'c', 'y']);
  for (let i = 0; i < 2; i++) plain(['x', 'y'], [14, 2, 2]);
  plain(['x', 'y'], [14, 3, 3]);
  plain(['x', 'y']);
  for (let i = 0; i < 2; i++) plain(['a,b', "it's", 'say "hi"', '{x}', 'naïve ☃', 'tab\there', 'line\nbreak', '😀']);
  const longProps = Array.from({length: 30}, (_, i) => 'a_rather_long_property_name_number_' + i);
  for (let i = 0; i < 2; i++) plain(longProps);
  plain(longProps.slice(0, 29));
  const veryLong = 'x'.repeat(150);
  for (let i = 0; i < 2; i++) plain([veryLong, 'second']);
  plain([]);
  const onlyInternal = obj('Object', 16);
  prop(global, 'onlyInternal', onlyInternal); g.edge(onlyInternal, 'internal', 'a', global).edge(onlyInternal, 'element', 0, global);
  const notPlain = g.add('native', 'Object', 16);
  prop(global, 'nativeObject', notPlain); prop(notPlain, 'a', global); prop(notPlain, 'b', global);

  // Tag-like names on object nodes.
  for (const name of ['<div id="x">', '<div>', '<div class="a" id="b">', 'Detached <div id="y">', 'Detached <div>', '<x-widget>']) {
    const n = obj(name, 20);
    prop(global, name, n);
  }

  // Concatenated strings: nested, with an empty part (flat), and sliced.
  const s1 = str('Hello, '), s2 = str('world'), s3 = str('!'), empty = g.add('string', '', 0);
  const c1 = g.add('concatenated string', 'Hello, world', 32), c2 = g.add('concatenated string', 'Hello, world!', 32);
  const flat = g.add('concatenated string', 'flat', 32);
  g.edge(c1, 'internal', 'first', s1).edge(c1, 'internal', 'second', s2);
  g.edge(c2, 'internal', 'first', c1).edge(c2, 'internal', 'second', s3);
  g.edge(flat, 'internal', 'first', s2).edge(flat, 'internal', 'second', empty);
  prop(global, 'c2', c2); prop(global, 'flat', flat);
  const sl = g.add('sliced string', 'llo', 20);
  g.edge(sl, 'internal', 'parent', c1); prop(global, 'sliced', sl);

  // One of every node type, with a size, and a zero-size one of some.
  const kinds = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
                 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'];
  for (const t of kinds) {
    const n = g.add(t, 'kind ' + t, 8);
    prop(global, 'k ' + t, n);
    const z = g.add(t, 'zero ' + t, 0);
    prop(global, 'z ' + t, z);
  }
  return serialize(g);
};

// Layout variations.  They all carry the same small graph ('layoutGraph'),
// so a loader bug shows as a difference between them.
function layoutGraph(opts = {}) {
  const {g, global, handles} = baseGraph(opts);
  const o = (name, self) => g.add('object', name, self);
  const a = o('Alpha', 40), b = o('Beta', 24), c = o('Object', 20), d = o('Object', 20);
  const h = g.add('hidden', 'system / Context', 32), arr = g.add('array', '(object elements)', 64);
  const s = g.add('string', 'strings: "\\ / \b \f \n \r \t é 😀 \u2028', 48);
  const n1 = g.add('native', opts.nativeName || '<div id="n">', 100, {det: 2});
  const n2 = g.add('native', 'HTMLSpanElement', 60);
  g.edge(global, 'property', 'a', a).edge(global, 'property', 'b', b).edge(global, 'weak', 'w', d);
  g.edge(a, 'property', 'x', c).edge(a, 'property', 'y', s).edge(a, 'internal', 'elements', arr)
   .edge(a, 'context', 'ctx', h).edge(b, 'property', 'x', d).edge(b, 'property', 'y', s);
  g.edge(c, 'property', 'k', s).edge(c, 'property', 'm', n1).edge(d, 'property', 'k', s).edge(d, 'property', 'm', n1);
  g.edge(arr, 'element', 0, b).edge(arr, 'element', 7, n2).edge(n1, 'element', 1, n2);
  g.edge(handles, 'element', 1, b);
  const orphan = o('Orphan', 16);
  g.edge(orphan, 'property', 'a', a);
  g.loc(a, 3, 10, 4);
  return g;
}

// node_fields, edge_fields, node_types and edge_types all in other orders; compact.
fixtures['synth-layout-order'] = () => serialize(layoutGraph(), {
  nodeFields: ['id', 'edge_count', 'detachedness', 'self_size', 'trace_node_id', 'name', 'type'],
  edgeFields: ['to_node', 'type', 'name_or_index'],
  nodeTypes: ['object', 'synthetic', 'string', 'hidden', 'native', 'array', 'closure', 'code', 'regexp', 'number',
              'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape', 'wasm object', 'made up type'],
  edgeTypes: ['weak', 'property', 'internal', 'shortcut', 'element', 'hidden', 'context'],
  style: 'compact',
});
// Five node fields (no trace_node_id, no detachedness): natives named
// 'Detached ...' count as detached; one number a line.
fixtures['synth-layout-5fields'] = () => serialize(layoutGraph({nativeName: 'Detached <div id="n">'}), {
  nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count'],
  style: 'pretty',
  v8Sections: false,
});
// Six node fields (trace_node_id, no detachedness), with allocation traces
// and samples as a node started with --track-heap-objects writes them.
fixtures['synth-layout-6fields'] = () => {
  const g = layoutGraph({nativeName: 'Detached <div id="n">'});
  g.nodes.forEach((n, i) => { n.trace = [0, 2, 3, 4][i % 4]; });
  return serialize(g, {
    nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id'],
    trace: {
      functionInfos: [[1, '(root)', '', 0, 0, 0], [2, 'main', 'file:///app.js', 3, 10, 4], [3, 'alloc "x"', 'file:///app.js', 3, 20, 8]],
      tree: [1, 0, 0, 0, [2, 1, 5, 200, [3, 2, 3, 96, []], 4, 2, 2, 64, []]],
      samples: [1000, 5, 2000, 9, 3000, 40],
    },
  });
};
// Unknown top-level keys (arrays, nested objects, strings) between the
// known ones, unknown members in "snapshot" and "meta", whitespace
// everywhere (tabs, CRLF), extra_native_bytes.
fixtures['synth-layout-extra'] = () => serialize(layoutGraph(), {
  style: 'messy',
  extraKeys: {
    'x_first': [0, {nested: {deeper: [1, 2, {k: 'v'}]}, list: [[]]}],
    'x_between': [1, [10, 20, 30, [40, 50]]],
    'x_after_edges': [3, {text: 'no brackets in here', n: 5}],
    'x_string': [6, 'just a string'],
    'x_end': ['end', {last: true, count: 3}],
  },
  snapshotExtra: {title: 'extra keys', uid: 7, extra_native_bytes: 4096, x_obj: {a: [1, {b: 2}]}},
  metaExtra: {x_meta_fields: ['p', 'q'], x_meta_obj: {z: 1}},
  locations: true,
});
// Top-level keys in orders DevTools' streaming loader cannot read (it wants
// "snapshot" first and "strings" last).  A JSON parser sees the same value
// as in V8's order, so the expected numbers come from that same content
// written in V8's order (oracleCopy, checked equal by main()).
fixtures['synth-layout-strings-first'] = () => serialize(layoutGraph(), {
  keyOrder: ['snapshot', 'strings', 'nodes', 'edges', 'locations'],
  v8Sections: false,
});
fixtures['synth-layout-strings-first'].oracleCopy = () => serialize(layoutGraph(), {v8Sections: false});
fixtures['synth-layout-snapshot-last'] = () => serialize(layoutGraph(), {
  keyOrder: ['strings', 'locations', 'nodes', 'edges', 'snapshot'],
  v8Sections: false,
});
fixtures['synth-layout-snapshot-last'].oracleCopy = () => serialize(layoutGraph(), {v8Sections: false});
// The root is the last node (snapshot.root_index), ids not in node order.
fixtures['synth-layout-root'] = () => {
  const g0 = layoutGraph();
  // Move node 0 (the root) to the end, renumbering edge targets.
  const n = g0.nodes.length;
  const perm = i => (i === 0 ? n - 1 : i - 1);
  const g = new Graph();
  g.nodes = g0.nodes.slice(1).concat([g0.nodes[0]]).map(x => ({...x, out: x.out.map(e => ({...e, to: perm(e.to)}))}));
  g.locations = g0.locations.map(([nd, ...r]) => [perm(nd), ...r]);
  g.nodes.forEach((x, i) => { x.id = 1000 - 7 * i; });
  return serialize(g, {snapshotExtra: {root_index: (n - 1) * V8_NODE_FIELDS.length}});
};
// Strings with every JSON escape, raw UTF-8, surrogate pairs, in class
// names and property names.
fixtures['synth-escapes'] = () => {
  const {g, global} = baseGraph();
  const names = ['quote " backslash \\ slash / ', 'controls \b\f\n\r\t end', 'low \u0001\u001f\u007f',
                 'é à ü ß ¿ ñ', 'snow ☃ and 😀 grin and 𝄞 clef', 'CJK 漢字 かな', 'line sep \u2028 para \u2029',
                 'nul? \u0000 inside', '{"json": [1, 2]}', 'Detached <div id="é">', '<p title="😀">'];
  for (const [i, nm] of names.entries()) {
    for (let j = 0; j < 2; j++) {
      const o = g.add('object', nm, 10 + i);
      g.edge(global, 'property', nm + j, o);
      const p = g.add('object', 'Object', 12);
      g.edge(o, 'property', nm, p).edge(p, 'property', nm, global).edge(p, 'property', 'k' + i, global);
    }
    const s = g.add('string', nm, 20 + nm.length);
    g.edge(global, 'internal', nm, s);
  }
  return serialize(g, {strStyle: 'mixed', style: 'v8'});
};

// ---------------------------------------------------------------- main

function main() {
  const out = process.argv[2] || '.';
  const want = process.argv.slice(3);
  fs.mkdirSync(out, {recursive: true});
  for (const [name, make] of Object.entries(fixtures)) {
    if (want.length && !want.includes(name)) continue;
    const text = make();
    JSON.parse(text);  // must be valid JSON
    fs.writeFileSync(path.join(out, name + '.heapsnapshot'), text);
    if (make.oracleCopy) {
      const copy = make.oracleCopy();
      // Same JSON value, only the key order differs.
      const canon = v => JSON.stringify(v, (k, x) => x && typeof x === 'object' && !Array.isArray(x) ?
                                        Object.fromEntries(Object.keys(x).sort().map(k2 => [k2, x[k2]])) : x);
      if (canon(JSON.parse(copy)) !== canon(JSON.parse(text))) throw new Error(name + ': oracle copy differs');
      fs.writeFileSync(path.join(out, name + '.oracle.heapsnapshot'), copy);
    }
  }
}

if (require.main === module) main();
module.exports = {fixtures, serialize, Graph};
