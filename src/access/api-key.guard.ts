import { CanActivate, ExecutionContext, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { HtmlPageException } from '../common/http-errors';
import { AppConfig } from '../config/app-config';
import { bearerToken, cookieValue, sameSecret, SIGN_IN_COOKIE, validSignInCookie } from './access-tokens';
import { renderSignInPage, SIGN_IN_PAGE_HEADERS } from './sign-in-page';

const PUBLIC_ROUTE = 'livetrack:public-route';

/**
 * Marks a route (or a controller) that needs no API key: the ones the contract leaves open (health,
 * viewer links, which carry their own token) and the sign-in form itself.
 */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** A browser asking for a page (not an API client, not an event stream): it gets the sign-in form. */
function wantsPage(req: Request): boolean {
  const accept = String(req.headers.accept ?? '');
  return (req.method === 'GET' || req.method === 'HEAD') && accept.includes('text/html');
}

/**
 * When API_KEY is set, every route needs it unless marked @Public(): REST reads and writes, the
 * dashboard and its assets, the MCP transports (mcp-nest's controllers are guarded like ours). The
 * key comes as `Authorization: Bearer <API_KEY>` or as the dashboard's signed sign-in cookie (never
 * in a URL). Swagger (/docs, /docs-json) is express middleware, outside guards, and open by the
 * contract. Registered as the app-wide APP_GUARD; matching on metadata rather than paths means no
 * alias (case, trailing slash) slips past. A browser asking for a page gets 401 with the sign-in form.
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
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<Request>();

    const token = bearerToken(req.headers.authorization);
    if (token !== null && sameSecret(token, key)) return true;
    if (token === null && validSignInCookie(cookieValue(req.headers.cookie, SIGN_IN_COOKIE), key)) return true;
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="livetrack-mcp"');
    if (token === null && wantsPage(req)) {
      throw new HtmlPageException(401, renderSignInPage({ next: req.originalUrl ?? req.url }), SIGN_IN_PAGE_HEADERS);
    }
    throw new UnauthorizedException(
      token === null
        ? 'missing API key: send Authorization: Bearer <API_KEY> (or sign in at /dashboard/sign-in in a browser)'
        : 'wrong API key in Authorization: Bearer <API_KEY>',
    );
  }
}
