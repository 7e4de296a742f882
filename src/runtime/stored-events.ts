// The invoker process's side of Invoker.readsStore: on SQLite the pipeline sends delivery ids, and the
// process reads each event's JSON from the database file itself (WAL lets other processes read while the
// server writes). The JSON then never crosses the IPC channel, whose kernel copy cost the process that owns
// the store ~10 µs per event: that process sets the pace of the whole pipeline.
import BetterSqlite3 from 'better-sqlite3';
import { classify, notRun } from './classify.ts';
import type { InvocationInput } from './invocation-input.ts';
import type { EventResult, InvocationResult } from './invocation-result.ts';

const DELETED = {
  name: 'EventDeleted',
  message: 'its event was deleted (a user deletion) after it was queued',
};

/** An input as the runtime takes it, and how to put back what could not be read. */
export interface Resolved {
  /** Null: nothing left to run, `result` answers it. */
  readonly input: InvocationInput | null;
  readonly result: (ran: InvocationResult | undefined) => InvocationResult | undefined;
}

export class StoredEvents {
  private readonly db: BetterSqlite3.Database;
  private readonly read: BetterSqlite3.Statement<[number], { body: string; type: string | null }>;
  /**
   * The inputs with their events read, in one read transaction: each read on its own would begin its own,
   * and find the page cache dropped whenever the server had committed since (7 µs a read instead of 3).
   */
  readonly resolve: (inputs: readonly InvocationInput[]) => Resolved[];

  constructor(file: string) {
    // A read waits for a lock only while the writer recovers the log after a crash; waiting long would stall
    // every isolate of this process, and a read that fails is retried with its delivery.
    this.db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 50 });
    // The same choice as the claim made before: the filtered payload if the destination's filters wrote one.
    this.read = this.db.prepare(
      `SELECT coalesce(d.payload, e.body) AS body, CASE WHEN d.payload IS NULL THEN e.type END AS type
       FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?`,
    );
    this.resolve = this.db.transaction((inputs: readonly InvocationInput[]) =>
      inputs.map((input) => this.resolveOne(input)),
    );
  }

  /**
   * The input with its events read. A delivery whose event is gone (a user deletion removed it since the
   * claim) is discarded without running; in a batch the others run, and the gone ones get discarded results.
   */
  private resolveOne(input: InvocationInput): Resolved {
    if ('delivery' in input) {
      const row = this.read.get(input.delivery);
      if (row === undefined) return { input: null, result: () => deleted() };
      return {
        input: row.type ? { eventJson: row.body, type: row.type } : { eventJson: row.body },
        result: same,
      };
    }
    if (!('deliveries' in input)) return { input, result: same };
    const bodies: string[] = [];
    const gone = new Set<number>();
    input.deliveries.forEach((id, i) => {
      const row = this.read.get(id);
      if (row === undefined) gone.add(i);
      else bodies.push(row.body);
    });
    if (gone.size === 0) return { input: { eventsJson: bodies }, result: same };
    if (bodies.length === 0) return { input: null, result: () => deleted() };
    return {
      input: { eventsJson: bodies },
      result: (ran) => ran && withGone(ran, input.deliveries.length, gone),
    };
  }

  close(): void {
    this.db.close();
  }
}

const same = (ran: InvocationResult | undefined) => ran;

function deleted(): InvocationResult {
  return notRun(classify({ errorName: DELETED.name }), DELETED);
}

/** A batch result over the events that were read, spread back over the batch as it was claimed. */
function withGone(ran: InvocationResult, size: number, gone: ReadonlySet<number>): InvocationResult {
  const discarded: EventResult = { ...classify({ errorName: DELETED.name }), error: DELETED };
  const events: EventResult[] = [];
  let next = 0;
  for (let i = 0; i < size; i++) {
    if (gone.has(i)) events.push(discarded);
    else
      events.push(ran.events?.[next++] ?? { status: ran.status, category: ran.category, error: ran.error });
  }
  return { ...ran, events };
}
