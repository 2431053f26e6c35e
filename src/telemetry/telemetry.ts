import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig, ConfigError } from '../config/app-config';

type Env = Record<string, string | undefined>;

/** What the SDK needs; built from AppConfig plus the standard OTEL_* variables it honours. */
export interface TelemetrySettings {
  /** OTLP/HTTP base URL; traces go to {endpoint}/v1/traces, metrics to {endpoint}/v1/metrics. */
  endpoint: string;
  serviceName: string;
  serviceVersion: string;
  /** OTEL_METRIC_EXPORT_INTERVAL (ms, default 60000). */
  metricExportIntervalMs: number;
  /** OTEL_EXPORTER_OTLP_TIMEOUT (ms, default 10000): bounds every export, and so the flush at shutdown. */
  exportTimeoutMs: number;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** Flushes buffered spans and metrics and stops exporting; never throws. */
  shutdown(): Promise<void>;
}

/** Upper bound on the flush at shutdown, well inside the 10 s shutdown deadline. */
const SHUTDOWN_FLUSH_MS = 3_000;

const DISABLED: Telemetry = { enabled: false, shutdown: async () => undefined };

let current: Telemetry = DISABLED;

function milliseconds(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer number of milliseconds between ${min} and ${max} (got "${raw}")`);
  }
  return value;
}

/** package.json sits two levels above this file both in src/ (ts-jest) and in dist/. */
export function serviceVersion(): string {
  try {
    return String(JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version);
  } catch {
    return process.env.npm_package_version ?? 'unknown';
  }
}

/**
 * Validates the telemetry settings; null when OTEL_EXPORTER_OTLP_ENDPOINT is unset. Throws
 * ConfigError (one line naming the variable) for a bad OTEL_* value, like parseEnv does.
 */
export function telemetrySettings(config: Pick<AppConfig, 'otelEndpoint'>, env: Env = process.env): TelemetrySettings | null {
  const metricExportIntervalMs = milliseconds(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000, 100, 3_600_000);
  const exportTimeoutMs = milliseconds(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, 100, 120_000);
  if (!config.otelEndpoint) return null;
  return {
    endpoint: config.otelEndpoint.replace(/\/+$/, ''),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'livetrack-mcp',
    serviceVersion: serviceVersion(),
    metricExportIntervalMs,
    exportTimeoutMs,
  };
}

/**
 * Starts OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set. Call before the app's modules are
 * required: the http/express/nest instrumentations patch those modules as they load. When the
 * endpoint is unset the SDK is not even loaded: no cost, no outbound traffic, and every span and
 * metric call in the code goes to the API's no-op implementation.
 */
export async function startTelemetry(config: Pick<AppConfig, 'otelEndpoint'>, env: Env = process.env): Promise<Telemetry> {
  const settings = telemetrySettings(config, env);
  if (!settings) return (current = DISABLED);
  const { startSdk } = await import('./sdk');
  const sdk = startSdk(settings);
  let stopping: Promise<void> | null = null;
  current = {
    enabled: true,
    shutdown: () =>
      (stopping ??= Promise.race([
        sdk.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref()),
      ])),
  };
  return current;
}

/** Flushes and stops whatever startTelemetry started (a no-op when telemetry is off). */
export function shutdownTelemetry(): Promise<void> {
  return current.shutdown();
}
