import type { DataSource } from 'typeorm';

/** Runs writes one at a time on single-connection databases; a failed write does not block the queue. */
export interface WriteQueue {
  run<T>(write: () => Promise<T>): Promise<T>;
}

const queues = new WeakMap<DataSource, WriteQueue>();

/**
 * The write queue of a DataSource, shared by every store on it. SQLite through TypeORM is one
 * connection: two async transactions would interleave on it ("cannot start a transaction within a
 * transaction"), whichever store started them. Pooled drivers (PostgreSQL) need no queue.
 */
export function writeQueueOf(dataSource: DataSource): WriteQueue {
  let queue = queues.get(dataSource);
  if (queue) return queue;
  if (!['better-sqlite3', 'sqlite', 'sqljs'].includes(String(dataSource.options.type))) {
    queue = { run: (write) => write() };
  } else {
    let tail: Promise<unknown> = Promise.resolve();
    queue = {
      run<T>(write: () => Promise<T>): Promise<T> {
        const next = tail.then(write, write);
        tail = next.catch(() => undefined);
        return next;
      },
    };
  }
  queues.set(dataSource, queue);
  return queue;
}

/** `?` placeholders as the driver wants them (PostgreSQL numbers them). */
export function placeholdersFor(dataSource: DataSource, sql: string): string {
  if (dataSource.options.type !== 'postgres') return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
