import { CanActivate, ExecutionContext, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const REQUIRES_API_KEY = 'livetrack:requires-api-key';

/** Marks a controller whose every route (reads too) needs the API key: the MCP transports. */
export const RequiresApiKey = (): ClassDecorator & MethodDecorator => SetMetadata(REQUIRES_API_KEY, true);

/** Compares in constant time; hashing first makes the lengths equal without leaking the key's. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The key from `Authorization: Bearer <key>`, or null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer[ \t]+(\S.*)$/i.exec(value?.trim() ?? '');
  return match ? match[1].trim() : null;
}

/**
 * When API_KEY is set, every route of a @RequiresApiKey() controller (the MCP transports: MCP_PATH,
 * /sse, /messages; mcp-nest applies the marker through its `decorators` option) and every REST write
 * (POST and friends) needs `Authorization: Bearer <API_KEY>`. Reads, health and docs stay open
 * (Swagger is express middleware, outside guards). Registered as the app-wide APP_GUARD. Matching on
 * metadata rather than paths means no alias (case, trailing slash) slips past.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const key = this.config.apiKey;
    if (!key || context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const marked = this.reflector.getAllAndOverride<boolean>(REQUIRES_API_KEY, [context.getHandler(), context.getClass()]);
    if (!marked && READ_METHODS.has(req.method)) return true;

    const token = bearerToken(req.headers.authorization);
    if (token !== null && sameSecret(token, key)) return true;
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="livetrack-mcp"');
    throw new UnauthorizedException(
      token === null ? 'missing API key: send Authorization: Bearer <API_KEY>' : 'wrong API key in Authorization: Bearer <API_KEY>',
    );
  }
}
