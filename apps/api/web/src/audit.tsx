import { useState } from 'preact/hooks';
import { api } from './api.js';
import { AUDIT_ITEMS, label, num, when } from './labels.js';
import { Card, Loaded, Table, useAction, useLoad } from './ui.js';

interface AuditList {
  currentWeek: string;
  weeks: { week: string }[];
  missedWeeks?: string[];
}
interface Item {
  id: string;
  plateNumber: string;
  position: number;
  status: string;
  overdue: boolean;
  previousWeek: { trips: number; distanceKm: number; offHoursDistanceKm: number; findings: unknown };
  note: string | null;
  reviewedBy: string | null;
}
interface Week {
  week: string;
  firstDay: string;
  lastDay: string;
  drawnAt: string;
  algorithm: string;
  seed: string;
  rosterHash: string;
  activeCount: number;
  sampleSize: number;
  dueAt: string;
  progress: { done: number; total: number };
  items: Item[];
}
interface Verification {
  verified: boolean;
  checks: Record<string, boolean>;
}

const CHECKS: Record<string, string> = {
  rosterHashMatches: '名单哈希一致 Roster hash matches',
  rosterIsCanonical: '名单规范排序 Roster in canonical order',
  activeCountMatchesRoster: '在用车辆数一致 Active count matches',
  sampleMatches: '重新抽取结果一致 Redrawn sample matches',
  itemsMatchSample: '核查条目一致 Items match the sample',
  sampleSizeMeetsPolicy: '抽取比例不低于10% At least 10 % drawn',
  rosterCarsRegistered: '名单车辆均已登记 Every roster car registered',
};

export function AuditPage({ roles }: { roles: string[] }) {
  const list = useLoad(() => api<AuditList>('audits'));
  const [week, setWeek] = useState<string | null>(null);
  return (
    <Loaded state={list}>
      {(l) => {
        const shown = week ?? (l.weeks.some((w) => w.week === l.currentWeek) ? l.currentWeek : l.weeks[0]?.week);
        return (
          <>
            <h2>每周抽查 Weekly audit</h2>
            {l.missedWeeks?.length ? (
              <p class="notice">漏抽周次 Weeks without a draw: {l.missedWeeks.join(', ')}</p>
            ) : null}
            {roles.includes('centre') && !l.weeks.some((w) => w.week === l.currentWeek) && (
              <DrawButton onDone={list.reload} />
            )}
            <p class="filters">
              <label>
                周次 Week
                <select value={shown} onChange={(e) => setWeek(e.currentTarget.value)}>
                  {l.weeks.map((w) => (
                    <option key={w.week} value={w.week}>
                      {w.week}
                      {w.week === l.currentWeek ? ' (本周 this week)' : ''}
                    </option>
                  ))}
                </select>
              </label>
            </p>
            {shown ? (
              <WeekView week={shown} canMark={roles.includes('inspector')} />
            ) : (
              <p class="notice">尚未抽取 Nothing drawn yet.</p>
            )}
          </>
        );
      }}
    </Loaded>
  );
}

function WeekView({ week, canMark }: { week: string; canMark: boolean }) {
  const detail = useLoad(() => api<Week>(`audits/${encodeURIComponent(week)}`), [week]);
  const [verification, setVerification] = useState<Verification | null>(null);
  const verify = useAction();
  return (
    <Loaded state={detail}>
      {(w) => (
        <div id="audit-week" data-week={w.week}>
          <p class="muted">
            {w.firstDay} – {w.lastDay} · 抽取 {w.sampleSize} / {w.activeCount} 辆 cars drawn · 截止 due {when(w.dueAt)}
          </p>
          <div class="cards">
            <Card title="已核查 Reviewed" value={`${w.progress.done} / ${w.progress.total}`} />
            <Card title="抽取时间 Drawn at" value={when(w.drawnAt)} />
          </div>
          <dl class="draw">
            <dt>算法 Algorithm</dt>
            <dd>{w.algorithm}</dd>
            <dt>随机种子 Seed</dt>
            <dd>
              <code id="audit-seed">{w.seed}</code>
            </dd>
            <dt>名单哈希 Roster hash</dt>
            <dd>
              <code>{w.rosterHash}</code>
            </dd>
          </dl>
          <p>
            <button
              type="button"
              id="verify"
              disabled={verify.busy}
              onClick={() =>
                void verify.run(async () => {
                  setVerification(await api<Verification>(`audits/${encodeURIComponent(w.week)}/verify`));
                })
              }
            >
              验证抽取 Verify the draw
            </button>
          </p>
          {verify.view}
          {verification && (
            <div id="verification" class={verification.verified ? 'ok' : 'error'} role="status">
              <b>
                {verification.verified
                  ? '抽取结果与种子和名单一致 The draw matches its seed and roster'
                  : '抽取结果不一致 The draw does NOT match'}
              </b>
              <ul>
                {Object.entries(verification.checks).map(([k, v]) => (
                  <li key={k}>
                    {v ? '✔' : '✘'} {CHECKS[k] ?? k}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <Table
            headers={[
              '#',
              '车牌 Plate',
              '状态 Status',
              '上周行程 Trips',
              '里程 km',
              '非工作时间 Off-hours km',
              '核查人 Reviewer',
              '',
            ]}
            rows={w.items}
            rowClass={(i) => (i.overdue ? 'overdue' : '')}
            cells={(i) => [
              i.position,
              i.plateNumber,
              label(AUDIT_ITEMS, i.status),
              num(i.previousWeek.trips),
              num(i.previousWeek.distanceKm),
              num(i.previousWeek.offHoursDistanceKm),
              i.reviewedBy ?? '—',
              canMark && i.status === 'pending' ? (
                <Mark week={w.week} item={i} reload={detail.reload} />
              ) : (
                (i.note ?? '')
              ),
            ]}
          />
        </div>
      )}
    </Loaded>
  );
}

function Mark({ week, item, reload }: { week: string; item: Item; reload: () => void }) {
  const { run, busy, view } = useAction();
  const mark = (result: 'compliant' | 'issue_found') =>
    void run(async () => {
      const note = result === 'issue_found' ? prompt('发现的问题 What was found?') : null;
      if (result === 'issue_found' && !note) return;
      await api(`audits/${encodeURIComponent(week)}/items/${item.id}`, {
        method: 'POST',
        body: note ? { result, note } : { result },
      });
      reload();
    });
  return (
    <span class="actions">
      <button type="button" disabled={busy} onClick={() => mark('compliant')}>
        合规 Compliant
      </button>
      <button type="button" disabled={busy} onClick={() => mark('issue_found')}>
        发现问题 Issue found
      </button>
      {view}
    </span>
  );
}

/** The centre draws the week by hand when the scheduled draw has not run yet. */
function DrawButton({ onDone }: { onDone: () => void }) {
  const { run, busy, view } = useAction();
  return (
    <p>
      <button
        type="button"
        id="draw"
        disabled={busy}
        onClick={() =>
          void run(async () => {
            await api('audits/draw', { method: 'POST' });
            onDone();
          })
        }
      >
        抽取本周 Draw this week
      </button>
      {view}
    </p>
  );
}
