import { ConfigError, parseEnv } from './app-config';

describe('parseEnv', () => {
  it('applies the contract defaults', () => {
    const config = parseEnv({});
    expect(config).toMatchObject({
      port: 38100,
      host: '0.0.0.0',
      mcpPath: '/mcp',
      dbPath: './data/livetrack.db',
      claudeRunnerUrl: 'http://localhost:38095',
      claudeWorkspace: '',
      logLevel: 'info',
      logFormat: 'json',
      otelEndpoint: null,
      allowedOrigins: ['https://livetrack.garmin.com', 'https://gar.mn', 'https://www.gar.mn', 'https://live.garmin.com'],
      watchIntervalS: 300,
      telegramBotToken: null,
      telegramChatId: null,
      telegramApiBase: 'https://api.telegram.org',
      apiKey: null,
      requestTimeoutMs: 15000,
      backoffScale: 1,
    });
  });

  it('reads and normalises given values', () => {
    const config = parseEnv({
      PORT: '8080', LOG_LEVEL: 'DEBUG', MCP_PATH: '/tools/mcp/', CLAUDE_RUNNER_URL: 'http://runner:1/',
      LIVETRACK_ALLOWED_ORIGINS: 'https://LiveTrack.Garmin.com:443, http://127.0.0.1:9000', TELEGRAM_CHAT_ID: '-100123',
      LIVETRACK_BACKOFF_SCALE: '0.01',
    });
    expect(config).toMatchObject({
      port: 8080, logLevel: 'debug', mcpPath: '/tools/mcp', claudeRunnerUrl: 'http://runner:1',
      allowedOrigins: ['https://livetrack.garmin.com', 'http://127.0.0.1:9000'], telegramChatId: '-100123', backoffScale: 0.01,
    });
  });

  it.each([
    ['PORT', 'notaport'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_FORMAT', 'xml'],
    ['MCP_PATH', 'mcp'],
    ['MCP_PATH', '/sse'],
    ['CLAUDE_RUNNER_URL', 'runner:38095'],
    ['TELEGRAM_API_BASE', 'ftp://x'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url'],
    ['LIVETRACK_ALLOWED_ORIGINS', 'https://livetrack.garmin.com/path'],
    ['LIVETRACK_ALLOWED_ORIGINS', 'garmin'],
    ['TELEGRAM_CHAT_ID', 'my chat'],
    ['LIVETRACK_REQUEST_TIMEOUT_MS', '5'],
    ['LIVETRACK_BACKOFF_SCALE', '2'],
  ])('rejects %s=%s with an error naming the variable', (name, value) => {
    let caught: unknown;
    try {
      parseEnv({ [name]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(name);
    expect((caught as ConfigError).message.startsWith(`${name} `)).toBe(true);
    expect((caught as ConfigError).message).not.toContain('\n');
  });

  it('requires ANTHROPIC_API_KEY with ANALYSIS_BACKEND=anthropic (one line naming it), and only then', () => {
    let caught: unknown;
    try {
      parseEnv({ ANALYSIS_BACKEND: 'anthropic', ANTHROPIC_API_KEY: '  ' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe('ANTHROPIC_API_KEY');
    expect((caught as ConfigError).message).toMatch(/^ANTHROPIC_API_KEY .*ANALYSIS_BACKEND=anthropic/);
    expect((caught as ConfigError).message).not.toContain('\n');
    expect(parseEnv({ ANALYSIS_BACKEND: 'off' }).anthropicApiKey).toBeNull();
    expect(parseEnv({ ANALYSIS_BACKEND: 'anthropic', ANTHROPIC_API_KEY: 'sk-ant-x' })).toMatchObject({
      analysisBackend: 'anthropic', anthropicApiKey: 'sk-ant-x', anthropicBaseUrl: 'https://api.anthropic.com', anthropicModel: 'claude-sonnet-5-5',
    });
  });

  it('reads the analysis, Telegram command, database and replica settings, refusing bad ones by name', () => {
    expect(parseEnv({})).toMatchObject({
      analysisBackend: 'claude-runner', analysisTimeoutS: 120, analysisMaxTokensPerRace: 200000, telegramCommands: false,
      telegramAllowedChatIds: [], databaseUrl: null, replicaId: expect.stringMatching(/-\d+$/),
    });
    expect(parseEnv({ TELEGRAM_CHAT_ID: '42' }).telegramAllowedChatIds).toEqual(['42']);
    // A @channel is a fine default chat for messages but sends no commands.
    expect(parseEnv({ TELEGRAM_CHAT_ID: '@race_news' }).telegramAllowedChatIds).toEqual([]);
    expect(parseEnv({ TELEGRAM_CHAT_ID: '42', TELEGRAM_ALLOWED_CHAT_IDS: ' 7, -1001 ' }).telegramAllowedChatIds).toEqual(['7', '-1001']);
    expect(parseEnv({ TELEGRAM_COMMANDS: 'on', TELEGRAM_BOT_TOKEN: '1:x' }).telegramCommands).toBe(true);
    expect(parseEnv({ DATABASE_URL: 'postgres://u:p@db:5432/live', REPLICA_ID: 'pod-a' })).toMatchObject({
      databaseUrl: 'postgres://u:p@db:5432/live', replicaId: 'pod-a',
    });
    const bad: Array<[Record<string, string>, string]> = [
      [{ ANALYSIS_BACKEND: 'gpt' }, 'ANALYSIS_BACKEND'],
      [{ ANALYSIS_TIMEOUT_S: '0' }, 'ANALYSIS_TIMEOUT_S'],
      [{ ANALYSIS_MAX_TOKENS_PER_RACE: '1.5' }, 'ANALYSIS_MAX_TOKENS_PER_RACE'],
      [{ TELEGRAM_ALLOWED_CHAT_IDS: '42,@x' }, 'TELEGRAM_ALLOWED_CHAT_IDS'],
      [{ TELEGRAM_COMMANDS: 'on' }, 'TELEGRAM_COMMANDS'],
      [{ TELEGRAM_COMMANDS: 'yes' }, 'TELEGRAM_COMMANDS'],
      [{ DATABASE_URL: 'mysql://u:secret@h/db' }, 'DATABASE_URL'],
      [{ REPLICA_ID: 'a b' }, 'REPLICA_ID'],
      [{ ANTHROPIC_BASE_URL: 'ftp://x' }, 'ANTHROPIC_BASE_URL'],
    ];
    for (const [env, variable] of bad) {
      expect(() => parseEnv(env)).toThrow(ConfigError);
      try {
        parseEnv(env);
      } catch (error) {
        expect((error as ConfigError).variable).toBe(variable);
        expect((error as Error).message).not.toContain('secret');
      }
    }
  });
  it('reads MAP_TILE_URL and MAP_ATTRIBUTION (maps off by default), refusing a template that is no tile URL in one line naming it', () => {
    expect(parseEnv({})).toMatchObject({ mapTileUrl: null, mapAttribution: '' });
    expect(parseEnv({ MAP_TILE_URL: ' https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png ', MAP_ATTRIBUTION: '© OpenStreetMap contributors' })).toMatchObject({
      mapTileUrl: 'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png', mapAttribution: '© OpenStreetMap contributors',
    });
    for (const value of ['https://tile.example.org/{z}/{x}.png', 'file:///tiles/{z}/{x}/{y}.png', 'not a url {z}{x}{y}', 'https://t.example.org/{z}/{x}/{y}/{q}.png']) {
      let caught: unknown;
      try {
        parseEnv({ MAP_TILE_URL: value });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).variable).toBe('MAP_TILE_URL');
      expect((caught as ConfigError).message).toMatch(/^MAP_TILE_URL must|^MAP_TILE_URL has/);
      expect((caught as ConfigError).message).not.toContain('\n');
    }
  });
});
