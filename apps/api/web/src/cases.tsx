import L from 'leaflet';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import { displayer, tileSetting } from './geo.js';
import { CASE_STATUSES, OUTCOMES, RULES, label, num, when } from './labels.js';
import { loadTrack, type TrackFix } from './track.js';
import { Loaded, Options, Table, useAction, useLoad } from './ui.js';

interface CaseRow {
  id: string;
  title: string;
  rule: string;
  status: string;
  openedAt: string;
  vehicle: { id: string; plateNumber: string; unit: { name: string } };
  assignee: { username: string } | null;
  outcome: string | null;
}
interface Violation {
  id: string;
  rule: string;
  kind: string;
  startTime: string;
  endTime: string | null;
  place: string | null;
  lat: number | null;
  lon: number | null;
}
interface CaseDetail extends CaseRow {
  allowedNext: string[];
  responsiblePerson: string | null;
  outcomeLabel: string | null;
  dismissReason: string | null;
  rectificationNote: string | null;
  violations: Violation[];
  notes: { id: string; text: string; author: string; createdAt: string }[];
  history: { seq: number; at: string; action: string; actor: string; data: unknown }[];
}

export function CasesPage() {
  const [status, setStatus] = useState('open');
  const [rule, setRule] = useState('');
  const list = useLoad(
    () =>
      api<{ items: CaseRow[]; total: number }>(
        `cases?limit=200${status ? `&status=${status}` : ''}${rule ? `&rule=${rule}` : ''}`,
      ),
    [status, rule],
  );
  return (
    <>
      <h2>案件队列 Case queue</h2>
      <p class="filters">
        <label>
          状态 Status
          <select name="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">全部 All</option>
            <Options labels={CASE_STATUSES} />
          </select>
        </label>
        <label>
          规则 Rule
          <select name="rule" value={rule} onChange={(e) => setRule(e.currentTarget.value)}>
            <option value="">全部 All</option>
            <Options labels={RULES} />
          </select>
        </label>
      </p>
      <Loaded state={list}>
        {(body) => (
          <>
            <p class="muted">
              共 {body.total} 件 {body.total} cases
            </p>
            <Table
              headers={[
                '立案 Opened',
                '车牌 Plate',
                '单位 Unit',
                '规则 Rule',
                '标题 Title',
                '状态 Status',
                '承办 Assignee',
              ]}
              rows={body.items}
              onRow={(c) => (location.hash = `#/cases/${c.id}`)}
              cells={(c) => [
                when(c.openedAt),
                c.vehicle.plateNumber,
                c.vehicle.unit.name,
                label(RULES, c.rule),
                c.title,
                label(CASE_STATUSES, c.status),
                c.assignee?.username ?? '未分派 Unassigned',
              ]}
            />
          </>
        )}
      </Loaded>
    </>
  );
}

export function CasePage({ id, roles }: { id: string; roles: string[] }) {
  const detail = useLoad(() => api<CaseDetail>(`cases/${id}`), [id]);
  return (
    <>
      <p>
        <a href="#/cases">← 案件队列 Case queue</a>
      </p>
      <Loaded state={detail}>
        {(c) => <CaseView c={c} canAct={roles.includes('inspector')} reload={detail.reload} />}
      </Loaded>
    </>
  );
}

function CaseView({ c, canAct, reload }: { c: CaseDetail; canAct: boolean; reload: () => void }) {
  const first = c.violations[0];
  const last = c.violations[c.violations.length - 1];
  // The evidence: the car's fixes from a little before the first finding to a little after the last.
  const from = first ? new Date(Date.parse(first.startTime) - 15 * 60_000) : null;
  const to = last ? new Date(Date.parse(last.endTime ?? last.startTime) + 15 * 60_000) : null;
  const track = useLoad(
    () => (from && to ? loadTrack(c.vehicle.id, from.toISOString(), to.toISOString()) : Promise.resolve([])),
    [c.id],
  );
  // Fixes with a GNSS lock: the ones with a position to show.
  const fixes = useMemo(() => (track.data ?? []).filter((f) => f.valid), [track.data]);
  return (
    <div id="case" data-status={c.status}>
      <h2>
        {c.title} <span class="badge">{label(CASE_STATUSES, c.status)}</span>
      </h2>
      <dl>
        <dt>车辆 Car</dt>
        <dd>
          {c.vehicle.plateNumber} · {c.vehicle.unit.name}
        </dd>
        <dt>规则 Rule</dt>
        <dd>{label(RULES, c.rule)}</dd>
        <dt>立案 Opened</dt>
        <dd>{when(c.openedAt)}</dd>
        {c.outcome && (
          <>
            <dt>处理 Outcome</dt>
            <dd id="case-outcome">
              {label(OUTCOMES, c.outcome)} · {c.responsiblePerson}
            </dd>
          </>
        )}
        {c.dismissReason && (
          <>
            <dt>驳回理由 Dismissed because</dt>
            <dd>{c.dismissReason}</dd>
          </>
        )}
      </dl>
      {canAct && c.allowedNext.length > 0 && <Transitions key={c.status} c={c} reload={reload} />}
      <div class="two">
        <div>
          <h3>证据轨迹 Evidence track</h3>
          <EvidenceMap fixes={track.data ? fixes : undefined} violations={c.violations} />
        </div>
        <div>
          <h3>违规记录 Findings</h3>
          <Table
            headers={['开始 Start', '结束 End', '规则 Rule', '地点 Place']}
            rows={c.violations}
            cells={(v) => [when(v.startTime), when(v.endTime), label(RULES, v.rule), v.place ?? '—']}
          />
        </div>
      </div>
      <h3>定位点 Positions ({fixes.length})</h3>
      <Table
        headers={['时间 Fix time', '纬度 Lat', '经度 Lon', '速度 km/h', '点火 Ignition']}
        rows={fixes.slice(0, 500)}
        cells={(f) => [
          when(f.fixTime),
          f.lat.toFixed(5),
          f.lon.toFixed(5),
          num(f.speedKmh),
          f.ignition === true ? '开 On' : f.ignition === false ? '关 Off' : '—',
        ]}
      />
      <h3>备注 Notes</h3>
      <Table
        headers={['时间 At', '作者 Author', '内容 Text']}
        rows={c.notes}
        cells={(n) => [when(n.createdAt), n.author, n.text]}
      />
      {canAct && <NoteForm id={c.id} reload={reload} />}
      <h3>历史 History</h3>
      <Table
        headers={['#', '时间 At', '动作 Action', '操作人 Actor', '内容 Data']}
        rows={c.history}
        cells={(h) => [h.seq, when(h.at), h.action, h.actor, <code>{JSON.stringify(h.data)}</code>]}
      />
    </div>
  );
}

function Transitions({ c, reload }: { c: CaseDetail; reload: () => void }) {
  const { run, busy, view } = useAction();
  const [to, setTo] = useState(c.allowedNext[0]);
  return (
    <form
      id="transition"
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        const data = Object.fromEntries(
          [...new FormData(e.currentTarget).entries()].filter(([, v]) => String(v).trim() !== ''),
        );
        void run(async () => {
          await api(`cases/${c.id}/transitions`, { method: 'POST', body: data });
          reload();
        });
      }}
    >
      <h3>办理 Act on the case</h3>
      <label>
        转为 Move to
        <select name="to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
          {c.allowedNext.map((s) => (
            <option key={s} value={s}>
              {label(CASE_STATUSES, s)}
            </option>
          ))}
        </select>
      </label>
      {to === 'dismissed' && (
        <label>
          驳回理由 Reason
          <textarea name="reason" required />
        </label>
      )}
      {to === 'outcome_recorded' && (
        <>
          <label>
            处理方式 Outcome
            <select name="outcome" required>
              <Options labels={OUTCOMES} />
            </select>
          </label>
          <label>
            责任人 Person responsible
            <input name="responsiblePerson" required />
          </label>
          <label>
            处分种类 Sanction (纪律处分 only)
            <select name="sanctionKind">
              <option value="">—</option>
              {[
                'warning',
                'serious_warning',
                'demerit',
                'major_demerit',
                'demotion',
                'removal_from_post',
                'probation',
                'expulsion',
              ].map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
        </>
      )}
      {to === 'rectified' && (
        <label>
          整改情况 What was corrected
          <textarea name="rectificationNote" required />
        </label>
      )}
      <button type="submit" disabled={busy}>
        提交 Submit
      </button>
      {view}
    </form>
  );
}

function NoteForm({ id, reload }: { id: string; reload: () => void }) {
  const { run, busy, view } = useAction();
  return (
    <form
      id="note"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const text = String(new FormData(form).get('text'));
        void run(async () => {
          await api(`cases/${id}/notes`, { method: 'POST', body: { text } });
          form.reset();
          reload();
        });
      }}
    >
      <textarea name="text" required placeholder="备注 A note" />
      <button type="submit" disabled={busy}>
        添加备注 Add note
      </button>
      {view}
    </form>
  );
}

function EvidenceMap({ fixes, violations }: { fixes?: TrackFix[]; violations: Violation[] }) {
  const div = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const map = L.map(div.current!, { attributionControl: false });
    const setting = tileSetting();
    const show = displayer(setting);
    if (setting.url) L.tileLayer(setting.url).addTo(map);
    map.setView([33.95, 118.35], 11);
    const bounds: L.LatLngExpression[] = [];
    if (fixes && fixes.length >= 2) {
      const points = fixes.map((f) => show(f.lat, f.lon));
      L.polyline(points, { className: 'track', weight: 3 }).addTo(map);
      bounds.push(...points);
    }
    for (const v of violations) {
      if (v.lat === null || v.lon === null) continue;
      const at = show(v.lat, v.lon);
      L.circleMarker(at, { radius: 7, className: 'car car-alarm' }).addTo(map);
      bounds.push(at);
    }
    if (bounds.length > 0) map.fitBounds(L.latLngBounds(bounds), { maxZoom: 15, padding: [20, 20] });
    return () => void map.remove();
  }, [fixes, violations]);
  return <div ref={div} class="map small" />;
}
