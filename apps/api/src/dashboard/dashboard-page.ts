import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { MapSettings } from '#app/config';
import { projectFile } from '#app/geo';

/** One built file of the web app, ready to send. */
export interface WebAsset {
  body: Buffer;
  contentType: string;
}

export interface DashboardPage {
  html: string;
  /** Lets the browser run only the app's own script and style files and talk only to this origin. */
  contentSecurityPolicy: string;
  assets: Map<string, WebAsset>;
}

/** Where `npm run build` puts the web app (apps/api/web). */
export const WEB_DIST = ['dist', 'web'] as const;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json',
};

/** What the page says when the web app was never built: how to build it, instead of a bare 404. */
const NOT_BUILT = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8" /><title>公务用车监管平台</title></head>
<body><h1>界面未构建 The web app is not built</h1><p>Run <code>npm run build</code>, then reload.</p></body></html>
`;

/** The origin a tile template points at (its {s} subdomains allowed by a wildcard), for the image policy. */
export function tileOrigin(tileUrl: string): string {
  const match = /^(https?:\/\/)([^/]+)/i.exec(tileUrl)!;
  return `${match[1]}${match[2].replace(/^[^.]*\{s\}[^.]*\./, '*.')}`;
}

/**
 * The built web app, read once from the project tree. The tile setting travels in a meta tag (no inline
 * script), and the image policy opens only to that tile server's origin.
 */
export function loadDashboardPage(map: MapSettings): DashboardPage {
  const dir = projectFile(...WEB_DIST);
  const index = projectFile(...WEB_DIST, 'index.html');
  const assets = new Map<string, WebAsset>();
  let html = NOT_BUILT;
  if (existsSync(index)) {
    html = readFileSync(index, 'utf8').replace(
      '<meta name="map-tiles" content="" />',
      `<meta name="map-tiles" content="${escapeAttribute(map.tileUrl ?? '')}" data-system="${map.tileSystem}" />`,
    );
    for (const name of readdirSync(projectFile(...WEB_DIST, 'assets'))) {
      const type = TYPES[extname(name)];
      if (type) assets.set(name, { body: readFileSync(`${dir}/assets/${name}`), contentType: type });
    }
  }
  const images = ["'self'", 'data:', ...(map.tileUrl ? [tileOrigin(map.tileUrl)] : [])].join(' ');
  const contentSecurityPolicy = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    `img-src ${images}`,
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy, assets };
}

const escapeAttribute = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
