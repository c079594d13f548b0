/**
 * A head unit's cloud side in its own process, for the SIGKILL test:
 * `node --import tsx backlog-child.ts DBFILE URL N fill|drain`. `fill` puts N events into the
 * outbox first; both then send to the broker. Prints `sending`, then `drained` when empty.
 */
import { createLogger } from '../../log.ts';
import { openCloudDb } from '../cloud-db.ts';
import { CloudConnection } from '../connection.ts';
import { Ledger } from '../ledger.ts';
import { Outbox } from '../outbox.ts';
import { OutboxPublisher } from '../publisher.ts';

const [dbFile, url, count, mode] = process.argv.slice(2);
const log = createLogger({ write: () => true });
const db = openCloudDb(dbFile!);
const outbox = new Outbox(db);
if (mode === 'fill') {
  outbox.batch(() => {
    for (let i = 0; i < Number(count); i++) outbox.enqueue({ topic: 'vehicles/killed/events', body: { i }, kind: 'event', dataClass: 'diagnostics' });
  });
}
const conn = new CloudConnection({ url: url!, vehicleId: 'killed', log, backoff: { initialMs: 100, maxMs: 500 } });
// A small window, so the kill finds a backlog mid-upload.
const pub = new OutboxPublisher(outbox, conn, new Ledger(db), log, { window: 50 });
pub.on('drained', () => {
  process.stdout.write('drained\n');
  void conn.stop().then(() => process.exit(0));
});
process.stdout.write(`sending ${outbox.depth.messages}\n`);
pub.start();
conn.start();
