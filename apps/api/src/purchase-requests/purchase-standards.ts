import { VEHICLE_CATEGORIES, type VehicleCategory } from '#app/db';

/** The national price and engine standards a request is pre-reviewed against; settings override them. */
export interface PurchaseStandard {
  priceLimitCny: string;
  engineLimitL: number;
}

/** General official cars: at most CNY 180,000 and 1.8 L each. The other categories start at the same. */
export const DEFAULT_STANDARD: PurchaseStandard = { priceLimitCny: '180000.00', engineLimitL: 1.8 };

export const priceSettingKey = (category: VehicleCategory) => `purchase.price_limit_cny.${category}`;
export const engineSettingKey = (category: VehicleCategory) => `purchase.engine_limit_l.${category}`;

export function standardsFrom(settings: Map<string, string>): Record<VehicleCategory, PurchaseStandard> {
  const out = {} as Record<VehicleCategory, PurchaseStandard>;
  for (const category of VEHICLE_CATEGORIES) {
    const price = settings.get(priceSettingKey(category));
    const engine = Number(settings.get(engineSettingKey(category)));
    out[category] = {
      priceLimitCny: price ? toCny(toCents(price)) : DEFAULT_STANDARD.priceLimitCny,
      engineLimitL:
        settings.has(engineSettingKey(category)) && Number.isFinite(engine) ? engine : DEFAULT_STANDARD.engineLimitL,
    };
  }
  return out;
}

/** Money as integer fen, so no comparison ever meets a binary fraction. */
export function toCents(cny: string): bigint {
  const [whole, fraction = ''] = cny.split('.');
  return BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
}

export function toCny(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}
