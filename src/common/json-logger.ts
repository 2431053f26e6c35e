import { LoggerService } from '@nestjs/common';
import { LogFormat, LogLevel } from '../config/app-config';
import { redactSecrets } from '../tracking/share-url';

const SEVERITY: Record<LogLevel, number> = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 };

/**
 * One JSON object per line on stdout (errors on stderr), filtered by LOG_LEVEL. Share-URL tokens
 * are redacted from every line, whatever the caller passed. Messages may be strings or objects
 * ({ msg, sessionId, ... }) so fields stay machine-readable.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly level: LogLevel = 'info',
    private readonly format: LogFormat = 'json',
    private readonly out: (line: string, isError: boolean) => void = (line, isError) =>
      (isError ? process.stderr : process.stdout).write(line + '\n'),
  ) {}

  isEnabled(level: LogLevel): boolean {
    return SEVERITY[level] <= SEVERITY[this.level];
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (!this.isEnabled(level)) return;
    // Nest passes (message, context) or (message, stack, context) for errors.
    const params = [...rest];
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level };
    if (context) entry.context = context;
    if (message instanceof Error) {
      entry.msg = message.message;
      entry.stack = message.stack;
    } else if (message && typeof message === 'object') {
      Object.assign(entry, message);
    } else {
      entry.msg = String(message);
    }
    const stack = params.find((p) => typeof p === 'string' && p.includes('\n    at '));
    if (stack) entry.stack = stack;
    const line = this.format === 'pretty' ? this.pretty(entry) : JSON.stringify(entry);
    this.out(redactSecrets(line), SEVERITY[level] <= SEVERITY.warn);
  }

  private pretty(entry: Record<string, unknown>): string {
    const { time, level, context, msg, stack, ...fields } = entry;
    const extra = Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
    const where = context ? ` [${context}]` : '';
    return `${time} ${String(level).toUpperCase().padEnd(5)}${where} ${msg ?? ''}${extra}${stack ? '\n' + stack : ''}`;
  }
}
