import BetterSqlite3 from 'better-sqlite3';

/**
 * The event a delivery's function receives: the payload its destination's filters wrote, or else the stored
 * event with its type (which picks the handler without a parse).
 */
export const DELIVERY_EVENT_SQL = `SELECT coalesce(d.payload, e.body) AS body, CASE WHEN d.payload IS NULL THEN e.type END AS type
  FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?`;

export interface DeliveryEvent {
  readonly body: string;
  readonly type: string | null;
}

/**
 * A read-only connection to the SQLite file for an invoker process (runtime/stored-events.ts), which reads
 * the events it runs itself: WAL lets it read beside the server's writes.
 */
export class DeliveryEventReader {
  private readonly db: BetterSqlite3.Database;
  /**
   * The events of these deliveries, in one read transaction — each read on its own would begin its own, and
   * find the page cache dropped whenever the server had committed since (7 µs a read instead of 3).
   * Undefined for a delivery whose event is gone (a user deletion since its claim).
   */
  readonly readAll: (ids: readonly number[]) => (DeliveryEvent | undefined)[];

  constructor(file: string) {
    // A read waits for a lock only while the writer recovers the log after a crash; waiting long would stall
    // every isolate of the process, and a read that fails is retried with its delivery.
    this.db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 50 });
    const read = this.db.prepare<[number], DeliveryEvent>(DELIVERY_EVENT_SQL);
    this.readAll = this.db.transaction((ids: readonly number[]) => ids.map((id) => read.get(id)));
  }

  close(): void {
    this.db.close();
  }
}
