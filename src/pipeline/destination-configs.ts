import { definitionsOf } from '../functions/settings-schema.ts';
import { openSettingValues } from '../functions/setting-values.ts';
import type { FunctionInstance } from '../runtime/function-runtime.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { Store } from '../store/store.ts';
import { SEGMENT_RETRY_SCHEDULE_MS } from './settle-outcome.ts';

/** What a worker needs to run a destination's deliveries. */
export interface DestinationConfig {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly instance: FunctionInstance;
  /** The function defines onBatch: deliveries go in batches. */
  readonly batch: boolean;
  readonly schedule: readonly number[];
  readonly updatedAt: string;
}

const FRESH_MS = 1_000;

/**
 * Destination configurations, re-read at most once a second. An unchanged destination keeps the same
 * config object — and so the same settings object, which the runtime keys its warm isolates by.
 */
export class DestinationConfigs {
  private readonly cache = new Map<string, { checked: number; config: DestinationConfig | null }>();

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
  ) {}

  async get(id: string): Promise<DestinationConfig | null> {
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && now - hit.checked < FRESH_MS) return hit.config;
    const destination = await this.store.destinations.findById(id);
    let config: DestinationConfig | null = null;
    if (destination) {
      const previous = hit?.config;
      if (
        previous &&
        previous.updatedAt === destination.updatedAt &&
        previous.instance.versionId === destination.versionId
      ) {
        config = previous;
      } else {
        const version = await this.store.functions.getVersion(destination.functionId, destination.versionId);
        if (version) {
          const definitions = definitionsOf(version);
          config = {
            id: destination.id,
            workspaceId: destination.workspaceId,
            name: destination.name,
            enabled: destination.enabled,
            instance: {
              id: destination.id,
              versionId: version.id,
              code: version.code,
              settings: openSettingValues(destination.settings, this.secrets),
              sensitiveSettings: definitions.filter((d) => d.sensitive).map((d) => d.name),
            },
            batch: version.handlers.includes('onBatch'),
            schedule: destination.retrySchedule ?? SEGMENT_RETRY_SCHEDULE_MS,
            updatedAt: destination.updatedAt,
          };
        }
      }
    }
    this.cache.set(id, { checked: now, config });
    return config;
  }
}
