import { createHmac } from 'node:crypto';
import type { VehicleCategory } from '#app/db';

/** A parking lot in WGS-84 (what terminals send), well inside 宿豫区 and outside 宿城区. */
export interface LatLon {
  lat: number;
  lon: number;
}

export interface DemoUnit {
  /** Stable short key, e.g. `police`; used by other demo data to refer to a unit without its uuid. */
  key: string;
  name: string;
  vehicleQuota: number;
  /** Where the unit's cars are parked overnight (WGS-84). */
  homeLot: LatLon;
}

export interface DemoVehicle {
  /** 1…403, stable: the n-th car of the demo fleet. */
  index: number;
  /** As printed on the plate, e.g. `苏N·A1234`. */
  plateNumber: string;
  /** As stored and compared, e.g. `苏NA1234`. */
  plateNormalized: string;
  category: VehicleCategory;
  unitKey: string;
  unitName: string;
  /** `1380000` + the 4-digit index: 11 digits, e.g. `13800000001`. */
  terminalId: string;
  terminalModel: string;
  /** The day the car joined the fleet (before the terminal was fitted). */
  commissionedOn: string;
}

/** Every demo terminal is bound to its car from this day on. */
export const DEMO_BINDING_FROM = '2026-01-01';

/** The demo fleet's size: the district's 403 official cars. */
export const DEMO_VEHICLE_COUNT = 403;

/**
 * FOR THE DEMO ONLY. Demo terminal secrets are derived from this public seed so the simulator can sign in
 * as any demo terminal without reading the database. A real deployment never loads the demo fleet; its
 * terminals get random secrets from `POST /api/v1/terminals`. `DEMO_SECRET_SEED` overrides the seed.
 */
export const DEFAULT_DEMO_SECRET_SEED = 'official-car-oversight-demo-fleet-v1';

/** FOR THE DEMO ONLY: the MQTT password of a demo terminal, HMAC-SHA256(seed, terminalId) in base64url. */
export function demoTerminalSecret(
  terminalId: string,
  seed: string = process.env.DEMO_SECRET_SEED || DEFAULT_DEMO_SECRET_SEED,
): string {
  return createHmac('sha256', seed).update(terminalId).digest('base64url');
}

type Mix = Partial<Record<VehicleCategory, number>>;

// Lots in WGS-84, picked on the GCJ-02 boundary of 宿豫区 at least 2 km inside it (the GCJ-02 offset here is
// about 0.5 km) in the district's urban area east of the Grand Canal, then converted to WGS-84.
const UNITS: Array<[key: string, name: string, quota: number, lat: number, lon: number, mix: Mix]> = [
  ['party-office', '区委办公室', 16, 33.948631, 118.347282, { general: 13, confidential_comms: 2 }],
  ['government-office', '区人民政府办公室', 18, 33.947213, 118.358563, { general: 15, confidential_comms: 2 }],
  ['congress-office', '区人大常委会办公室', 9, 33.949297, 118.369848, { general: 8 }],
  ['cppcc-office', '区政协办公室', 8, 33.938811, 118.360961, { general: 7 }],
  ['discipline', '区纪委监委', 20, 33.937396, 118.372247, { general: 8, law_enforcement: 10 }],
  ['organisation', '区委组织部', 9, 33.959108, 118.360359, { general: 8 }],
  ['publicity', '区委宣传部', 7, 33.957692, 118.371645, { general: 6 }],
  ['political-legal', '区委政法委员会', 7, 33.960533, 118.344885, { general: 4, law_enforcement: 2 }],
  ['secrecy', '区国家保密局', 5, 33.936737, 118.345486, { confidential_comms: 4 }],
  ['development-reform', '区发展和改革委员会', 11, 33.968928, 118.346681, { general: 10 }],
  ['finance', '区财政局', 12, 33.971009, 118.357962, { general: 11 }],
  ['education', '区教育局', 14, 33.969588, 118.373442, { general: 13 }],
  [
    'police',
    '区公安分局',
    62,
    33.939485,
    118.383537,
    { general: 6, law_enforcement: 44, emergency: 4, special_technical: 3, confidential_comms: 2 },
  ],
  ['court', '区人民法院', 17, 33.928335, 118.347883, { general: 5, law_enforcement: 11 }],
  ['procuratorate', '区人民检察院', 15, 33.926916, 118.359164, { general: 5, law_enforcement: 9 }],
  ['justice', '区司法局', 9, 33.929, 118.370449, { general: 4, law_enforcement: 4 }],
  ['health', '区卫生健康委员会', 14, 33.947881, 118.385335, { general: 8, emergency: 5 }],
  ['emergency-medical', '区急救中心', 16, 33.949976, 118.396632, { general: 1, emergency: 14 }],
  ['civil-affairs', '区民政局', 8, 33.958373, 118.398431, { general: 7 }],
  ['human-resources', '区人力资源和社会保障局', 8, 33.959781, 118.382935, { general: 7 }],
  ['natural-resources', '区自然资源和规划局', 12, 33.968177, 118.384733, { general: 7, special_technical: 4 }],
  ['housing', '区住房和城乡建设局', 11, 33.970271, 118.396031, { general: 10 }],
  ['transport', '区交通运输局', 15, 33.979404, 118.359758, { general: 5, law_enforcement: 9 }],
  ['water', '区水利局', 11, 33.981488, 118.371043, { general: 6, emergency: 3, special_technical: 1 }],
  ['agriculture', '区农业农村局', 12, 33.980077, 118.382333, { general: 8, special_technical: 3 }],
  ['commerce', '区商务局', 6, 33.978669, 118.397829, { general: 5 }],
  ['culture-tourism', '区文化广电和旅游局', 7, 33.980822, 118.348476, { general: 6 }],
  [
    'emergency-management',
    '区应急管理局',
    14,
    33.938078,
    118.394834,
    { general: 4, emergency: 8, special_technical: 1 },
  ],
  ['market-regulation', '区市场监督管理局', 16, 33.927585, 118.385937, { general: 5, law_enforcement: 10 }],
  ['environment', '区生态环境局', 11, 33.926181, 118.397234, { general: 4, law_enforcement: 3, special_technical: 4 }],
  ['urban-management', '区城市管理局', 19, 33.989225, 118.34608, { general: 6, law_enforcement: 11 }],
  ['audit', '区审计局', 6, 33.991305, 118.357361, { general: 6 }],
  ['statistics', '区统计局', 4, 33.989884, 118.372841, { general: 4 }],
  ['veterans', '区退役军人事务局', 4, 33.991973, 118.384131, { general: 4 }],
  ['healthcare-security', '区医疗保障局', 5, 33.990566, 118.395428, { general: 4 }],
];

/** The ~30 units of the district (35), each with its quota (编制) and home lot. Order and keys are stable. */
export const DEMO_UNITS: readonly DemoUnit[] = UNITS.map(([key, name, vehicleQuota, lat, lon]) => ({
  key,
  name,
  vehicleQuota,
  homeLot: { lat, lon },
}));

const CATEGORY_ORDER: VehicleCategory[] = [
  'general',
  'law_enforcement',
  'emergency',
  'special_technical',
  'confidential_comms',
];
const TERMINAL_MODELS = ['BD-T300', 'BD-T300', 'BD-T500G', 'TQ-G610'];
// Plate letters: no I or O, as on real plates.
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

/** A small seeded generator, so plates are the same on every machine and every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildVehicles(): DemoVehicle[] {
  const random = mulberry32(403);
  const pick = (chars: string) => chars[Math.floor(random() * chars.length)];
  const digits = (n: number) => Array.from({ length: n }, () => pick('0123456789')).join('');
  const used = new Set<string>();
  const vehicles: DemoVehicle[] = [];
  for (const [key, name, , , , mix] of UNITS) {
    for (const category of CATEGORY_ORDER) {
      for (let n = 0; n < (mix[category] ?? 0); n++) {
        let tail: string;
        do {
          // Police cars carry 警 plates (A123警); the rest a letter and four digits.
          tail =
            key === 'police' && category === 'law_enforcement'
              ? `${pick(LETTERS)}${digits(3)}警`
              : `${pick(LETTERS)}${digits(4)}`;
        } while (used.has(tail));
        used.add(tail);
        const index = vehicles.length + 1;
        const terminalId = `1380000${String(index).padStart(4, '0')}`;
        const year = 2018 + Math.floor(random() * 8);
        const month = 1 + Math.floor(random() * 12);
        const day = 1 + Math.floor(random() * 28);
        vehicles.push({
          index,
          plateNumber: `苏N·${tail}`,
          plateNormalized: `苏N${tail}`,
          category,
          unitKey: key,
          unitName: name,
          terminalId,
          terminalModel: TERMINAL_MODELS[index % TERMINAL_MODELS.length],
          commissionedOn: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
        });
      }
    }
  }
  if (vehicles.length !== DEMO_VEHICLE_COUNT) {
    throw new Error(`the demo fleet must hold ${DEMO_VEHICLE_COUNT} cars, the unit table gives ${vehicles.length}`);
  }
  return vehicles;
}

/** The 403 cars, in a stable order (by unit, then category). */
export const DEMO_VEHICLES: readonly DemoVehicle[] = buildVehicles();

export function demoUnit(key: string): DemoUnit {
  const unit = DEMO_UNITS.find((u) => u.key === key);
  if (!unit) throw new Error(`no demo unit ${key}`);
  return unit;
}

/** The home lot of the unit a demo car belongs to. */
export function demoHomeLot(vehicle: Pick<DemoVehicle, 'unitKey'>): LatLon {
  return demoUnit(vehicle.unitKey).homeLot;
}
