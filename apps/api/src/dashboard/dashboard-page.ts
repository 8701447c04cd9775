import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { projectFile } from '#app/geo';

export interface DashboardPage {
  html: string;
  /** Lets the browser run only this page's own script and style and talk only to this origin. */
  contentSecurityPolicy: string;
}

const inlineHash = (html: string, tag: 'script' | 'style'): string => {
  const match = new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`).exec(html);
  if (!match) throw new Error(`the dashboard page has no inline <${tag}>`);
  return `'sha256-${createHash('sha256').update(match[1], 'utf8').digest('base64')}'`;
};

/**
 * The page is a static file beside this module (read from the project tree, so the same file serves from the
 * sources and from the compiled output). It carries no data: everything it shows comes from the REST calls it
 * makes with the signed-in user's token.
 */
export function loadDashboardPage(): DashboardPage {
  const html = readFileSync(projectFile('apps', 'api', 'src', 'dashboard', 'dashboard.html'), 'utf8');
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${inlineHash(html, 'script')}`,
    `style-src ${inlineHash(html, 'style')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}
