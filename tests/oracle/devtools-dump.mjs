// Runs Chrome DevTools' own heap snapshot code (bundled by
// ../shared/oracles/devtools/build.sh into $DTORACLE, default
// /tmp/devtools-oracle) on SNAP and writes what heapsift must reproduce:
//   PREFIX.objects.tsv  id, self (after DevTools' shallow-size transfer),
//                       retained, immediate dominator id, distance
//   PREFIX.classes.tsv  the Summary: name, count, shallow, retained, distance
//                       (one row per class key, as DevTools groups them)
//   PREFIX.stats.json   totals and DevTools' Statistics
// Usage: node devtools-dump.mjs SNAP PREFIX
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
const [file, prefix] = process.argv.slice(2);

const loader = new HeapSnapshotLoader(undefined);
for await (const chunk of fs.createReadStream(file, {encoding: 'utf8', highWaterMark: 1 << 20}))
  loader.write(chunk);
loader.close();
const channel = new MessageChannel();
new HS.SecondaryInitManager(channel.port2);
const origWarn = console.warn;
console.warn = () => {};  // DevTools reports unreachable nodes on the console
const snap = await loader.buildSnapshot(channel.port1);
console.warn = origWarn;
channel.port1.close();
channel.port2.close();

const nf = snap.nodeFieldCount;
const out = fs.createWriteStream(prefix + '.objects.tsv');
out.write('id\tself\tretained\tidom_id\tdistance\n');
let buf = [];
for (let o = 0; o < snap.nodeCount; o++) {
  const idx = o * nf;
  buf.push(`${snap.nodes.getValue(idx + snap.nodeIdOffset)}\t${snap.nodes.getValue(idx + snap.nodeSelfSizeOffset)}\t` +
           `${snap.retainedSizes[o]}\t${snap.nodes.getValue(snap.dominatorsTree[o] * nf + snap.nodeIdOffset)}\t` +
           `${snap.nodeDistances[o]}`);
  if (buf.length >= 10000) { out.write(buf.join('\n') + '\n'); buf = []; }
}
if (buf.length) out.write(buf.join('\n') + '\n');
out.end();

const agg = snap.aggregatesWithFilter({});
const rows = Object.values(agg).map(a => [a.name, a.count, a.self, a.maxRet, a.distance]);
rows.sort((a, b) => b[3] - a[3] || b[2] - a[2] || b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
// Names may hold tabs or newlines: escape them as JSON does, without quotes.
const esc = s => JSON.stringify(s).slice(1, -1);
fs.writeFileSync(prefix + '.classes.tsv',
                 'name\tcount\tshallow_size\tretained_size\tdistance\n' +
                 rows.map(r => [esc(r[0]), ...r.slice(1)].join('\t')).join('\n') + '\n');
fs.writeFileSync(prefix + '.stats.json', JSON.stringify({
  node_count: snap.nodeCount,
  total_size: snap.totalSize,
  root_retained: snap.retainedSizes[snap.rootNodeIndex / nf],
  statistics: snap.getStatistics(),
}, null, 1) + '\n');
