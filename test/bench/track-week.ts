/**
 * One official car's positions as its terminal reports them every `intervalS` seconds, day and night: parked
 * with the ignition off overnight and between errands (GNSS drift of a metre or two), four to six trips a day
 * through town at 0–80 km/h with stops at lights, a tunnel now and then (no GNSS lock), a stretch without
 * network that the terminal re-uploads later (replay), and an alarm bit from time to time. Deterministic for
 * a seed, so every run of a benchmark reads the same rows.
 */
export interface WeekFix {
  fixTime: number;
  lat: number;
  lon: number;
  speedKmh: number;
  headingDeg: number;
  ignition: boolean;
  alarmFlags: number;
  valid: boolean;
  odometerKm: number;
  replay: boolean;
}

/** Mulberry32: small, fast and good enough to make a believable drive. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const M_PER_DEG_LAT = 111_320;

export function* carWeek(startMs: number, days: number, intervalS: number, seed = 1): Generator<WeekFix> {
  const rnd = random(seed);
  const step = intervalS * 1000;
  const n = Math.round((days * 86_400) / intervalS);
  // Trip start times (seconds into the day, local time is not needed for a synthetic car).
  const tripsOfDay = () => {
    const starts = [7.8, 11.6, 13.4, 17.6, 20.0, 9.5].slice(0, 4 + Math.floor(rnd() * 3)).sort((a, b) => a - b);
    return starts.map((h) => ({ start: h * 3600 + rnd() * 1200, length: 600 + rnd() * 1800 }));
  };
  let lat = 33.96;
  let lon = 118.3;
  let heading = rnd() * 360;
  let speed = 0;
  let odometerM = 48_213_700;
  let trips = tripsOfDay();
  let day = 0;
  let tunnelLeft = 0;
  let alarmLeft = 0;
  let lightLeft = 0;
  for (let i = 0; i < n; i++) {
    const t = startMs + i * step;
    const secondOfDay = ((i * intervalS) % 86_400) + 0;
    const thisDay = Math.floor((i * intervalS) / 86_400);
    if (thisDay !== day) {
      day = thisDay;
      trips = tripsOfDay();
    }
    const driving = trips.some((trip) => secondOfDay >= trip.start && secondOfDay < trip.start + trip.length);
    if (driving) {
      if (lightLeft > 0) {
        lightLeft -= intervalS;
        speed = 0;
      } else {
        if (rnd() < 0.01) lightLeft = 20 + rnd() * 60;
        const target = 25 + rnd() * 55;
        speed = Math.max(0, Math.min(80, speed + (target - speed) * 0.3 + (rnd() - 0.5) * 6));
        heading = (heading + (rnd() < 0.05 ? (rnd() < 0.5 ? 90 : -90) : (rnd() - 0.5) * 12) + 360) % 360;
      }
      const metres = (speed / 3.6) * intervalS;
      odometerM += metres;
      lat += (metres * Math.cos((heading * Math.PI) / 180)) / M_PER_DEG_LAT;
      lon += (metres * Math.sin((heading * Math.PI) / 180)) / (M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180));
      // Keep the car in its district.
      if (Math.abs(lat - 33.96) > 0.15 || Math.abs(lon - 118.3) > 0.15) heading = (heading + 180) % 360;
      if (tunnelLeft <= 0 && rnd() < 0.0015) tunnelLeft = 60 + rnd() * 120;
    } else {
      speed = 0;
      lightLeft = 0;
    }
    if (alarmLeft <= 0 && rnd() < 0.0002) alarmLeft = 30 + rnd() * 300;
    const valid = !(driving && tunnelLeft > 0);
    if (tunnelLeft > 0) tunnelLeft -= intervalS;
    const alarmFlags = alarmLeft > 0 ? 1 << 5 : 0;
    if (alarmLeft > 0) alarmLeft -= intervalS;
    // Parked: the fix wanders a metre or two around the car.
    const drift = driving ? 0 : 1.5 / M_PER_DEG_LAT;
    yield {
      fixTime: t,
      lat: Math.round((lat + (rnd() - 0.5) * drift) * 1e6) / 1e6,
      lon: Math.round((lon + (rnd() - 0.5) * drift) * 1e6) / 1e6,
      speedKmh: Math.round(speed * 10) / 10,
      headingDeg: Math.round(heading) % 360,
      ignition: driving,
      alarmFlags,
      valid,
      odometerKm: Math.round(odometerM / 100) / 10,
      // The third day's afternoon (the last day's in a shorter run) had no network: those fixes came in
      // later, re-uploaded.
      replay: day === Math.min(2, days - 1) && secondOfDay >= 14 * 3600 && secondOfDay < 15 * 3600,
    };
  }
}
