import L from 'leaflet';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, itemsOf, listen } from './api.js';
import { colourOf, type CarColour } from './display.js';
import { displayer, tileSetting } from './geo.js';
import { CAR_STATES, CATEGORIES, RULES, dayStart, label, localDay, num, time, weekStart, when } from './labels.js';
import { loadTrack } from './track.js';
import { Card, Table, useLoad } from './ui.js';

interface LiveCar {
  vehicleId: string;
  plateNumber: string;
  unitName: string;
  category: string;
  terminalId: string | null;
  state: 'online' | 'offline' | 'never_reported';
  fixTime: string | null;
  receivedAt: string | null;
  lat: number | null;
  lon: number | null;
  speedKmh: number | null;
  headingDeg: number | null;
  ignition: boolean | null;
  alarmFlags: number | null;
}
interface FleetLive {
  at: string;
  /** While the demo replays a recorded day: the time in that day, which is then "today" on the map. */
  replayClock: string | null;
  counts: { total: number; online: number; offline: number; neverReported: number };
  vehicles: LiveCar[];
}
type Move = Pick<
  LiveCar,
  | 'vehicleId'
  | 'state'
  | 'fixTime'
  | 'receivedAt'
  | 'lat'
  | 'lon'
  | 'speedKmh'
  | 'headingDeg'
  | 'ignition'
  | 'alarmFlags'
>;
interface Finding {
  id: string;
  vehicleId: string;
  rule: string;
  kind: string;
  startTime: string;
  plateNumber?: string;
}

/** A finding a notification rule sent to the signed-in user on the dashboard channel. */
interface Notice {
  id: string;
  violationId: string;
  plateNumber: string;
  rule: string;
  severity: string;
  startTime: string;
  notificationRule: string | null;
}

const SUYU = 321311;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function LivePage(_: { roles: string[] }) {
  const [selected, setSelected] = useState<LiveCar | null>(null);
  const [counts, setCounts] = useState<Record<CarColour, number> & { total: number; online: number }>();
  const [findings, setFindings] = useState<Finding[]>([]);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [updated, setUpdated] = useState<string>('');
  const [now, setNow] = useState<Date>(() => new Date());
  const mapDiv = useRef<HTMLDivElement>(null);
  const carsRef = useRef(new Map<string, LiveCar>());
  const mapRef = useRef<L.Map | null>(null);
  const setting = useMemo(tileSetting, []);
  const show = useMemo(() => displayer(setting), [setting]);

  useEffect(() => {
    const map = L.map(mapDiv.current!, { zoomControl: true, attributionControl: false, preferCanvas: false });
    mapRef.current = map;
    map.setView([33.95, 118.35], 10);
    if (setting.url)
      L.tileLayer(setting.url, { maxZoom: 18, subdomains: setting.system === 'gcj02' ? '1234' : 'abc' }).addTo(map);
    const project = (c: number[]) => L.latLng(...show(c[1], c[0]));
    const markers = new Map<string, L.CircleMarker>();
    const flagged = new Set<string>();
    const cars = carsRef.current;
    let stopped = false;

    const paint = (car: LiveCar) => {
      const colour = colourOf(car, flagged.has(car.vehicleId));
      let marker = markers.get(car.vehicleId);
      if (car.lat === null || car.lon === null) return;
      const at = L.latLng(...show(car.lat, car.lon));
      if (!marker) {
        marker = L.circleMarker(at, { radius: 6, weight: 1, fillOpacity: 0.9, className: 'car' });
        marker.bindTooltip(esc(car.plateNumber));
        marker.on('click', () => setSelected({ ...cars.get(car.vehicleId)! }));
        marker.addTo(map);
        const el = marker.getElement() as SVGElement;
        el.dataset.vehicle = car.vehicleId;
        el.dataset.plate = car.plateNumber;
        markers.set(car.vehicleId, marker);
      } else {
        marker.setLatLng(at);
      }
      const el = marker.getElement() as SVGElement;
      if (el.dataset.colour !== colour) {
        el.dataset.colour = colour;
        el.setAttribute('class', `car car-${colour} leaflet-interactive`);
      }
    };
    const recount = () => {
      const c = { moving: 0, parked: 0, offline: 0, alarm: 0, total: cars.size, online: 0 };
      for (const car of cars.values()) {
        c[colourOf(car, flagged.has(car.vehicleId))]++;
        if (car.state === 'online') c.online++;
      }
      setCounts(c);
    };

    fetch('/assets/district.json')
      .then((r) => r.json() as Promise<FeatureCollection<Geometry, { adcode: number }>>)
      .then((district) => {
        if (stopped) return;
        const layer = L.geoJSON(district, {
          coordsToLatLng: project as never,
          style: (f) =>
            (f as Feature<Geometry, { adcode: number }> | undefined)?.properties.adcode === SUYU
              ? { className: 'district', weight: 2, fill: true, fillOpacity: 0.04 }
              : { className: 'neighbour', weight: 1, dashArray: '4 4', fillOpacity: 0 },
        }).addTo(map);
        layer.bringToBack();
        const suyu = layer
          .getLayers()
          .find(
            (l) =>
              ((l as L.Polygon).feature as Feature<Geometry, { adcode: number }> | undefined)?.properties.adcode ===
              SUYU,
          );
        map.fitBounds((suyu as L.Polygon | undefined)?.getBounds() ?? layer.getBounds());
      })
      .catch(() => undefined);
    type FenceShape = { geometry: Geometry | null; name: string; kind: string; active: boolean };
    api<{ items: FenceShape[] }>('fences')
      .then((body) => {
        if (stopped) return;
        const shapes = itemsOf(body).filter((f) => f.geometry && f.active !== false && f.kind !== 'jurisdiction');
        for (const f of shapes)
          L.geoJSON(f.geometry!, { coordsToLatLng: project as never, style: { className: 'fence', weight: 1 } })
            .bindTooltip(esc(f.name))
            .addTo(map);
      })
      .catch(() => undefined);

    const load = async () => {
      const live = await api<FleetLive>('fleet/live');
      const at = live.replayClock ? new Date(live.replayClock) : new Date();
      // The administrator watches the fleet but reads no findings (docs/roles.md): the map goes on without.
      const today = await api<{ items: Finding[] }>(
        `violations?limit=500&from=${encodeURIComponent(dayStart(localDay(at)).toISOString())}`,
      ).catch(() => ({ items: [] as Finding[] }));
      if (stopped) return;
      setNow(at);
      flagged.clear();
      for (const f of today.items) flagged.add(f.vehicleId);
      setFindings(today.items);
      for (const car of live.vehicles) {
        cars.set(car.vehicleId, car);
        paint(car);
      }
      recount();
      setUpdated(live.at);
    };
    void load();
    // Offline is judged by silence, which no event announces: the whole fleet is read again now and then.
    const refresh = setInterval(() => void load(), 60_000);
    let pending = false;
    const stop = listen('fleet/stream', (type, data) => {
      if (type === 'positions') {
        for (const move of data as Move[]) {
          const car = cars.get(move.vehicleId);
          if (!car) continue;
          Object.assign(car, move);
          paint(car);
        }
      } else if (type === 'notifications') {
        setNotices((all) => [...(data as Notice[]), ...all].slice(0, 20));
      } else if (type === 'findings') {
        for (const f of data as Finding[]) {
          flagged.add(f.vehicleId);
          const car = cars.get(f.vehicleId);
          if (car) paint(car);
          setFindings((all) => [{ ...f, plateNumber: car?.plateNumber }, ...all.filter((x) => x.id !== f.id)]);
        }
      }
      if (!pending) {
        // Counts re-render at most once a second; markers move at once.
        pending = true;
        setTimeout(() => {
          pending = false;
          recount();
          setUpdated(new Date().toISOString());
        }, 1000);
      }
    });
    return () => {
      stopped = true;
      stop();
      clearInterval(refresh);
      map.remove();
    };
  }, [setting, show]);

  return (
    <>
      <Kpis counts={counts} findings={findings.length} now={now} />
      <div class="live">
        <div>
          <div id="map" ref={mapDiv} class="map" />
          <p class="legend">
            {(Object.keys(CAR_STATES) as CarColour[]).map((k) => (
              <span key={k} class={`dot ${k}`}>
                {CAR_STATES[k]} <b data-count={k}>{counts?.[k] ?? '—'}</b>
              </span>
            ))}
            <span class="muted">
              {setting.url ? '' : '离线底图 Offline background · '}更新于 Updated {when(updated)}
            </span>
          </p>
        </div>
        <aside>
          {notices.length > 0 && <Notices notices={notices} onDismiss={() => setNotices([])} />}
          {selected ? (
            <CarDetails car={selected} onClose={() => setSelected(null)} map={mapRef.current} show={show} now={now} />
          ) : (
            <Findings findings={findings} cars={carsRef.current} />
          )}
          <p class="muted">点击车辆查看详情与轨迹 Click a car for its details and track.</p>
        </aside>
      </div>
    </>
  );
}

function Notices({ notices, onDismiss }: { notices: Notice[]; onDismiss: () => void }) {
  return (
    <div id="notifications" role="status">
      <h3 class="notice">
        通知 For you ({notices.length}){' '}
        <button type="button" onClick={onDismiss}>
          知道了 Dismiss
        </button>
      </h3>
      <Table
        headers={['时间 Time', '车牌 Plate', '规则 Rule', '级别 Severity']}
        rows={notices}
        cells={(n) => [time(n.startTime), n.plateNumber, label(RULES, n.rule), n.severity]}
      />
    </div>
  );
}

function Findings({ findings, cars }: { findings: Finding[]; cars: Map<string, LiveCar> }) {
  return (
    <div id="findings-today">
      <h3>今日发现 Findings today ({findings.length})</h3>
      <Table
        headers={['时间 Time', '车牌 Plate', '规则 Rule']}
        rows={findings.slice(0, 50)}
        cells={(f) => [
          time(f.startTime),
          f.plateNumber ?? cars.get(f.vehicleId)?.plateNumber ?? '—',
          <span class={f.kind === 'suspicion' ? 'muted' : ''}>{label(RULES, f.rule)}</span>,
        ]}
      />
    </div>
  );
}

interface Trip {
  startTime: string;
  endTime: string;
  distanceM: number;
  offHoursDistanceM: number;
  maxSpeedKmh: number | null;
}

function CarDetails({
  car,
  onClose,
  map,
  show,
  now,
}: {
  now: Date;
  car: LiveCar;
  onClose: () => void;
  map: L.Map | null;
  show: (lat: number, lon: number) => [number, number];
}) {
  const from = dayStart(localDay(now)).toISOString();
  const to = now.toISOString();
  const trips = useLoad(
    () => api<{ items: Trip[] }>(`vehicles/${car.vehicleId}/trips?from=${encodeURIComponent(from)}`),
    [car.vehicleId],
  );
  const track = useLoad(() => loadTrack(car.vehicleId, from, to), [car.vehicleId]);
  const [replaying, setReplaying] = useState(false);
  // Fixes with a GNSS lock: the ones with a position to draw.
  const fixes = useMemo(() => (track.data ?? []).filter((f) => f.valid), [track.data]);

  useEffect(() => {
    if (!map || fixes.length < 2) return;
    const layer = L.polyline(
      fixes.map((f) => show(f.lat, f.lon)),
      { className: 'track', weight: 3 },
    ).addTo(map);
    return () => void layer.remove();
  }, [map, fixes, show]);

  useEffect(() => {
    if (!map || !replaying || fixes.length === 0) return;
    const dot = L.circleMarker(show(fixes[0].lat, fixes[0].lon), {
      radius: 7,
      className: 'replay',
    }).addTo(map);
    let i = 0;
    const step = Math.max(1, Math.floor(fixes.length / 300)); // a day replays in about 15 s
    const timer = setInterval(() => {
      i += step;
      if (i >= fixes.length) {
        setReplaying(false);
        return;
      }
      dot.setLatLng(show(fixes[i].lat, fixes[i].lon));
      dot.bindTooltip(time(fixes[i].fixTime), { permanent: true }).openTooltip();
    }, 50);
    return () => {
      clearInterval(timer);
      dot.remove();
    };
  }, [map, replaying, fixes.length]);

  return (
    <div id="car-details" data-vehicle={car.vehicleId}>
      <h3>
        {car.plateNumber}{' '}
        <button type="button" onClick={onClose}>
          关闭 Close
        </button>
      </h3>
      <dl>
        <dt>单位 Unit</dt>
        <dd>{car.unitName}</dd>
        <dt>类别 Category</dt>
        <dd>{label(CATEGORIES, car.category)}</dd>
        <dt>终端 Terminal</dt>
        <dd>{car.terminalId ?? '未绑定 None'}</dd>
        <dt>最后定位 Last fix</dt>
        <dd>
          {when(car.fixTime)} · {num(car.speedKmh)} km/h
        </dd>
        <dt>位置 Position</dt>
        <dd>{car.lat === null ? '—' : `${car.lat.toFixed(5)}, ${car.lon!.toFixed(5)} (WGS-84)`}</dd>
      </dl>
      <h4>今日行程 Today's trips</h4>
      {trips.error ? (
        <p class="notice">{trips.error.message}</p>
      ) : (
        <Table
          headers={['出发 Start', '到达 End', '里程 km', '非工作时间 Off-hours km']}
          rows={trips.data?.items ?? []}
          cells={(t) => [time(t.startTime), time(t.endTime), num(t.distanceM / 1000), num(t.offHoursDistanceM / 1000)]}
        />
      )}
      <p>
        {fixes.length} 个定位点 fixes today{' '}
        <button type="button" disabled={fixes.length < 2 || replaying} onClick={() => setReplaying(true)}>
          回放轨迹 Replay track
        </button>
      </p>
    </div>
  );
}

interface Stats {
  totals: {
    fundsSavedCny?: number | string;
    paymentGate?: { denials: number; blockedCny: string | number | null };
  };
}
interface AuditList {
  currentWeek: string;
  weeks: { week: string; progress?: { done: number; total: number } }[];
}

/** The centre's figures: the live ones from the map, the rest from the stats and list endpoints. */
function Kpis({
  counts,
  findings,
  now,
}: {
  now: Date;
  counts?: Record<CarColour, number> & { total: number; online: number };
  /** How many findings the map knows of today: a new one reloads the figures. */
  findings: number;
}) {
  const today = dayStart(localDay(now)).toISOString();
  const week = weekStart(now).toISOString();
  const year = Number(localDay(now).slice(0, 4));
  const figures = useLoad(async () => {
    const safe = <T,>(p: Promise<T>) => p.catch(() => null);
    const [todayFindings, weekFindings, audits, stats] = await Promise.all([
      safe(api<{ total: number }>(`violations?limit=1&from=${encodeURIComponent(today)}`)),
      safe(api<{ total: number }>(`violations?limit=1&from=${encodeURIComponent(week)}`)),
      safe(api<AuditList>('audits')),
      safe(api<Stats>(`stats?year=${year}`)),
    ]);
    const current = audits?.weeks.find((w) => w.week === audits.currentWeek);
    return { todayFindings, weekFindings, audits, current, stats };
  }, [findings, localDay(now)]);
  const f = figures.data;
  // A figure the role may not read (403) is left out rather than shown empty; while loading all show.
  const shown = (figure: unknown) => f === undefined || figure !== null;
  const online = counts && counts.total > 0 ? `${((counts.online / counts.total) * 100).toFixed(1)} %` : '—';
  const gate = f?.stats?.totals.paymentGate;
  return (
    <div class="cards" id="kpis">
      <Card title="在线率 Online rate" value={online} tone="moving" />
      <Card title="行驶中 Moving now" value={counts?.moving ?? '—'} />
      {shown(f?.todayFindings) && (
        <Card title="今日发现 Findings today" value={num(f?.todayFindings?.total)} tone="alarm" />
      )}
      {shown(f?.weekFindings) && <Card title="本周发现 Findings this week" value={num(f?.weekFindings?.total)} />}
      {shown(f?.audits) && (
        <Card
          title="本周抽查进度 Audit progress"
          value={f?.current?.progress ? `${f.current.progress.done} / ${f.current.progress.total}` : '—'}
        />
      )}
      {shown(f?.stats) && (
        <Card
          title={`${year} 拒付 Gate denials · 拦截金额 blocked (CNY)`}
          value={gate ? `${num(gate.denials)} · ¥${num(gate.blockedCny ?? 0)}` : '—'}
        />
      )}
      {shown(f?.stats) && (
        <Card title={`${year} 联席会议节约资金 Funds saved (CNY)`} value={`¥${num(f?.stats?.totals.fundsSavedCny)}`} />
      )}
    </div>
  );
}
