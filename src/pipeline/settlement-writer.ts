import type { Logger } from 'pino';
import type { DeliveryQueue, Settlement } from '../store/delivery-queue.ts';

const SETTLE_RETRY_MS = 1_000;
const SETTLE_TRIES = 3;

/**
 * Settlements are written in groups: one transaction for whatever finished meanwhile. A group the store
 * refused (a deadlock, a failover) is kept and written again a second later: dropping it would leave its
 * deliveries leased until the janitor counts them as crashes and runs them again. After SETTLE_TRIES
 * refusals in a row the group is written one settlement at a time, and one the store refuses on its own
 * is given up (its lease lapses, and it runs again), so that one bad row cannot stop all settling.
 * Writing a settlement twice is harmless: the store applies it only to a delivery still under its lease.
 */
export class SettlementWriter {
  private readonly pending: Settlement[] = [];
  private flushing: Promise<void> | undefined;
  private retryFlush: NodeJS.Timeout | undefined;
  /** Refusals of the group in a row, and until when flushing waits after one. */
  private refusals = 0;
  private blockedUntil = 0;
  /** Deliveries settled since the worker started (logged at stop). */
  private settled = 0;

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly logger: Logger,
  ) {}

  add(settlement: Settlement): void {
    this.pending.push(settlement);
  }

  /** Writes what is pending (unless waiting after a refusal); rejects when the store refused the group. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.length === 0 || Date.now() < this.blockedUntil) return Promise.resolve();
    this.flushing = (async () => {
      try {
        while (this.pending.length > 0) {
          const batch = this.pending.splice(0, 500);
          try {
            await this.queue.settle(batch);
            this.refusals = 0;
          } catch (error) {
            if (++this.refusals < SETTLE_TRIES) {
              this.pending.unshift(...batch);
              this.logger.error({ err: error, settlements: batch.length }, 'settling failed; trying again');
              this.blockedUntil = Date.now() + SETTLE_RETRY_MS;
              this.retryFlush ??= setTimeout(() => {
                this.retryFlush = undefined;
                this.blockedUntil = 0;
                void this.flush().catch(() => undefined);
              }, SETTLE_RETRY_MS);
              throw error;
            }
            this.refusals = 0;
            await this.settleOneByOne(batch);
          }
          this.settled += batch.length;
        }
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /** At stop: one last attempt at everything pending, without waiting out a refusal. */
  async close(): Promise<void> {
    clearTimeout(this.retryFlush);
    this.blockedUntil = 0;
    try {
      await this.flush();
    } catch {
      // Logged by flush; their leases lapse and the deliveries run again (at least once).
      this.logger.warn({ unsettled: this.pending.length }, 'stopped with settlements not written');
    }
    this.logger.info({ settled: this.settled }, 'delivery worker stopped');
  }

  private async settleOneByOne(batch: readonly Settlement[]): Promise<void> {
    for (const settlement of batch) {
      try {
        await this.queue.settle([settlement]);
      } catch (error) {
        this.logger.error(
          { err: error, deliveryId: settlement.id, destinationId: settlement.destinationId },
          'a settlement was refused on its own; the delivery will run again when its lease lapses',
        );
      }
    }
  }
}
