import { JsonLogger } from './json-logger';

function capture(level: ConstructorParameters<typeof JsonLogger>[0], format: ConstructorParameters<typeof JsonLogger>[1] = 'json') {
  const lines: string[] = [];
  const logger = new JsonLogger(level, format, (line) => lines.push(line));
  return { logger, lines };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with level, message, context and fields', () => {
    const { logger, lines } = capture('debug');
    logger.log({ msg: 'poll ok', sessionId: 'abc', inserted: 3 }, 'Tracker');
    logger.debug('plain text');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]);
    expect(first).toMatchObject({ level: 'info', context: 'Tracker', msg: 'poll ok', sessionId: 'abc', inserted: 3 });
    expect(Date.parse(first.time)).not.toBeNaN();
    expect(JSON.parse(lines[1])).toMatchObject({ level: 'debug', msg: 'plain text' });
  });

  it('respects the level', () => {
    const { logger, lines } = capture('warn');
    logger.log('info is hidden');
    logger.debug('debug is hidden');
    logger.warn('shown');
    logger.error('shown too', 'Error: x\n    at y (z.js:1:1)', 'Ctx');
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['warn', 'error']);
    expect(JSON.parse(lines[1])).toMatchObject({ context: 'Ctx', stack: expect.stringContaining('at y') });
  });

  it('redacts share-URL tokens from every line', () => {
    const { logger, lines } = capture('info');
    logger.log({ msg: 'start https://livetrack.garmin.com/session/s1/token/ABCDEF0123456789ABCDEF0123456', url: 'x?token=SECRET123' });
    expect(lines[0]).not.toContain('ABCDEF0123456789');
    expect(lines[0]).not.toContain('SECRET123');
    expect(lines[0]).toContain('/token/***');
  });

  it('prints a readable line only when asked for pretty output', () => {
    const { logger, lines } = capture('info', 'pretty');
    logger.log({ msg: 'hello', sessionId: 's1' }, 'Boot');
    expect(lines[0]).toMatch(/^\S+ INFO +\[Boot\] hello \{"sessionId":"s1"\}$/);
  });
});
