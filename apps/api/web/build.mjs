// Builds the web app into dist/web: one script, one style sheet, the district outline in WGS-84.
// Run by `npm run build`; `--watch` rebuilds on change while the API serves the output.
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import gcoord from 'gcoord';

const web = dirname(fileURLToPath(import.meta.url));
const root = resolve(web, '../../..');
const out = join(root, 'dist', 'web');
mkdirSync(join(out, 'assets'), { recursive: true });

/** The district boundary file is GCJ-02 (DataV); the map draws in WGS-84 like every stored coordinate. */
function districtOutline() {
  const source = JSON.parse(
    readFileSync(join(root, 'libs', 'geo', 'assets', 'suqian-districts-gcj02.geojson'), 'utf8'),
  );
  const round = ([lon, lat]) => [Math.round(lon * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6];
  const features = source.features.map((f) => ({
    type: 'Feature',
    properties: { name: f.properties.name, adcode: f.properties.adcode },
    geometry: {
      type: 'MultiPolygon',
      coordinates: f.geometry.coordinates.map((polygon) =>
        polygon.map((ring) => ring.map((p) => round(gcoord.transform(p, gcoord.GCJ02, gcoord.WGS84)))),
      ),
    },
  }));
  return { type: 'FeatureCollection', features };
}

const options = {
  entryPoints: { app: join(web, 'src', 'main.tsx') },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  outdir: join(out, 'assets'),
  loader: { '.png': 'dataurl', '.svg': 'dataurl' },
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
};

writeFileSync(join(out, 'assets', 'district.json'), JSON.stringify(districtOutline()));
copyFileSync(join(web, 'index.html'), join(out, 'index.html'));
if (process.argv.includes('--watch')) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log('watching apps/api/web/src; the API serves dist/web after a restart');
} else {
  const result = await esbuild.build(options);
  writeFileSync(join(out, 'meta.json'), JSON.stringify(result.metafile));
}
