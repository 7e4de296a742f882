import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';

const PURGE_EVERY_MS = 60_000;
/** Between steps while a backlog is purged: 1,000 of each kind per step keeps up with ~20,000 events/s. */
const PURGE_STEP_MS = 50;
const PURGE_BATCH = 1_000;

export interface RetentionPeriods {
  readonly keepSuccessMs: number;
  readonly keepFailureMs: number;
  readonly keepEventsMs: number;
}

/**
 * Retention, beside the worker's claim loop rather than inside it: every PURGE_EVERY_MS, and while a step
 * stops at its limit (more to remove, or more to look at) the next step a moment later, so that the purge
 * keeps up with any ingest rate in steps short enough to leave the hot path its turn.
 */
export class RetentionLoop {
  private running: Promise<void> | undefined;
  private stopping = false;
  private interrupt: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly periods: RetentionPeriods,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.interrupt?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let more = false;
      try {
        const now = Date.now();
        ({ more } = await this.store.deliveryLog.purge(
          {
            successBefore: now - this.periods.keepSuccessMs,
            failureBefore: now - this.periods.keepFailureMs,
            eventsBefore: now - this.periods.keepEventsMs,
          },
          PURGE_BATCH,
        ));
      } catch (error) {
        this.logger.error({ err: error }, 'retention purge failed');
      }
      if (this.stopping) break;
      const pause = more ? PURGE_STEP_MS : PURGE_EVERY_MS;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.interrupt = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
