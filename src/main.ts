import 'reflect-metadata';
import { createApp } from './bootstrap';
import { ConfigError, parseEnv } from './config/app-config';
import { JsonLogger } from './common/json-logger';

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
  try {
    const app = await createApp(config, { logger });
    await app.listen(config.port, config.host);
    const url = await app.getUrl();
    logger.log({ msg: 'livetrack-mcp listening', url, db: config.dbPath, mcp: config.mcpPath, boot_ms: Math.round(process.uptime() * 1000) }, 'Bootstrap');
  } catch (error) {
    logger.fatal({ msg: `startup failed: ${(error as Error).message}` }, 'Bootstrap');
    process.exit(1);
  }
}

void main();
