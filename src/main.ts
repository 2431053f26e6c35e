import './compile-cache.register';
import { flushCompileCache } from './compile-cache';
import 'reflect-metadata';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ConfigError, parseEnv } from './config/app-config';
import { JsonLogger } from './common/json-logger';
import { startTelemetry } from './telemetry/telemetry';

/** Hard bound on graceful shutdown: a stuck poll must not keep a pod terminating forever. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  let telemetry;
  try {
    config = parseEnv(process.env);
    // Before ./bootstrap is loaded: the http/express/nest instrumentations patch those modules as
    // they are first required. Without OTEL_EXPORTER_OTLP_ENDPOINT this loads nothing.
    telemetry = await startTelemetry(config);
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
  logger.log(
    { msg: 'livetrack-mcp listening', url: await app.getUrl(), db: config.dbPath, mcp: config.mcpPath, telemetry: telemetry.enabled, boot_ms: Math.round(process.uptime() * 1000) },
    'Bootstrap',
  );
  // Up and serving: keep the compiled code for the next boot (async, off the boot path).
  void flushCompileCache();

  // enableShutdownHooks() closes the app on SIGTERM/SIGINT and then re-raises the signal, which
  // would end the process as "killed". This listener turns that re-raised signal into exit 0 and
  // bounds the whole shutdown.
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) process.exit(0);
      closing = true;
      logger.log({ msg: `${signal} received: stopping polls and closing` }, 'Bootstrap');
      // The shutdown hooks end with the process exiting on its own or by the re-raised signal.
      process.once('exit', (code) => logger.log({ msg: 'shutdown complete', exit_code: code }, 'Bootstrap'));
      stopAccepting(app.getHttpServer());
      setTimeout(() => {
        logger.error({ msg: `shutdown exceeded ${SHUTDOWN_DEADLINE_MS} ms, exiting` }, 'Bootstrap');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
    });
  }
}

/**
 * Stops accepting at once, while the shutdown hooks let in-flight polls finish: no new
 * connections (the readiness probe fails, Kubernetes stops routing here), and keep-alive
 * connections are closed as soon as they are idle (responses on them say Connection: close).
 * Nest closes the server again later, harmlessly.
 */
function stopAccepting(server: Server): void {
  server.close();
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  server.closeIdleConnections();
  setInterval(() => server.closeIdleConnections(), 100).unref();
}

void main();
