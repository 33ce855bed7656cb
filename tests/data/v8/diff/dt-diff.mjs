// Chrome DevTools' Comparison view of two heap snapshots, computed by
// DevTools' own code (chrome-devtools-frontend, bundled for node by
// ../shared/oracles/devtools/build.sh into $DTORACLE, default
// /tmp/devtools-oracle), written as a TSV: one row per class key, DevTools'
// Comparison numbers (calculateSnapshotDiff, as HeapSnapshotDiffDataGrid
// shows them) and each side's count and size.
//
//   node dt-diff.mjs BASE.heapsnapshot TARGET.heapsnapshot OUT.tsv
//
// Columns: key (DevTools' class key: ",NAME", or "SCRIPT,LINE,COLUMN,NAME"
// for objects whose constructor has a location), name (the Diff's name, what
// the Constructor column shows), listed (1 when the Comparison has a row for
// the class), the Comparison's addedCount, removedCount, countDelta,
// addedSize, removedSize, sizeDelta (# New, # Deleted, # Delta, Alloc. Size,
// Freed Size, Size Delta), and baseCount, baseSize, targetCount, targetSize.
// Texts are JSON-escaped, without quotes.  Rows are sorted by key
// (JavaScript string order).
import fs from 'node:fs';
import path from 'node:path';

if (!Promise.withResolvers) {
  Promise.withResolvers = function() {
    let resolve, reject;
    const promise = new Promise((a, b) => { resolve = a; reject = b; });
    return {promise, resolve, reject};
  };
}
const dir = process.env.DTORACLE || '/tmp/devtools-oracle';
const {HS, HeapSnapshotLoader} = await import(path.join(dir, 'devtools-hs.mjs'));
const [basePath, targetPath, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node dt-diff.mjs BASE TARGET OUT.tsv');
  process.exit(1);
}

// As the Memory panel does: each snapshot in its own worker (here, its own
// loader and channel); DevTools reports unreachable nodes on the console.
async function load(file) {
  const loader = new HeapSnapshotLoader(undefined);
  for await (const chunk of fs.createReadStream(file, {encoding: 'utf8', highWaterMark: 1 << 20}))
    loader.write(chunk);
  loader.close();
  const channel = new MessageChannel();
  new HS.SecondaryInitManager(channel.port2);
  const warn = console.warn;
  console.warn = () => {};
  const snap = await loader.buildSnapshot(channel.port1);
  console.warn = warn;
  channel.port1.close();
  channel.port2.close();
  return snap;
}
const base = await load(basePath);
const target = await load(targetPath);

// HeapSnapshotDiffDataGrid.populateChildren: the target's interface
// definitions applied to the base, then the diff computed by the target.
const interfaceDefinitions = target.interfaceDefinitions();
const aggregatesForDiff = base.aggregatesForDiff(interfaceDefinitions);
const diffByClassKey = target.calculateSnapshotDiff(1, aggregatesForDiff);

// Every class of either side: what the Comparison lists (listed 1: a
// class with a new or a deleted object) and what it does not (listed 0,
// its Comparison numbers 0), with each side's count and shallow size as
// DevTools' aggregates hold them (the base's under the target's interface
// definitions, as aggregatesForDiff makes them).
const targetAggregates = target.getAggregatesByClassKey(true, 'allObjects');
const rows = new Map();
const row = key => {
  if (!rows.has(key))
    rows.set(key, {name: '', listed: 0, addedCount: 0, removedCount: 0, countDelta: 0, addedSize: 0,
                   removedSize: 0, sizeDelta: 0, baseCount: 0, baseSize: 0, targetCount: 0, targetSize: 0});
  return rows.get(key);
};
for (const [key, a] of Object.entries(aggregatesForDiff)) {
  const r = row(key);
  r.name = a.name;
  r.baseCount = a.ids.length;
  r.baseSize = a.selfSizes.reduce((x, y) => x + y, 0);
}
for (const [key, a] of Object.entries(targetAggregates)) {
  const r = row(key);
  r.name = a.name;
  r.targetCount = a.count;
  r.targetSize = a.self;
}
for (const [key, d] of Object.entries(diffByClassKey)) {
  const r = row(key);
  r.name = d.name;
  r.listed = 1;
  for (const f of ['addedCount', 'removedCount', 'countDelta', 'addedSize', 'removedSize', 'sizeDelta'])
    r[f] = d[f];
}

const esc = s => JSON.stringify(s).slice(1, -1);
const cols = ['listed', 'addedCount', 'removedCount', 'countDelta', 'addedSize', 'removedSize', 'sizeDelta',
              'baseCount', 'baseSize', 'targetCount', 'targetSize'];
const keys = [...rows.keys()].sort();
const lines = ['key\tname\t' + cols.join('\t')];
for (const key of keys) {
  const r = rows.get(key);
  lines.push([esc(key), esc(r.name), ...cols.map(c => r[c])].join('\t'));
}
fs.writeFileSync(out, lines.join('\n') + '\n');
console.error(`${path.basename(basePath)} -> ${path.basename(targetPath)}: ${keys.length} classes, ` +
              `${Object.keys(diffByClassKey).length} in the Comparison`);
