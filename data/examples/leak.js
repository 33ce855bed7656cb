// A small Express-style server with a memory leak, for heapsift's demo.
//
// Every request gets a RequestRecord (for "debug logging"), and the record
// goes into a module-level Map that nothing ever deletes from.  After a few
// thousand requests the Map holds all of them, with their headers and
// bodies.  Run it and open the snapshot:
//
//   node leak.js leak.heapsnapshot
//   heapsift report leak.heapsnapshot
//
// RequestRecord tops the classes by retained size, and the objects view
// shows the Map (requestLog) dominating them all.
'use strict';
const v8 = require('v8');

class RequestRecord {
  constructor(id, req) {
    this.id = id;
    this.method = req.method;
    this.url = req.url;
    this.headers = {...req.headers};
    this.body = req.body;
    this.receivedAt = 1700000000000 + id * 13;
    this.timings = [];
  }
}

// The leak: records are added on every request and never removed.
const requestLog = new Map();
let nextId = 1;

// A toy router in the style of Express: app.get(path, handler).
const routes = [];
const app = {
  get(path, handler) { routes.push({method: 'GET', path, handler}); },
  post(path, handler) { routes.push({method: 'POST', path, handler}); },
  handle(req) {
    const record = new RequestRecord(nextId++, req);
    requestLog.set(record.id, record);           // <-- never deleted
    const route = routes.find(r => r.method === req.method && req.url.startsWith(r.path));
    const res = {status: 200, body: ''};
    if (route) route.handler(req, res); else res.status = 404;
    record.timings.push(res.status, res.body.length);
    return res;
  },
};

// A running server keeps its app alive through its listening socket; here a
// global stands in for it.
globalThis.app = app;

app.get('/users/', (req, res) => { res.body = JSON.stringify({user: req.url.slice(7)}); });
app.post('/orders', (req, res) => { res.body = JSON.stringify({ok: true, size: req.body.length}); res.status = 201; });

// Simulate some traffic.
for (let i = 0; i < 3000; i++) {
  const post = i % 3 === 0;
  app.handle({
    method: post ? 'POST' : 'GET',
    url: post ? '/orders' : '/users/' + (i % 250),
    headers: {'user-agent': 'demo/1.0', 'x-request-id': 'req-' + i, 'accept': 'application/json'},
    body: post ? JSON.stringify({order: i, items: Array.from({length: 8}, (_, k) => ({sku: 'sku-' + (i * 8 + k), qty: k + 1}))}) : '',
  });
}

v8.writeHeapSnapshot(process.argv[2] || 'leak.heapsnapshot');
