import type { Logger } from 'pino';
import type { Config } from '../config/load-config.ts';
import { hashPassword } from '../access/password.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { buildServer } from './build-server.ts';

export interface RunningSwitchyard {
  readonly url: string;
  readonly store: Store;
  /** Stops accepting, lets in-flight requests finish their commits, closes the store. */
  stop(): Promise<void>;
}

/** Opens the store (migrating and bootstrapping it), then listens. */
export async function startSwitchyard(
  config: Config,
  logger: Logger,
  print: (text: string) => void = (text) => process.stdout.write(`${text}\n`),
): Promise<RunningSwitchyard> {
  const store = await openStore(config, {
    onCheckpointError: (error) =>
      logger.error({ err: error }, 'the SQLite write-ahead log was not checkpointed'),
  });
  try {
    const boot = await store.access.bootstrap({
      adminToken: config.adminToken,
      adminEmail: config.adminEmail,
      adminPassword: config.adminPassword,
      hashPassword,
    });
    const server = await buildServer(config, store, logger);
    const { app } = server;
    await app.listen({ host: config.host, port: config.port });
    if (config.role === 'all' || config.role === 'worker') server.worker.start();
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info({ url, store: store.dialect }, 'switchyard listening');

    // One write, so that whoever reads the output sees the whole message at once.
    const where = store.dialect === 'sqlite' ? config.dataDir : 'Postgres';
    const lines = [`Switchyard is running at ${url} (store: ${where}, role: ${config.role})`];
    if (boot.created) {
      lines.push(`Created the default workspace; its owner is ${boot.ownerEmail}.`);
      lines.push(
        boot.generatedToken !== undefined
          ? `Owner API token (shown once, keep it): ${boot.generatedToken}`
          : 'Owner API token: the value of SWITCHYARD_ADMIN_TOKEN.',
      );
      lines.push(`Try: curl -H "Authorization: Bearer <token>" ${url}/api/v1/sources`);
    }
    if (boot.generatedPassword !== undefined) {
      lines.push(
        `Sign in at ${url} as ${boot.ownerEmail} with the password (shown once, keep it): ${boot.generatedPassword}`,
      );
    } else if (boot.created && config.adminPassword !== undefined) {
      lines.push(`Sign in at ${url} as ${boot.ownerEmail} with SWITCHYARD_ADMIN_PASSWORD.`);
    }
    print(lines.join('\n'));

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        // Stops accepting and waits for in-flight requests (which wait for their commits), then deliveries.
        await server.close();
        await store.close();
        logger.info('switchyard stopped');
      })());
    return { url, store, stop };
  } catch (error) {
    await store.close();
    throw error;
  }
}
