import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HtmlPageException } from '../common/http-errors';
import { AppConfig } from '../config/app-config';
import { signInCookie, SIGN_IN_COOKIE } from './access-tokens';
import { ApiKeyGuard, Public } from './api-key.guard';

@Public()
class OpenController {
  handle() {}
}
class ClosedController {
  handle() {}
  @Public()
  openHandle() {}
}

function context(method: string, opts: { authorization?: string; cookie?: string; accept?: string; open?: 'class' | 'method' } = {}) {
  const headers: Record<string, string> = {};
  const res = { setHeader: (k: string, v: string) => (headers[k] = v) };
  const reqHeaders: Record<string, string> = {};
  if (opts.authorization) reqHeaders.authorization = opts.authorization;
  if (opts.cookie) reqHeaders.cookie = opts.cookie;
  if (opts.accept) reqHeaders.accept = opts.accept;
  const req = { method, originalUrl: '/dashboard/abc', headers: reqHeaders };
  const cls = opts.open === 'class' ? OpenController : ClosedController;
  const handler = opts.open === 'method' ? ClosedController.prototype.openHandle : cls.prototype.handle;
  const ctx = {
    getType: () => 'http',
    getClass: () => cls,
    getHandler: () => handler,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ExecutionContext;
  return { ctx, headers };
}

const guard = (apiKey: string | null) => new ApiKeyGuard({ apiKey } as AppConfig, new Reflector());

describe('ApiKeyGuard', () => {
  it('lets everything through when no API_KEY is set', () => {
    expect(guard(null).canActivate(context('POST').ctx)).toBe(true);
    expect(guard(null).canActivate(context('GET').ctx)).toBe(true);
  });

  it('requires the key on every route, reads included, unless the route or its controller is @Public()', () => {
    const g = guard('s3cret');
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const { ctx, headers } = context(method);
      expect(() => g.canActivate(ctx)).toThrow(UnauthorizedException);
      expect(headers['WWW-Authenticate']).toMatch(/^Bearer/);
      expect(() => g.canActivate(context(method, { authorization: 'Bearer wrong' }).ctx)).toThrow(/wrong API key/);
      expect(g.canActivate(context(method, { authorization: 'Bearer s3cret' }).ctx)).toBe(true);
      expect(g.canActivate(context(method, { authorization: 'bearer  s3cret ' }).ctx)).toBe(true);
      expect(g.canActivate(context(method, { open: 'class' }).ctx)).toBe(true);
      expect(g.canActivate(context(method, { open: 'method' }).ctx)).toBe(true);
    }
  });

  it("accepts the sign-in cookie signed with this key, not another key's, an expired one or a forged one", () => {
    const g = guard('s3cret');
    const good = signInCookie('s3cret').value;
    expect(g.canActivate(context('GET', { cookie: `other=1; ${SIGN_IN_COOKIE}=${good}` }).ctx)).toBe(true);
    expect(g.canActivate(context('POST', { cookie: `${SIGN_IN_COOKIE}=${good}` }).ctx)).toBe(true);
    for (const bad of [signInCookie('other').value, signInCookie('s3cret', Date.now() - 8 * 86_400_000).value, `${good.slice(0, -2)}AA`, 's3cret']) {
      expect(() => g.canActivate(context('GET', { cookie: `${SIGN_IN_COOKIE}=${bad}` }).ctx)).toThrow(UnauthorizedException);
    }
    // A wrong bearer key is not rescued by a cookie: the caller said which credential it meant.
    expect(() => g.canActivate(context('GET', { authorization: 'Bearer wrong', cookie: `${SIGN_IN_COOKIE}=${good}` }).ctx)).toThrow(/wrong API key/);
  });

  it('answers a browser asking for a page with the sign-in form (401), an API client with JSON', () => {
    const g = guard('s3cret');
    let page: unknown;
    try {
      g.canActivate(context('GET', { accept: 'text/html,application/xhtml+xml' }).ctx);
    } catch (error) {
      page = error;
    }
    expect(page).toBeInstanceOf(HtmlPageException);
    expect((page as HtmlPageException).getStatus()).toBe(401);
    expect((page as HtmlPageException).html).toContain('name="next" value="/dashboard/abc"');
    expect(() => g.canActivate(context('GET', { accept: 'text/event-stream' }).ctx)).toThrow(UnauthorizedException);
    expect(() => g.canActivate(context('GET', { accept: 'text/event-stream' }).ctx)).not.toThrow(HtmlPageException);
  });
});
