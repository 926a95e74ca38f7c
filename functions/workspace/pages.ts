import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { escapeHtml } from '../domain/html.js';
import type { Catalog } from '../domain/program.js';
import { teamMapOf } from '../domain/teams.js';
import { CHART_CSS } from '../report/html.js';
import { en } from './app/strings.js';

/** Where the workspace's pages and assets are served (public: the data behind them needs a token). */
export const PAGE_ROUTES = [
  'GET /inbox',
  'GET /inbox/{caseId}',
  'GET /dashboard',
  'GET /workspace/app.js',
  'GET /workspace/app.css',
  'GET /workspace/config.json',
] as const;

export interface PageSettings {
  readonly catalog: Catalog;
  /** The OpenID issuer and the workspace's client there. */
  readonly issuer: string;
  readonly clientId: string;
  readonly groupsClaim: string;
  /** The managed login's origin, when it is not the issuer's (Cognito's domain): the token endpoint lives there. */
  readonly loginOrigin?: string;
  /** The bundled browser app. */
  readonly script: () => Promise<string>;
}

const CSS = `:root{--accent:#1f4e79;color-scheme:light}*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Thai","Noto Sans Arabic",sans-serif;color:#1a1a1a;background:#fff}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;border-bottom:1px solid #d0d7de}
header strong{font-size:1.1rem}#account{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
main{max-width:64rem;margin:0 auto;padding:1rem}main:focus{outline:none}
a{color:var(--accent)}a:focus-visible,button:focus-visible,select:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
button{font:inherit;padding:.5rem 1rem;border:1px solid var(--accent);border-radius:4px;background:var(--accent);color:#fff;cursor:pointer;margin:.25rem .5rem .25rem 0}
button.secondary{background:#fff;color:var(--accent)}button:disabled{background:#e1e4e8;border-color:#8c959f;color:#3d444d;cursor:not-allowed}
.filters{display:flex;flex-wrap:wrap;gap:.75rem 1rem;align-items:flex-end;margin-bottom:1rem}
.field{display:flex;flex-direction:column;margin:.5rem 0}.field.check{flex-direction:row;gap:.4rem;align-items:center}
label{font-weight:600}select,textarea,input{font:inherit;padding:.4rem;border:1px solid #57606a;border-radius:4px;max-width:100%}textarea{width:100%}
.table{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.5rem;border-bottom:1px solid #d0d7de;white-space:nowrap}
tr.overdue td{background:#fff4e5}tr.overdue td:nth-child(5){color:#8a3a00;font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.history{padding-left:1.25rem}.history .note{margin:.25rem 0 .75rem;white-space:pre-wrap;overflow-wrap:anywhere;color:#3d444d}.history .dropped{margin:0 0 .75rem;font-size:.875rem;color:#3d444d}
.status{min-height:1.5rem;margin:0 1rem;font-weight:600}.status.failed{color:#a4262c}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.25rem .5rem}
nav a{margin-right:1rem}.report section{border-top:1px solid #d0d7de;padding-top:.5rem}
${CHART_CSS}`;

const headers = (type: string, cache: string, extra: Record<string, string> = {}) => ({
  'content-type': type,
  'cache-control': cache,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  ...extra,
});

const originOf = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
};

/** No inline script or style, nothing from elsewhere but the identity provider the script talks to. */
export function contentSecurityPolicy(settings: Pick<PageSettings, 'issuer' | 'loginOrigin'>): string {
  const provider = [...new Set([originOf(settings.issuer), settings.loginOrigin ?? ''].filter(Boolean))].join(' ');
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' ${provider}; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`;
}

function shell(settings: PageSettings): string {
  const brand = escapeHtml(settings.catalog.brand.name);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(en.title)} · ${brand}</title><link rel="stylesheet" href="/workspace/app.css"><script src="/workspace/app.js" defer></script></head>
<body><a class="skip" href="#main">${escapeHtml(en.skip)}</a><header><strong>${brand} · ${escapeHtml(en.title)}</strong><nav id="nav" aria-label="${escapeHtml(en.pages)}"></nav><div id="account"></div></header>
<p id="status" class="status" role="status" aria-live="polite"></p>
<main id="main" tabindex="-1"><p>${escapeHtml(en.signingIn)}</p></main></body></html>`;
}

/** The pages (one shell: the script routes), the script, the style and the script's settings. */
export async function servePage(routeKey: string, settings: PageSettings): Promise<APIGatewayProxyStructuredResultV2> {
  const csp = contentSecurityPolicy(settings);
  switch (routeKey) {
    case 'GET /workspace/app.js':
      return { statusCode: 200, headers: headers('text/javascript; charset=utf-8', 'public, max-age=300'), body: await settings.script() };
    case 'GET /workspace/app.css':
      return { statusCode: 200, headers: headers('text/css; charset=utf-8', 'public, max-age=300'), body: CSS };
    case 'GET /workspace/config.json':
      return {
        statusCode: 200,
        headers: headers('application/json', 'no-store'),
        body: JSON.stringify({
          issuer: settings.issuer,
          clientId: settings.clientId,
          groupsClaim: settings.groupsClaim,
          ...teamMapOf(settings.catalog),
          rootCauses: settings.catalog.rootCauses,
          programs: settings.catalog.programs.map((program) => program.id),
          brand: settings.catalog.brand.name,
        }),
      };
    default:
      return { statusCode: 200, headers: headers('text/html; charset=utf-8', 'no-store', { 'content-security-policy': csp }), body: shell(settings) };
  }
}
