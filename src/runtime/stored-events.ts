// The invoker process's side of Invoker.readsStore: on SQLite the pipeline sends delivery ids, and the
// process reads each event's JSON from the database file itself. The JSON then never crosses the IPC
// channel, whose kernel copy cost the process that owns the store ~10 µs per event: that process sets the
// pace of the whole pipeline.
import { type DeliveryEvent, DeliveryEventReader } from '../store/sqlite/delivery-event-reader.ts';
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
  private readonly reader: DeliveryEventReader;

  constructor(file: string) {
    this.reader = new DeliveryEventReader(file);
  }

  /**
   * The inputs with their events read, all in one read. A delivery whose event is gone (a user deletion
   * removed it since the claim) is discarded without running; in a batch the others run, and the gone ones
   * get discarded results.
   */
  resolve(inputs: readonly InvocationInput[]): Resolved[] {
    const ids = inputs.flatMap((input) =>
      'delivery' in input ? [input.delivery] : 'deliveries' in input ? input.deliveries : [],
    );
    const events = this.reader.readAll(ids);
    let next = 0;
    return inputs.map((input) => {
      if ('delivery' in input) return single(events[next++]);
      if (!('deliveries' in input)) return { input, result: same };
      return batch(events.slice(next, (next += input.deliveries.length)));
    });
  }

  close(): void {
    this.reader.close();
  }
}

function single(event: DeliveryEvent | undefined): Resolved {
  if (event === undefined) return { input: null, result: deleted };
  const { body, type } = event;
  return { input: type ? { eventJson: body, type } : { eventJson: body }, result: same };
}

function batch(events: readonly (DeliveryEvent | undefined)[]): Resolved {
  const bodies = events.flatMap((event) => (event ? [event.body] : []));
  if (bodies.length === events.length) return { input: { eventsJson: bodies }, result: same };
  if (bodies.length === 0) return { input: null, result: deleted };
  return { input: { eventsJson: bodies }, result: (ran) => ran && withGone(ran, events) };
}

const same = (ran: InvocationResult | undefined) => ran;

function deleted(): InvocationResult {
  return notRun(classify({ errorName: DELETED.name }), DELETED);
}

/** A batch result over the events that were read, spread back over the batch as it was claimed. */
function withGone(ran: InvocationResult, claimed: readonly (DeliveryEvent | undefined)[]): InvocationResult {
  const discarded: EventResult = { ...classify({ errorName: DELETED.name }), error: DELETED };
  let next = 0;
  const events = claimed.map((event): EventResult =>
    event === undefined
      ? discarded
      : (ran.events?.[next++] ?? { status: ran.status, category: ran.category, error: ran.error }),
  );
  return { ...ran, events };
}
