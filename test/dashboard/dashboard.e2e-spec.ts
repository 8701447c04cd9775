import { loadConfig } from '#app/config';
import { startTestApi, type TestApi } from '../support/test-app.js';

/** Every quoted string in a text that looks like a URL or an absolute path. */
function referencedUrls(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/(?:\b(?:src|href|action)=)["']([^"']*)["']/gi)) found.add(match[1]);
  return [...found];
}

describe('the web dashboard page', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it.each(['/', '/dashboard'])('serves the built app at %s as HTML without credentials', async (path) => {
    const res = await api.http.get(path).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(res.text).toMatch(/^<!doctype html>/i);
    expect(res.text).toContain('<html lang="zh-CN">');
    expect(res.text).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(res.text).toContain('<meta name="map-tiles" content="" data-system="wgs84" />');
  });

  it('loads only its own files: no inline script or style, nothing from another origin', async () => {
    const { text } = await api.http.get('/').expect(200);
    expect(referencedUrls(text).sort()).toEqual(['/assets/app.css', '/assets/app.js']);
    expect(text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(text).not.toMatch(/<style\b|\sstyle=/i);
    expect(text).not.toMatch(/https?:\/\//i);
  });

  it('serves the script, the style sheet and the district outline with their types', async () => {
    const js = await api.http.get('/assets/app.js').expect(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.text).toMatch(/^[!("a-z]/); // the bundle itself, not a serialised buffer
    expect(js.text.length).toBeGreaterThan(10_000);
    expect(js.text).not.toMatch(/https?:\/\/(?!www\.w3\.org|openstreetmap|leafletjs|github)/);
    const css = await api.http.get('/assets/app.css').expect(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const district = await api.http.get('/assets/district.json').expect(200);
    expect(district.headers['content-type']).toBe('application/json; charset=utf-8');
    const outline = JSON.parse(district.text ?? (district.body as Buffer).toString('utf8'));
    const names = outline.features.map((f: { properties: { name: string } }) => f.properties.name);
    expect(names).toEqual(expect.arrayContaining(['宿豫区', '宿城区']));
    await api.http.get('/assets/nothing.js').expect(404);
    await api.http.get('/assets/..%2Fmeta.json').expect(404);
  });

  it('lets the browser run only this origin’s script and style and connect only to this origin', async () => {
    const res = await api.http.get('/dashboard').expect(200);
    const policy: string = res.headers['content-security-policy'];
    expect(policy.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "img-src 'self' data:",
      "form-action 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ]);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('keeps everything else under /api: health still open, data still needs a token', async () => {
    // Calendar warnings depend on the date; this test is about where things are served.
    const health = await api.http.get('/api/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', database: 'up' });
    await api.http.get('/api/v1/vehicles').expect(401);
    await api.http.get('/api/v1/fleet/live').expect(401);
    await api.http.get('/api/v1/fleet/stream').expect(401);
    await api.http.get('/health').expect(404);
    await api.http.get('/v1/vehicles').expect(404);
    await api.http.get('/api/dashboard').expect(404);
    await api.http.get('/api/assets/app.js').expect(404);
  });

  it('answers the page’s own calls with the signed-in user’s token and 403 for a role that may not', async () => {
    const centre = await api.tokenFor(['centre']);
    const live = await api.http.get('/api/v1/fleet/live').set('Authorization', `Bearer ${centre}`).expect(200);
    expect(live.body).toMatchObject({ counts: expect.any(Object), vehicles: expect.any(Array) });
    const finance = await api.tokenFor(['finance']);
    await api.http.get('/api/v1/fleet/live').set('Authorization', `Bearer ${finance}`).expect(403);
    await api.http.get('/api/v1/fleet/stream').set('Authorization', `Bearer ${finance}`).expect(403);
  });
});

describe('the map tile setting', () => {
  it('is off by default: the map draws on a plain background', () => {
    expect(loadConfig({}).map).toEqual({ tileUrl: undefined, tileSystem: 'wgs84' });
  });

  it('names a tile URL that is not an http(s) template with {z}, {x} and {y}, and an unknown system', () => {
    expect(() => loadConfig({ MAP_TILE_URL: 'file:///tiles/{z}/{x}/{y}.png' })).toThrow(
      /MAP_TILE_URL must be an http:\/\/ or https:\/\/ tile template/,
    );
    expect(() => loadConfig({ MAP_TILE_URL: 'https://tiles.example.org/{z}/{x}.png' })).toThrow(
      /MAP_TILE_URL must contain \{y\}/,
    );
    expect(() => loadConfig({ MAP_TILE_SYSTEM: 'bd09' })).toThrow(
      /MAP_TILE_SYSTEM must be one of wgs84, gcj02, cgcs2000, got "bd09"/,
    );
  });

  it('puts a configured tile source in the page and opens the image policy to its origin only', async () => {
    const api = await startTestApi({
      MAP_TILE_URL: 'https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}',
      MAP_TILE_SYSTEM: 'gcj02',
    });
    try {
      const res = await api.http.get('/').expect(200);
      expect(res.text).toContain(
        '<meta name="map-tiles" content="https://webrd0{s}.is.autonavi.com/appmaptile?style=8&#38;x={x}&#38;y={y}&#38;z={z}" data-system="gcj02" />',
      );
      expect(res.headers['content-security-policy']).toContain("img-src 'self' data: https://*.is.autonavi.com;");
      expect(res.headers['content-security-policy']).toContain("connect-src 'self';");
    } finally {
      await api.close();
    }
  });
});
