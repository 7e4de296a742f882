import type { Logger } from 'pino';
import type { SwitchyardMetrics } from '../metrics/switchyard-metrics.ts';
import type { Invoker } from '../runtime/invoker.ts';
import type { InvocationResult } from '../runtime/invocation-result.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { ClaimedDelivery, DueDestination, Settlement } from '../store/delivery-queue.ts';
import type { Store } from '../store/store.ts';
import { type DestinationConfig, DestinationConfigs } from './destination-configs.ts';
import { settleOutcome } from './settle-outcome.ts';
import { UsageGate } from './usage-gate.ts';

export interface WorkerOptions {
  /** Invocations in flight in this process, all destinations together. */
  readonly maxInFlight: number;
  /** Invocations in flight for one destination: a slow or failing one fills only its own slots. */
  readonly maxInFlightPerDestination: number;
  /** How long a claim is held; a worker that dies lets it lapse and the janitor hands it back. */
  readonly leaseMs: number;
  /** How often to look for due work when nothing woke the worker. */
  readonly pollMs: number;
  /** A delivery whose worker died this many times is quarantined as dead. */
  readonly maxCrashes: number;
  /** Share of successful attempts whose logs and requests are kept. */
  readonly successSample: number;
  /** onBatch: up to this many events per call, or whatever has waited batchWaitMs. */
  readonly batchSize: number;
  readonly batchWaitMs: number;
  /** Retention: successful deliveries and attempts, failed ones, and events (when nothing waits for them). */
  readonly keepSuccessMs: number;
  readonly keepFailureMs: number;
  readonly keepEventsMs: number;
  /** How often a workspace's usage is re-read against its monthly limit. */
  readonly usageCheckMs: number;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  maxInFlight: 256,
  maxInFlightPerDestination: 16,
  leaseMs: 60_000,
  pollMs: 250,
  maxCrashes: 3,
  successSample: 0.01,
  batchSize: 20,
  batchWaitMs: 10_000,
  keepSuccessMs: 86_400_000,
  keepFailureMs: 30 * 86_400_000,
  keepEventsMs: 7 * 86_400_000,
  usageCheckMs: 10_000,
};

const REAP_EVERY_MS = 1_000;
const PURGE_EVERY_MS = 60_000;
const PURGE_BATCH = 1_000;
const REFRESH_DUE_MS = 200;

/**
 * Claims due deliveries round-robin across destinations, within per-destination and global in-flight limits,
 * runs them in the function runtime and settles the outcomes. Several workers (processes or machines on one
 * Postgres) can run side by side: claims never overlap.
 */
export class DeliveryWorker {
  private readonly configs: DestinationConfigs;
  private readonly usage: UsageGate;
  private readonly inFlight = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly pending: Settlement[] = [];
  private readonly tasks = new Set<Promise<void>>();
  private total = 0;
  /** Deliveries this worker settled since it started (logged at stop). */
  private settled = 0;
  private due: DueDestination[] = [];
  private dueAt = 0;
  private turn = 0;
  private lastReap = 0;
  private lastPurge = 0;
  private wake: (() => void) | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly runtime: Invoker,
    secrets: SecretBox,
    private readonly logger: Logger,
    private readonly options: WorkerOptions = DEFAULT_WORKER_OPTIONS,
    private readonly metrics?: SwitchyardMetrics,
  ) {
    this.configs = new DestinationConfigs(store, secrets);
    this.usage = new UsageGate(store, options.usageCheckMs);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** New work was committed, or a slot freed up: look now rather than at the next poll. */
  nudge(): void {
    // Re-reading due destinations per commit would cost more than it saves: only when none are known.
    if (this.due.length === 0) this.dueAt = 0;
    this.wake?.();
  }

  /** Stops claiming, finishes what is in flight and records it. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await Promise.all([...this.tasks]);
    await this.flush();
    this.logger.info({ settled: this.settled }, 'delivery worker stopped');
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let claimed = 0;
      try {
        claimed = await this.tick();
      } catch (error) {
        this.logger.error({ err: error }, 'delivery worker tick failed');
      }
      if (claimed > 0) {
        // On SQLite every store call completes in microtasks: without this the loop could starve HTTP.
        await new Promise((resolve) => setImmediate(resolve));
      } else if (!this.stopping) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  private async tick(): Promise<number> {
    const now = Date.now();
    if (now - this.lastReap > REAP_EVERY_MS) {
      this.lastReap = now;
      const reaped = await this.store.deliveries.reapExpiredLeases(now, this.options.maxCrashes);
      if (reaped.returned + reaped.quarantined > 0)
        this.logger.warn(reaped, 'returned expired delivery leases');
    }
    if (now - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = now;
      const removed = await this.store.deliveryLog.purge(
        {
          successBefore: now - this.options.keepSuccessMs,
          failureBefore: now - this.options.keepFailureMs,
          eventsBefore: now - this.options.keepEventsMs,
        },
        PURGE_BATCH,
      );
      // A backlog is worked off soon, in small steps, rather than in one long transaction.
      if (removed >= PURGE_BATCH) this.lastPurge = now - PURGE_EVERY_MS + 1_000;
    }
    if (now - this.dueAt > REFRESH_DUE_MS) {
      this.due = await this.store.deliveries.dueDestinations(now);
      this.dueAt = now;
      this.metrics?.queueDepth.set(this.due.reduce((n, d) => n + d.due, 0));
    }
    if (this.due.length === 0) return 0;
    let claimed = 0;
    // Round robin: each tick starts one destination further on, so none is always served first.
    const start = this.turn++ % this.due.length;
    const order = [...this.due.slice(start), ...this.due.slice(0, start)];
    for (const due of order) {
      if (this.stopping || this.total >= this.options.maxInFlight) break;
      claimed += await this.claimFor(due, now);
    }
    return claimed;
  }

  private async claimFor(due: DueDestination, now: number): Promise<number> {
    const id = due.destinationId;
    if ((this.pausedUntil.get(id) ?? 0) > now) return 0;
    const busy = this.inFlight.get(id) ?? 0;
    const free = Math.min(
      this.options.maxInFlightPerDestination - busy,
      this.options.maxInFlight - this.total,
    );
    if (free <= 0) return 0;
    const config = await this.configs.get(id);
    if (config === null || !config.enabled) return 0;
    // Over its monthly limit the workspace's deliveries stay pending: paused, never dropped.
    if (await this.usage.paused(config.workspaceId, now)) return 0;
    if (config.batch && due.due < this.options.batchSize && now - due.oldest < this.options.batchWaitMs)
      return 0;
    const limit = config.batch ? this.options.batchSize : free;
    const rows = await this.store.deliveries.claim(id, limit, now, now + this.options.leaseMs);
    if (rows.length < limit) this.due = this.due.filter((d) => d !== due);
    if (rows.length === 0) return 0;
    if (config.batch) this.launch(config, rows);
    else for (const row of rows) this.launch(config, [row]);
    return rows.length;
  }

  private launch(config: DestinationConfig, rows: ClaimedDelivery[]): void {
    this.inFlight.set(config.id, (this.inFlight.get(config.id) ?? 0) + 1);
    this.total++;
    this.metrics?.inFlight.inc();
    const task = this.process(config, rows)
      .catch((error: unknown) =>
        this.logger.error({ err: error, destinationId: config.id }, 'delivery failed to settle'),
      )
      .finally(() => {
        this.inFlight.set(config.id, (this.inFlight.get(config.id) ?? 1) - 1);
        this.total--;
        this.metrics?.inFlight.dec();
        this.tasks.delete(task);
        this.wake?.();
      });
    this.tasks.add(task);
  }

  private async process(config: DestinationConfig, rows: ClaimedDelivery[]): Promise<void> {
    // The stored JSON goes to the function as it is: parsing it here would cost this process for nothing.
    const result: InvocationResult = await this.runtime.invoke(
      config.instance,
      config.batch ? { eventsJson: rows.map((row) => row.body) } : { eventJson: rows[0]!.body },
    );
    const now = Date.now();
    const options = {
      now,
      schedule: config.schedule,
      successSample: this.options.successSample,
      random: Math.random,
    };
    this.metrics?.duration.observe(result.durationMs / 1000);
    rows.forEach((row, i) => {
      const outcome = config.batch ? (result.events?.[i] ?? result) : result;
      const settlement = settleOutcome(
        row,
        { ...result, ...outcome },
        result.durationMs / rows.length,
        options,
      );
      this.metrics?.outcomes.inc({
        outcome: settlement.attempt?.outcome ?? settlement.state,
        category: settlement.category ?? '',
      });
      this.pending.push(settlement);
    });
    // A 429 with Retry-After pauses the whole destination, not just this delivery.
    if (result.retryAfterMs !== undefined) this.pausedUntil.set(config.id, now + result.retryAfterMs);
    await this.flush();
  }

  /** Settlements are written in groups: one transaction for whatever finished meanwhile. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.length === 0) return Promise.resolve();
    this.flushing = (async () => {
      try {
        while (this.pending.length > 0) {
          const batch = this.pending.splice(0, 500);
          await this.store.deliveries.settle(batch);
          this.settled += batch.length;
        }
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }
}
