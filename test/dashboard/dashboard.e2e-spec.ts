import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import { startTestApi, type TestApi } from '../support/test-app.js';

/** Every quoted string in the page that looks like a URL or an absolute path. */
function referencedUrls(html: string): string[] {
  const found = new Set<string>();
  for (const match of html.matchAll(
    /(?:["'`(]|\b(?:src|href|action)=)((?:[a-z][a-z0-9+.-]*:)?\/\/[^"'`\s)]*|\/[a-z][^"'`\s)]*)/gi,
  )) {
    found.add(match[1]);
  }
  return [...found];
}

const inline = (html: string, tag: string): string => new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`).exec(html)![1];
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('the web dashboard page', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it.each(['/', '/dashboard'])('serves the page at %s as HTML without credentials', async (path) => {
    const res = await api.http.get(path).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(res.text).toMatch(/^<!doctype html>/i);
    expect(res.text).toContain('<form id="sign-in"');
    expect(res.text).toMatch(/<input[^>]*name="username"/);
    expect(res.text).toMatch(
      /<input[^>]*name="password"[^>]*type="password"|<input[^>]*type="password"[^>]*name="password"/,
    );
    expect(res.text).toContain('<script type="module">');
  });

  it('calls only same-origin /api/v1 endpoints and loads nothing from elsewhere', async () => {
    const { text } = await api.http.get('/').expect(200);
    const urls = referencedUrls(text);
    expect(urls).toEqual(expect.arrayContaining(['/api/v1/auth/token', '/api/v1/${path}']));
    for (const url of urls) expect(url).toMatch(/^\/api\/v1\//);
    expect(text).not.toMatch(/https?:|\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(text).not.toMatch(/<(?:link|iframe|img|object|embed)\b/i);
    expect(text).not.toMatch(/<script[^>]*\bsrc=/i);
  });

  it('ships a script that parses', async () => {
    const { text } = await api.http.get('/').expect(200);
    expect(() => new Script(inline(text, 'script'))).not.toThrow();
  });

  it('lets the browser run only the page’s own inline script and style and connect only to this origin', async () => {
    const res = await api.http.get('/dashboard').expect(200);
    const policy: string = res.headers['content-security-policy'];
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain(`script-src ${sha256(inline(res.text, 'script'))}`);
    expect(policy).toContain(`style-src ${sha256(inline(res.text, 'style'))}`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('keeps everything else under /api: health still open, data still needs a token', async () => {
    // Calendar warnings depend on the date; this test is about where things are served.
    const health = await api.http.get('/api/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', database: 'up' });
    await api.http.get('/api/v1/vehicles').expect(401);
    await api.http.get('/api/v1/fleet/live').expect(401);
    await api.http.get('/health').expect(404);
    await api.http.get('/v1/vehicles').expect(404);
    await api.http.get('/api/dashboard').expect(404);
  });

  it('answers the page’s own calls with the signed-in user’s token and 403 for a role that may not', async () => {
    const centre = await api.tokenFor(['centre']);
    const live = await api.http.get('/api/v1/fleet/live').set('Authorization', `Bearer ${centre}`).expect(200);
    expect(live.body).toMatchObject({ counts: expect.any(Object), vehicles: expect.any(Array) });
    const finance = await api.tokenFor(['finance']);
    await api.http.get('/api/v1/fleet/live').set('Authorization', `Bearer ${finance}`).expect(403);
  });
});
