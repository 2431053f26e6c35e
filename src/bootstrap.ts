import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { HttpErrorFilter, validationExceptionFactory } from './common/http-errors';
import { JsonLogger } from './common/json-logger';

export interface CreateAppOptions {
  /** Replaces the JSON logger (tests silence it). */
  logger?: JsonLogger | false;
}

/** Builds the whole app (pipes, errors, docs, shutdown hooks) without listening. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<INestApplication> {
  const logger = options.logger === undefined ? new JsonLogger(config.logLevel, config.logFormat) : options.logger;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    logger: logger === false ? false : logger,
    bufferLogs: false,
    abortOnError: false,
    // At shutdown, once polls have settled, drop open connections (MCP SSE streams never end on
    // their own) instead of waiting for them past the shutdown deadline.
    forceCloseConnections: true,
  });
  app.disable('x-powered-by');
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationExceptionFactory,
    }),
  );
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();

  const docOptions = new DocumentBuilder()
    .setTitle('livetrack-mcp')
    .setDescription(
      'Live race tracking from Garmin LiveTrack: sessions, trackpoints, thresholds, analysis and health. ' +
        `MCP: Streamable HTTP at ${config.mcpPath}, SSE at /sse.`,
    )
    .setVersion(process.env.npm_package_version ?? '0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API_KEY, when the server sets one' })
    .build();
  // A factory: the OpenAPI document is built on the first /docs request, not during boot.
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, docOptions), { jsonDocumentUrl: 'docs-json' });
  return app;
}
