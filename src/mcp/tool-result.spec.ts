import { ConflictError, InputError, NotFoundError } from '../common/errors';
import { errorResult, toolOk } from './tool-result';

const text = (r: { content: Array<{ type: string; text?: string }> }) => r.content[0].text;

describe('tool results', () => {
  it('answers a short text, the data as structuredContent and the same JSON as a second block', () => {
    const r = toolOk('Started.', { a: 1 });
    expect(r).toEqual({ content: [{ type: 'text', text: 'Started.' }, { type: 'text', text: '{"a":1}' }], structuredContent: { a: 1 } });
  });

  it('turns domain errors into tool errors with the service message, worded for MCP', () => {
    expect(errorResult('x', new InputError('hr_min (170) must not be greater than hr_max (150)', ['hr_min']))).toEqual({
      isError: true, content: [{ type: 'text', text: 'hr_min (170) must not be greater than hr_max (150)' }],
    });
    expect(text(errorResult('x', new NotFoundError('no session abc: list sessions with GET /sessions')))).toBe('no session abc: call list_races to see known races');
    expect(errorResult('x', new ConflictError('busy')).isError).toBe(true);
  });

  it('reports unexpected failures as tool errors too, with secrets redacted and a next step', () => {
    const logged: unknown[] = [];
    const logger = { error: (...args: unknown[]) => logged.push(args) } as never;
    const r = errorResult('send_coaching_message', new Error('Telegram did not deliver the message: 502 Bad Gateway'), logger);
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^send_coaching_message failed: Telegram did not deliver the message: 502 Bad Gateway\. Try again/);
    expect(logged).toHaveLength(1);
    const leaked = errorResult('start_tracking', new Error('cannot reach https://livetrack.garmin.com/session/abc/token/SECRET123'));
    expect(text(leaked)).not.toContain('SECRET123');
  });
});
