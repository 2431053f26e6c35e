import { Body, Controller, Get, Logger, Post, Query, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { safeNextPath, sameSecret, signInCookie, setCookieHeader } from './access-tokens';
import { Public } from './api-key.guard';
import { SignInDto } from './dto/access.dto';
import { renderSignInPage, SIGN_IN_PAGE_HEADERS, SIGN_IN_PATH } from './sign-in-page';

/** A refused key answers only after this long: guessing by the form stays slow. */
const REFUSAL_DELAY_MS = 500;

/**
 * The dashboard's sign-in: a small form that trades the API key (in the POST body) for a signed,
 * HttpOnly, SameSite=Strict cookie the guard accepts like the key. Open routes, by necessity.
 */
@ApiTags('dashboard')
@Public()
@Controller('dashboard')
export class SignInController {
  private readonly logger = new Logger('SignIn');

  constructor(private readonly config: AppConfig) {}

  @Get('sign-in')
  @ApiOperation({ summary: 'Sign-in form of the dashboard (HTML), when API_KEY is set; without it, straight to the board' })
  @ApiQuery({ name: 'next', required: false, description: 'Path on this site to go back to once signed in' })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'HTML form' })
  form(@Query('next') next: string | undefined, @Res() res: Response): void {
    if (!this.config.apiKey) return void res.redirect(303, safeNextPath(next));
    res.set(SIGN_IN_PAGE_HEADERS).type('html').send(renderSignInPage({ next }));
  }

  @Post('sign-in')
  @ApiOperation({ summary: 'Signs a browser in: the right API key sets an HttpOnly, SameSite=Strict cookie and goes back to `next` (303); a wrong one answers 401 with the form' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiResponse({ status: 303, description: 'Signed in: the cookie is set' })
  @ApiResponse({ status: 401, description: 'Wrong key (HTML form again)' })
  async signIn(@Body() body: SignInDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const next = safeNextPath(body.next);
    const key = this.config.apiKey;
    if (!key) return void res.redirect(303, next);
    if (!sameSecret(body.key, key)) {
      this.logger.warn({ msg: 'dashboard sign-in refused: wrong key', ip: req.ip });
      await new Promise((resolve) => setTimeout(resolve, REFUSAL_DELAY_MS));
      res.status(401).set(SIGN_IN_PAGE_HEADERS).type('html').send(renderSignInPage({ next, error: 'That is not the API key of this server.' }));
      return;
    }
    const cookie = signInCookie(key);
    res.setHeader('Set-Cookie', setCookieHeader(cookie.value, cookie.maxAgeS, req.secure));
    this.logger.log({ msg: 'dashboard sign-in', ip: req.ip });
    res.redirect(303, next);
  }

  @Post('sign-out')
  @ApiOperation({ summary: "Signs a browser out: clears the dashboard's cookie and goes to the sign-in form (303)" })
  @ApiResponse({ status: 303, description: 'Signed out' })
  signOut(@Req() req: Request, @Res() res: Response): void {
    res.setHeader('Set-Cookie', setCookieHeader('', 0, req.secure));
    res.redirect(303, SIGN_IN_PATH);
  }
}
