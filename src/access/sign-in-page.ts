// The dashboard's sign-in form: a page of its own, with its style inline (the dashboard's stylesheet
// needs the key like every other dashboard route), allowed by the style's hash, no script at all.
import { createHash } from 'node:crypto';
import { escapeXml as escapeHtml } from '../dashboard/export-format';
import { safeNextPath } from './access-tokens';

export const SIGN_IN_PATH = '/dashboard/sign-in';
export const SIGN_OUT_PATH = '/dashboard/sign-out';

const STYLE = `
body { font: 16px/1.45 system-ui, sans-serif; color: #1f2937; background: #f3f4f6; margin: 0; }
main { max-width: 24rem; margin: 12vh auto; padding: 1.5rem; background: #fff; border: 1px solid #d1d5db; border-radius: 12px; }
h1 { font-size: 1.4rem; margin: 0 0 0.5rem; }
p { margin: 0 0 1rem; color: #4b5563; }
label { display: block; font-weight: 600; margin-bottom: 0.3rem; }
input[type=password] { box-sizing: border-box; width: 100%; font: inherit; padding: 0.55rem 0.6rem; border: 1px solid #9ca3af; border-radius: 8px; }
button { margin-top: 1rem; font: inherit; font-weight: 600; padding: 0.55rem 1.2rem; border: 0; border-radius: 8px; background: #1d4ed8; color: #fff; cursor: pointer; }
.error { color: #b91c1c; font-weight: 600; }
`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

export const SIGN_IN_PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** A small page of its own: inline style (allowed by its hash), no script, no asset to fetch. */
function plainPage(title: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)} · livetrack-mcp</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`;
}

/** The form posts the key in the body (never in a URL) and comes back to `next` once signed in. */
export function renderSignInPage(opts: { next?: string; error?: string } = {}): string {
  const next = safeNextPath(opts.next);
  return plainPage(
    'Sign in',
    `<h1>Sign in</h1>
<p>This livetrack-mcp server is private. Enter its API key once; this browser stays signed in for a week.</p>
${opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : ''}
<form method="post" action="${SIGN_IN_PATH}">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${escapeHtml(next)}">
<button type="submit">Sign in</button>
</form>`,
  );
}

/** A viewer link that does not open anything (unknown, revoked, expired): plain, with no way onward. */
export function renderViewerGonePage(): string {
  return plainPage(
    'Link not valid',
    `<h1>This link does not work any more</h1>
<p>The live view it opened has expired or was withdrawn. Ask whoever sent it for a new one.</p>`,
  );
}
