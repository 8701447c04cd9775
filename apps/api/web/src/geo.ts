import gcoord from 'gcoord';

/** The tile setting the server put in the page; no URL → plain background, nothing fetched from elsewhere. */
export interface TileSetting {
  url: string | null;
  system: 'wgs84' | 'gcj02' | 'cgcs2000';
}

export function tileSetting(): TileSetting {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="map-tiles"]');
  const url = meta?.content || null;
  const system = meta?.dataset.system;
  return { url, system: system === 'gcj02' || system === 'cgcs2000' ? system : 'wgs84' };
}

/**
 * Where to draw a stored (WGS-84) coordinate: shifted to GCJ-02 only under GCJ-02 tiles (Amap), so a car sits
 * on its road; CGCS2000 (Tianditu) and WGS-84 differ by centimetres and are drawn as they are.
 */
export function displayer(setting: TileSetting): (lat: number, lon: number) => [number, number] {
  if (setting.system !== 'gcj02' || !setting.url) return (lat, lon) => [lat, lon];
  return (lat, lon) => {
    const [x, y] = gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02) as [number, number];
    return [y, x];
  };
}
