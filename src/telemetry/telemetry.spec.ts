import { ConfigError } from '../config/app-config';
import { serviceVersion, startTelemetry, telemetrySettings } from './telemetry';

// Loading the SDK module at all when telemetry is off would be a bug: make it explode.
jest.mock('./sdk', () => {
  throw new Error('the OpenTelemetry SDK was loaded');
});

describe('telemetrySettings', () => {
  it('is off (null) without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(telemetrySettings({ otelEndpoint: null }, {})).toBeNull();
  });

  it('uses the endpoint, service name and version, and the standard OTEL_* knobs', () => {
    expect(telemetrySettings({ otelEndpoint: 'http://collector:4318/' }, { OTEL_METRIC_EXPORT_INTERVAL: '500', OTEL_EXPORTER_OTLP_TIMEOUT: '2000' })).toEqual({
      endpoint: 'http://collector:4318',
      serviceName: 'livetrack-mcp',
      serviceVersion: serviceVersion(),
      metricExportIntervalMs: 500,
      exportTimeoutMs: 2000,
    });
    expect(telemetrySettings({ otelEndpoint: 'http://c:4318' }, { OTEL_SERVICE_NAME: 'tracker-eu' })).toMatchObject({
      serviceName: 'tracker-eu',
      metricExportIntervalMs: 60000,
      exportTimeoutMs: 10000,
    });
  });

  it('reads the version from package.json', () => {
    expect(serviceVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects a bad interval with a ConfigError naming the variable', () => {
    for (const bad of ['soon', '-5', '1.5', '0']) {
      expect(() => telemetrySettings({ otelEndpoint: 'http://c:4318' }, { OTEL_METRIC_EXPORT_INTERVAL: bad })).toThrow(ConfigError);
    }
    expect(() => telemetrySettings({ otelEndpoint: null }, { OTEL_EXPORTER_OTLP_TIMEOUT: 'x' })).toThrow(/OTEL_EXPORTER_OTLP_TIMEOUT must be/);
  });
});

describe('startTelemetry', () => {
  it('without an endpoint: disabled, the SDK module is never loaded, shutdown is a no-op', async () => {
    const telemetry = await startTelemetry({ otelEndpoint: null }, {});
    expect(telemetry.enabled).toBe(false);
    await expect(telemetry.shutdown()).resolves.toBeUndefined();
  });

  it('with an endpoint: loads the SDK module', async () => {
    await expect(startTelemetry({ otelEndpoint: 'http://127.0.0.1:9' }, {})).rejects.toThrow('the OpenTelemetry SDK was loaded');
  });
});
