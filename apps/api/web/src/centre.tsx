import L from 'leaflet';
import type { Feature, Geometry } from 'geojson';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, itemsOf } from './api.js';
import { displayer, tileSetting } from './geo.js';
import { localDay, when } from './labels.js';
import { Loaded, Options, Table, useAction, useLoad } from './ui.js';

interface Fence {
  id: string;
  name: string;
  kind: string;
  shapeType: string;
  geometry: Geometry;
  active: boolean;
  speedLimitKmh: number | null;
}
const FENCE_KINDS: Record<string, string> = {
  jurisdiction: '辖区 Jurisdiction',
  forbidden: '禁入场所 Forbidden venue',
  restaurant: '餐饮场所 Restaurant',
  parking: '定点停放 Parking lot',
  speed_zone: '限速区 Speed zone',
};

export function FencesPage({ roles }: { roles: string[] }) {
  const list = useLoad(() => api<{ items: Fence[] } | Fence[]>('fences'));
  const canEdit = roles.includes('centre') || roles.includes('admin');
  const [drawn, setDrawn] = useState<[number, number][]>([]);
  return (
    <>
      <h2>电子围栏 Fences</h2>
      <Loaded state={list}>
        {(body) => (
          <>
            <FenceMap
              fences={itemsOf(body)}
              drawn={drawn}
              onClick={canEdit ? (p) => setDrawn((d) => [...d, p]) : undefined}
            />
            {canEdit && <FenceForm drawn={drawn} clear={() => setDrawn([])} reload={list.reload} />}
            <Table
              headers={['名称 Name', '类型 Kind', '形状 Shape', '限速 Limit', '启用 Active']}
              rows={itemsOf(body)}
              cells={(f) => [
                f.name,
                FENCE_KINDS[f.kind] ?? f.kind,
                f.shapeType,
                f.speedLimitKmh ?? '—',
                f.active ? '是 Yes' : '否 No',
              ]}
            />
          </>
        )}
      </Loaded>
    </>
  );
}

function FenceMap({
  fences,
  drawn,
  onClick,
}: {
  fences: Fence[];
  drawn: [number, number][];
  onClick?: (lonLat: [number, number]) => void;
}) {
  const div = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const sketch = useRef<L.Polygon | null>(null);
  useEffect(() => {
    const m = L.map(div.current!, { attributionControl: false }).setView([33.95, 118.35], 10);
    map.current = m;
    const setting = tileSetting();
    const show = displayer(setting);
    if (setting.url) L.tileLayer(setting.url).addTo(m);
    const layer = L.geoJSON(undefined, {
      coordsToLatLng: ((c: number[]) => L.latLng(...show(c[1], c[0]))) as never,
      style: (f) => ({ className: `fence fence-${f?.properties.kind}`, weight: 1 }),
    }).addTo(m);
    for (const f of fences)
      layer.addData({ type: 'Feature', properties: { kind: f.kind }, geometry: f.geometry } as Feature);
    if (fences.length > 0) m.fitBounds(layer.getBounds());
    sketch.current = L.polygon([], { className: 'sketch' }).addTo(m);
    // Clicks are in display coordinates; without GCJ-02 tiles they are WGS-84 already.
    m.on('click', (e: L.LeafletMouseEvent) => onClick?.([e.latlng.lng, e.latlng.lat]));
    return () => void m.remove();
  }, [fences]);
  useEffect(() => {
    sketch.current?.setLatLngs(drawn.map(([lon, lat]) => [lat, lon]));
  }, [drawn]);
  return <div ref={div} class="map" id="fence-map" />;
}

function FenceForm({ drawn, clear, reload }: { drawn: [number, number][]; clear: () => void; reload: () => void }) {
  const { run, busy, view } = useAction();
  const system = tileSetting().system === 'gcj02' && tileSetting().url ? 'GCJ02' : 'WGS84';
  return (
    <form
      id="fence-form"
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        const file = data.get('file') as File | null;
        void run(async () => {
          if (file && file.size > 0) {
            const collection = JSON.parse(await file.text()) as { features: unknown[] };
            await api('fences/import', {
              method: 'POST',
              body: { type: 'FeatureCollection', coordinateSystem: data.get('system'), features: collection.features },
            });
          } else {
            if (drawn.length < 3) throw new Error('请在地图上点击至少三个点 Click at least three points on the map');
            await api('fences', {
              method: 'POST',
              body: {
                name: data.get('name'),
                kind: data.get('kind'),
                coordinateSystem: system,
                geometry: { type: 'Polygon', coordinates: [[...drawn, drawn[0]]] },
                ...(data.get('kind') === 'speed_zone' ? { speedLimitKmh: Number(data.get('speedLimitKmh')) } : {}),
              },
            });
          }
          clear();
          reload();
          return '已保存 Saved';
        });
      }}
    >
      <h3>新建围栏 New fence</h3>
      <p class="muted">
        在地图上依次点击画多边形，或导入 GeoJSON。 Click the map to draw a polygon, or import GeoJSON.
      </p>
      <label>
        名称 Name
        <input name="name" />
      </label>
      <label>
        类型 Kind
        <select name="kind">
          <Options labels={FENCE_KINDS} />
        </select>
      </label>
      <label>
        限速 Speed limit (km/h)
        <input name="speedLimitKmh" type="number" min="1" />
      </label>
      <label>
        导入文件 Import file (GeoJSON)
        <input name="file" type="file" accept=".geojson,.json,application/geo+json" />
      </label>
      <label>
        文件坐标系 File's coordinate system
        <select name="system">
          <option value="WGS84">WGS-84</option>
          <option value="GCJ02">GCJ-02 (高德 Amap)</option>
          <option value="BD09">BD-09 (百度 Baidu)</option>
        </select>
      </label>
      <p>
        <button type="submit" disabled={busy}>
          保存 Save
        </button>{' '}
        <button type="button" onClick={clear}>
          清除草图 Clear sketch ({drawn.length})
        </button>
      </p>
      {view}
    </form>
  );
}

interface Order {
  id: string;
  driver: string;
  purpose: string;
  startTime: string;
  endTime: string;
  destination: string;
  leavesJurisdiction: boolean;
  status: string;
  allowedActions: string[];
}

export function OrdersPage({ roles }: { roles: string[] }) {
  const [status, setStatus] = useState('requested');
  const list = useLoad(() => api<{ items: Order[] }>(`dispatch-orders${status ? `?status=${status}` : ''}`), [status]);
  const { run, busy, view } = useAction();
  const act = (order: Order, action: string) =>
    void run(async () => {
      await api(`dispatch-orders/${order.id}/${action}`, { method: 'POST', body: {} });
      list.reload();
      return `${action}: ${order.purpose}`;
    });
  const canDecide = roles.includes('centre');
  return (
    <>
      <h2>派车单 Dispatch orders</h2>
      <p class="filters">
        <label>
          状态 Status
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">全部 All</option>
            {['requested', 'approved', 'rejected', 'cancelled', 'ended'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </p>
      {view}
      <Loaded state={list}>
        {(body) => (
          <Table
            headers={[
              '出发 Start',
              '返回 End',
              '驾驶员 Driver',
              '事由 Purpose',
              '目的地 Destination',
              '出辖区 Leaves',
              '状态 Status',
              '',
            ]}
            rows={itemsOf(body)}
            cells={(o) => [
              when(o.startTime),
              when(o.endTime),
              o.driver,
              o.purpose,
              o.destination,
              o.leavesJurisdiction ? '是 Yes' : '否 No',
              o.status,
              <span class="actions">
                {o.allowedActions
                  .filter((a) => canDecide || a === 'cancel' || a === 'end')
                  .map((a) => (
                    <button key={a} type="button" disabled={busy} onClick={() => act(o, a)}>
                      {(
                        {
                          approve: '批准 Approve',
                          reject: '驳回 Reject',
                          cancel: '取消 Cancel',
                          end: '结束 End',
                        } as Record<string, string>
                      )[a] ?? a}
                    </button>
                  ))}
              </span>,
            ]}
          />
        )}
      </Loaded>
    </>
  );
}

interface CalendarYear {
  year: number;
  hasData: boolean;
  source: string | null;
  days: { day: string; kind: 'holiday' | 'workday'; name: string | null }[];
}

export function CalendarPage() {
  const [year, setYear] = useState(Number(localDay(new Date()).slice(0, 4)));
  const cal = useLoad(() => api<CalendarYear>(`calendar/${year}`), [year]);
  return (
    <>
      <h2>工作日历 Calendar {year}</h2>
      <p class="filters">
        <button type="button" onClick={() => setYear(year - 1)}>
          ← {year - 1}
        </button>{' '}
        <button type="button" onClick={() => setYear(year + 1)}>
          {year + 1} →
        </button>
        <span class="dot holiday">节假日 Holiday</span>
        <span class="dot workday">调休上班 Make-up workday (调休)</span>
      </p>
      <Loaded state={cal}>
        {(c) =>
          c.hasData ? (
            <div class="months">
              {Array.from({ length: 12 }, (_, m) => (
                <Month key={m} year={year} month={m} days={c.days} />
              ))}
            </div>
          ) : (
            <p class="notice">该年日历未载入 No calendar loaded for {year}.</p>
          )
        }
      </Loaded>
    </>
  );
}

function Month({ year, month, days }: { year: number; month: number; days: CalendarYear['days'] }) {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const first = new Date(Date.UTC(year, month, 1));
  const count = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7;
  const cells = [...Array(lead).fill(null), ...Array.from({ length: count }, (_, i) => i + 1)];
  return (
    <table class="month">
      <caption>{month + 1} 月</caption>
      <thead>
        <tr>
          {['一', '二', '三', '四', '五', '六', '日'].map((d) => (
            <th key={d}>{d}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {Array.from({ length: Math.ceil(cells.length / 7) }, (_, w) => (
          <tr key={w}>
            {cells.slice(w * 7, w * 7 + 7).map((d, i) => {
              if (d === null) return <td key={i} />;
              const key = `${year}-${String(month + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
              const entry = byDay.get(key);
              const weekend = i >= 5;
              return (
                <td key={i} class={entry?.kind ?? (weekend ? 'weekend' : '')} title={entry?.name ?? ''} data-day={key}>
                  {d}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
