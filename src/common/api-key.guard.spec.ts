import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { ApiKeyGuard, bearerToken, RequiresApiKey, sameSecret } from './api-key.guard';

@RequiresApiKey()
class McpLikeController {
  handle() {}
}
class RestController {
  handle() {}
}

/** `path` starting with /mcp, /sse or /messages stands for a route of a @RequiresApiKey() controller. */
function context(method: string, path: string, authorization?: string) {
  const headers: Record<string, string> = {};
  const res = { setHeader: (k: string, v: string) => (headers[k] = v) };
  const req = { method, path, headers: authorization ? { authorization } : {} };
  const cls = /^\/(mcp|sse|messages)/i.test(path) ? McpLikeController : RestController;
  const ctx = {
    getType: () => 'http',
    getClass: () => cls,
    getHandler: () => cls.prototype.handle,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ExecutionContext;
  return { ctx, headers };
}

const guard = (apiKey: string | null) => new ApiKeyGuard({ apiKey, mcpPath: '/mcp' } as AppConfig, new Reflector());

describe('ApiKeyGuard', () => {
  it('lets everything through when no API_KEY is set', () => {
    expect(guard(null).canActivate(context('POST', '/sessions').ctx)).toBe(true);
    expect(guard(null).canActivate(context('POST', '/mcp').ctx)).toBe(true);
  });

  it('requires the key on REST writes and every MCP route, and leaves reads open', () => {
    const g = guard('s3cret');
    for (const [method, path] of [['POST', '/sessions'], ['POST', '/control'], ['POST', '/mcp'], ['GET', '/mcp'], ['DELETE', '/mcp'], ['GET', '/sse'], ['POST', '/messages'], ['GET', '/SSE/']]) {
      const { ctx, headers } = context(method, path);
      expect(() => g.canActivate(ctx)).toThrow(UnauthorizedException);
      expect(headers['WWW-Authenticate']).toMatch(/^Bearer/);
      expect(() => g.canActivate(context(method, path, 'Bearer wrong').ctx)).toThrow(/wrong API key/);
      expect(g.canActivate(context(method, path, 'Bearer s3cret').ctx)).toBe(true);
      expect(g.canActivate(context(method, path, 'bearer  s3cret ').ctx)).toBe(true);
    }
    for (const path of ['/sessions', '/sessions/x', '/health', '/health/ready']) {
      expect(g.canActivate(context('GET', path).ctx)).toBe(true);
    }
  });

  it('parses bearer tokens and compares secrets of any length', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
  });
});
