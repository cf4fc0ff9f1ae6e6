// The yardstick of `rma-bench sync --pouchdb`: the same tickets, made the same way, synced by
// PouchDB 9 (LevelDB on both sides, as a PouchDB client and server keep them on disk) to an
// express-pouchdb server on loopback, and pulled into a fresh client.
//
//   node tests/pouch/sync.cjs TICKETS.jsonl WORK_DIR
//
// TICKETS.jsonl: one ticket a line, {"_id", "registration", "events": [...]}, as rma-bench
// made them. Each ticket is created with its first event, then edited once per further event
// (a new revision each, offline), like the Automerge tickets. Prints one JSON line:
// {"push_ms", "pull_ms", "docs_at_server", "docs_pulled"}.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const express = require('express');
const PouchDB = require('pouchdb-node');

async function main() {
  const [file, work] = process.argv.slice(2);
  if (!file || !work) {
    throw new Error('usage: node sync.cjs TICKETS.jsonl WORK_DIR');
  }
  for (const dir of ['server', 'a', 'b']) {
    fs.mkdirSync(path.join(work, dir), { recursive: true });
  }

  // The server: express-pouchdb over LevelDB, on a free loopback port.
  const ServerPouch = PouchDB.defaults({ prefix: path.join(work, 'server') + path.sep });
  const app = express();
  app.use('/', require('express-pouchdb')(ServerPouch, { mode: 'minimumForPouchDB', logPath: path.join(work, 'log.txt') }));
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const remote = `http://127.0.0.1:${server.address().port}/tickets`;

  // Site A works offline: each ticket created, then edited once per further event.
  const local = new PouchDB(path.join(work, 'a', 'tickets'));
  const lines = readline.createInterface({ input: fs.createReadStream(file) });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const ticket = JSON.parse(line);
    const doc = { _id: ticket._id, registration: ticket.registration, events: [ticket.events[0]] };
    let { rev } = await local.put(doc);
    for (const event of ticket.events.slice(1)) {
      doc.events.push(event);
      ({ rev } = await local.put({ ...doc, _rev: rev }));
    }
  }

  let started = process.hrtime.bigint();
  await local.replicate.to(remote);
  const pushMs = Number(process.hrtime.bigint() - started) / 1e6;

  const fresh = new PouchDB(path.join(work, 'b', 'tickets'));
  started = process.hrtime.bigint();
  await fresh.replicate.from(remote);
  const pullMs = Number(process.hrtime.bigint() - started) / 1e6;

  const atServer = (await new ServerPouch('tickets').info()).doc_count;
  const pulled = (await fresh.info()).doc_count;
  console.log(JSON.stringify({
    push_ms: Math.round(pushMs * 10) / 10,
    pull_ms: Math.round(pullMs * 10) / 10,
    docs_at_server: atServer,
    docs_pulled: pulled,
  }));
  server.close();
  await Promise.all([local.close(), fresh.close()]);
}

main().then(() => process.exit(0), (err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
