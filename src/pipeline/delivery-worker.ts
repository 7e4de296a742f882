import type { Logger } from 'pino';
import type { SwitchyardMetrics } from '../metrics/switchyard-metrics.ts';
import type { Invoker } from '../runtime/invoker.ts';
import type { InvocationResult } from '../runtime/invocation-result.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { ClaimedDelivery, DueDestination, Settlement } from '../store/delivery-queue.ts';
import type { Store } from '../store/store.ts';
import { type DestinationConfig, DestinationConfigs } from './destination-configs.ts';
import { DueCounts } from './due-counts.ts';
import { MAX_THROTTLE_MS, settleOutcome } from './settle-outcome.ts';
import { RetentionLoop } from './retention-loop.ts';
import { SettlementWriter } from './settlement-writer.ts';
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
  /**
   * Without onBatch, a destination's backlog goes to the runtime in runs of up to this many events, each
   * still its own invocation: a run is one message and one claim instead of one per event. Slow functions
   * get shorter runs (RUN_BUDGET_MS).
   */
  readonly runSize: number;
  /** onBatch: up to this many events per call, or whatever has waited batchWaitMs. */
  readonly batchSize: number;
  readonly batchWaitMs: number;
  /** How long due counts are trusted while the claims since have not used them up. */
  readonly refreshDueMs: number;
  /** Retention: successful deliveries and attempts, failed ones, and events (when nothing waits for them). */
  readonly keepSuccessMs: number;
  readonly keepFailureMs: number;
  readonly keepEventsMs: number;
  /** How often a workspace's usage is re-read against its monthly limit. */
  readonly usageCheckMs: number;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  maxInFlight: 256,
  maxInFlightPerDestination: 32,
  leaseMs: 60_000,
  pollMs: 250,
  maxCrashes: 3,
  successSample: 0.01,
  runSize: 16,
  batchSize: 20,
  batchWaitMs: 10_000,
  refreshDueMs: 200,
  keepSuccessMs: 86_400_000,
  keepFailureMs: 30 * 86_400_000,
  keepEventsMs: 7 * 86_400_000,
  usageCheckMs: 10_000,
};

const REAP_EVERY_MS = 1_000;
/** A run is sized to take about this long at the destination's recent pace, so slow ones run one at a time. */
const RUN_BUDGET_MS = 250;

/**
 * Claims due deliveries round-robin across destinations, within per-destination and global in-flight limits,
 * runs them in the function runtime and settles the outcomes. Several workers (processes or machines on one
 * Postgres) can run side by side: claims never overlap.
 */
export class DeliveryWorker {
  private readonly configs: DestinationConfigs;
  private readonly usage: UsageGate;
  private readonly retention: RetentionLoop;
  private readonly settlements: SettlementWriter;
  private readonly inFlight = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();
  /** Recent wall time per event of each destination's function (a moving average), for sizing runs. */
  private readonly pace = new Map<string, number>();
  private readonly tasks = new Set<Promise<void>>();
  private total = 0;
  private readonly due: DueCounts;
  private turn = 0;
  private lastReap = 0;
  private wake: (() => void) | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;

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
    this.retention = new RetentionLoop(store, options, logger);
    this.settlements = new SettlementWriter(store.deliveries, logger);
    const { maxInFlightPerDestination, runSize, batchSize, refreshDueMs } = options;
    this.due = new DueCounts(
      store,
      { refreshDueMs, batchSize, claimCap: maxInFlightPerDestination * Math.max(runSize, batchSize) },
      metrics,
    );
  }

  start(): void {
    this.loop ??= this.run();
    this.retention.start();
  }

  /** New work was committed, for these destinations (all of them, when not given): see DueCounts. */
  nudge(destinationIds?: Iterable<string>): void {
    this.due.committed(destinationIds);
    this.wake?.();
  }

  /** Stops claiming, finishes what is in flight and records it. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await this.retention.stop();
    await Promise.all([...this.tasks]);
    await this.settlements.close();
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
          // Not past a look that a commit asked for.
          const timer = setTimeout(resolve, Math.min(this.options.pollMs, this.due.msUntilLook(Date.now())));
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
    const due = await this.due.current(now);
    if (due.length === 0) return 0;
    let claimed = 0;
    // Round robin: each tick starts one destination further on, so none is always served first.
    const start = this.turn++ % due.length;
    const order = [...due.slice(start), ...due.slice(0, start)];
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
    const { batchSize } = this.options;
    let limit = free * this.runSize(id);
    if (config.batch) {
      // Full batches, unless the oldest event has waited its time — as many as there are free slots, in one
      // claim. A batch per claim would let ingest set the pace: the loop claims once per turn of the event
      // loop, and under heavy ingest a turn takes milliseconds.
      const waited = now - due.oldest >= this.options.batchWaitMs;
      const batches = waited ? free : Math.min(free, Math.floor(due.due / batchSize));
      if (batches === 0) return 0;
      limit = batches * batchSize;
    }
    const rows = await this.store.deliveries.claim(
      id,
      limit,
      now,
      now + this.options.leaseMs,
      !this.runtime.readsStore,
    );
    this.due.took(due, rows.length, limit, config.batch);
    if (rows.length === 0) return 0;
    if (config.batch) {
      for (let i = 0; i < rows.length; i += batchSize) this.launch(config, rows.slice(i, i + batchSize));
    } else {
      // As many runs as there are free slots, oldest events first in each.
      const runs = Math.min(free, rows.length);
      const size = Math.ceil(rows.length / runs);
      for (let i = 0; i < rows.length; i += size) this.launch(config, rows.slice(i, i + size));
    }
    return rows.length;
  }

  private runSize(destinationId: string): number {
    const pace = this.pace.get(destinationId);
    // Until the function's pace is known, one event per invocation.
    if (pace === undefined) return 1;
    return Math.max(1, Math.min(this.options.runSize, Math.floor(RUN_BUDGET_MS / Math.max(pace, 0.01))));
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
    if (config.batch) await this.processBatch(config, rows);
    else await this.processRun(config, rows);
    // A refused write is logged and retried by flush itself.
    await this.settlements.flush().catch(() => undefined);
  }

  private async processBatch(config: DestinationConfig, rows: ClaimedDelivery[]): Promise<void> {
    // The stored JSON goes to the function as it is: parsing it here would cost this process for nothing.
    // The sample of successes whose logs are kept is drawn per call: a batch's events share its logs and
    // requests, so the runtime can leave them out of an unsampled success.
    const sampled = Math.random() < this.options.successSample;
    const result = await this.runtime.invoke(
      config.instance,
      this.runtime.readsStore
        ? { deliveries: rows.map((row) => row.id) }
        : { eventsJson: rows.map((row) => row.body) },
      sampled,
    );
    const options = this.settleOptions(config, sampled);
    if (!result.notRun) this.metrics?.duration.observe(result.durationMs / 1000);
    rows.forEach((row, i) => {
      const outcome = result.events?.[i] ?? result;
      const merged = Object.assign({}, result, outcome); // not a double spread: slow per event on this V8
      this.record(settleOutcome(row, merged, result.durationMs / rows.length, options));
    });
    this.throttle(config.id, result, options.now);
  }

  private async processRun(config: DestinationConfig, rows: ClaimedDelivery[]): Promise<void> {
    // Drawn now, so that the runtime can leave out the logs and requests of successes that are not kept.
    const sampled = rows.map(() => Math.random() < this.options.successSample);
    const results = await this.runtime.invokeEach(
      config.instance,
      rows.map((row) =>
        this.runtime.readsStore
          ? { delivery: row.id }
          : row.type
            ? { eventJson: row.body, type: row.type }
            : { eventJson: row.body },
      ),
      sampled,
    );
    const now = Date.now();
    let wall = 0;
    let ran = 0;
    rows.forEach((row, i) => {
      const result = results[i];
      if (result === undefined) {
        // Not reached (the run stopped at a 429, or ran out of time): back to the queue, no attempt spent.
        const { id, leaseUntil, eventId, destinationId, attempts } = row;
        this.settlements.add({
          id,
          leaseUntil,
          eventId,
          destinationId,
          attempts,
          state: 'pending',
          runAt: now,
          category: null,
          error: null,
          count: undefined,
        });
        return;
      }
      // One not run (its event deleted, the platform failed) tells nothing of how long the function takes.
      if (!result.notRun) {
        this.metrics?.duration.observe(result.durationMs / 1000);
        wall += result.durationMs;
        ran++;
      }
      this.record(settleOutcome(row, result, result.durationMs, this.settleOptions(config, sampled[i], now)));
      this.throttle(config.id, result, now);
    });
    if (ran > 0) {
      const previous = this.pace.get(config.id);
      const pace = wall / ran;
      this.pace.set(config.id, previous === undefined ? pace : previous * 0.8 + pace * 0.2);
    }
  }

  private settleOptions(config: DestinationConfig, sampled: boolean | undefined, now = Date.now()) {
    return {
      now,
      schedule: config.schedule,
      successSample: this.options.successSample,
      random: Math.random,
      sampled,
    };
  }

  private record(settlement: Settlement): void {
    this.metrics?.outcomes.inc({
      outcome: settlement.attempt?.outcome ?? settlement.state,
      category: settlement.category ?? '',
    });
    this.settlements.add(settlement);
  }

  /** A 429 with Retry-After pauses the whole destination, not just this delivery. */
  private throttle(destinationId: string, result: InvocationResult, now: number): void {
    // Capped as the deferral is: a Retry-After of a day (or 1e300) must not stop a destination until restart.
    if (result.retryAfterMs !== undefined)
      this.pausedUntil.set(destinationId, now + Math.min(result.retryAfterMs, MAX_THROTTLE_MS));
  }
}
