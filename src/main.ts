import 'reflect-metadata';
import { ConfigError, parseEnv } from './config/app-config';
import { JsonLogger } from './common/json-logger';

/** Hard bound on graceful shutdown: a stuck poll must not keep a pod terminating forever. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = parseEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line naming the variable, then a non-zero exit: nothing half-starts.
      process.stderr.write(`Invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = new JsonLogger(config.logLevel, config.logFormat);
  // Loaded only once the config is known good, so a bad value fails fast.
  const { createApp } = await import('./bootstrap');
  let app;
  try {
    app = await createApp(config, { logger });
    await app.listen(config.port, config.host);
  } catch (error) {
    logger.fatal({ msg: `startup failed: ${(error as Error).message}`, db: config.dbPath }, 'Bootstrap');
    process.exit(1);
  }
  logger.log({ msg: 'livetrack-mcp listening', url: await app.getUrl(), db: config.dbPath, mcp: config.mcpPath, boot_ms: Math.round(process.uptime() * 1000) }, 'Bootstrap');

  // enableShutdownHooks() closes the app on SIGTERM/SIGINT and then re-raises the signal, which
  // would end the process as "killed". This listener turns that re-raised signal into exit 0 and
  // bounds the whole shutdown.
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) {
        logger.log({ msg: 'shutdown complete' }, 'Bootstrap');
        process.exit(0);
      }
      closing = true;
      logger.log({ msg: `${signal} received: stopping polls and closing` }, 'Bootstrap');
      setTimeout(() => {
        logger.error({ msg: `shutdown exceeded ${SHUTDOWN_DEADLINE_MS} ms, exiting` }, 'Bootstrap');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
    });
  }
}

void main();
