import { displayer as displayFor, type TileSystem } from './display.js';

/** The tile setting the server put in the page; no URL → plain background, nothing fetched from elsewhere. */
export interface TileSetting {
  url: string | null;
  system: TileSystem;
}

export function tileSetting(): TileSetting {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="map-tiles"]');
  const url = meta?.content || null;
  const system = meta?.dataset.system;
  return { url, system: system === 'gcj02' || system === 'cgcs2000' ? system : 'wgs84' };
}

export const displayer = (setting: TileSetting) => displayFor(setting.system, setting.url !== null);
