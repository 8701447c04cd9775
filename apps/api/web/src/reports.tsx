import { useEffect, useState } from 'preact/hooks';
import { api, download, itemsOf, type Me } from './api.js';
import { localDay, when } from './labels.js';
import { Loaded, Table, useAction, useLoad } from './ui.js';

interface Job {
  id: string;
  kind: 'activity' | 'weekly_audit' | 'monthly_oversight';
  format: 'pdf' | 'xlsx';
  period: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  trigger: 'request' | 'schedule';
  requestedBy: string;
  error: string | null;
  file: { name: string; size: number } | null;
  deliveries: { channel: string; recipient: string; status: string }[];
  createdAt: string;
}

const KINDS: Record<Job['kind'], string> = {
  activity: '运行报告 Activity',
  weekly_audit: '每周抽查 Weekly audit',
  monthly_oversight: '监管月报 Monthly oversight',
};

const STATUSES: Record<Job['status'], string> = {
  queued: '排队 Queued',
  running: '生成中 Running',
  done: '完成 Done',
  failed: '失败 Failed',
};

/** The first and last day of the month before the one an instant falls in (local time). */
function previousMonth(now: Date): { month: string; first: string; last: string } {
  const today = localDay(now);
  const firstOfThis = new Date(`${today.slice(0, 8)}01T00:00:00Z`);
  const last = new Date(firstOfThis.getTime() - 86_400_000).toISOString().slice(0, 10);
  return { month: last.slice(0, 7), first: `${last.slice(0, 8)}01`, last };
}

export function ReportsPage({ me }: { me: Me }) {
  const oversight = me.roles.some((r) => r === 'centre' || r === 'inspector');
  const jobs = useLoad(() => api<{ items: Job[] }>('report-jobs?limit=50'));
  const pending = itemsOf(jobs.data).some((j) => j.status === 'queued' || j.status === 'running');
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(jobs.reload, 2000);
    return () => clearInterval(timer);
  }, [pending]);
  return (
    <>
      <h2>报表 Reports</h2>
      {oversight && <MonthlyForm />}
      {oversight && <WeeklyForm />}
      <ActivityForm me={me} onQueued={jobs.reload} />
      <h3>报表任务 Report jobs</h3>
      <p class="muted">
        大范围的报表在后台生成；每月 1 日 06:00 自动生成上月监管月报（触发方式“定时”）。 Large reports are made in the
        background; the previous month’s oversight report is made at 06:00 on the 1st (trigger “schedule”).
      </p>
      <Loaded state={jobs}>{(body) => <JobTable jobs={itemsOf(body)} />}</Loaded>
    </>
  );
}

function MonthlyForm() {
  const { run, busy, view } = useAction();
  const [month, setMonth] = useState(previousMonth(new Date()).month);
  const get = (format: string) =>
    run(async () => {
      const [year, m] = month.split('-').map(Number);
      const name = await download(`reports/monthly-oversight?year=${year}&month=${m}&format=${format}`);
      return `已下载 Downloaded ${name}`;
    });
  return (
    <form id="monthly-report" class="panel" onSubmit={(e) => e.preventDefault()}>
      <h3>监管月报 Monthly oversight report</h3>
      <p class="muted">统计数字与“统计”接口相同，附图表。 The figures of the statistics, with charts.</p>
      <label>
        月份 Month
        <input name="month" type="month" required value={month} onInput={(e) => setMonth(e.currentTarget.value)} />
      </label>
      <button type="button" name="pdf" disabled={busy} onClick={() => void get('pdf')}>
        下载 PDF
      </button>
      <button type="button" name="xlsx" disabled={busy} onClick={() => void get('xlsx')}>
        下载 XLSX
      </button>
      {view}
    </form>
  );
}

function WeeklyForm() {
  const weeks = useLoad(() => api<{ weeks: { week: string }[] }>('audits'));
  const { run, busy, view } = useAction();
  const [week, setWeek] = useState('');
  const get = (chosen: string, format: string) =>
    run(async () => `已下载 Downloaded ${await download(`reports/weekly-audit?week=${chosen}&format=${format}`)}`);
  return (
    <form id="weekly-report" class="panel" onSubmit={(e) => e.preventDefault()}>
      <h3>每周抽查报告 Weekly audit report</h3>
      <Loaded state={weeks}>
        {(body) => {
          const chosen = week || body.weeks[0]?.week || '';
          if (!chosen) return <p class="muted">尚无抽查 No week has been drawn yet.</p>;
          return (
            <>
              <label>
                周 Week
                <select name="week" value={chosen} onChange={(e) => setWeek(e.currentTarget.value)}>
                  {body.weeks.map((w) => (
                    <option key={w.week} value={w.week}>
                      {w.week}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" name="pdf" disabled={busy} onClick={() => void get(chosen, 'pdf')}>
                下载 PDF
              </button>
              <button type="button" name="xlsx" disabled={busy} onClick={() => void get(chosen, 'xlsx')}>
                下载 XLSX
              </button>
            </>
          );
        }}
      </Loaded>
      {view}
    </form>
  );
}

function ActivityForm({ me, onQueued }: { me: Me; onQueued: () => void }) {
  const clerk = !me.roles.some((r) => r === 'centre' || r === 'inspector');
  const cars = useLoad(() =>
    api<{ items: { id: string; plateNumber: string; unitName: string }[] }>('vehicles?pageSize=500&status=active'),
  );
  const units = useLoad(() => (clerk ? Promise.resolve([]) : api<{ id: string; name: string }[]>('units')));
  const { run, busy, view } = useAction();
  const month = previousMonth(new Date());
  const [scope, setScope] = useState<'car' | 'unit' | 'fleet'>('car');
  const read = (form: HTMLFormElement) => Object.fromEntries(new FormData(form).entries()) as Record<string, string>;
  return (
    <form
      id="activity-report"
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        const form = read(e.currentTarget);
        void run(async () => {
          const body: Record<string, string> = { kind: 'activity', format: form.format, from: form.from, to: form.to };
          if (scope === 'car') body.vehicleId = form.vehicleId;
          if (scope === 'unit' && !clerk) body.unitId = form.unitId;
          await api('report-jobs', { method: 'POST', body });
          onQueued();
          return '已加入任务 Queued: see the report jobs below';
        });
      }}
    >
      <h3>运行报告 Activity report</h3>
      <p class="muted">
        行程、停车、里程、非工作时间里程、违规。 Trips, stops, distance, off-hours distance, findings.
        {clerk ? ' 仅本单位车辆 Your unit’s cars only.' : ''}
      </p>
      <label>
        范围 Scope
        <select name="scope" value={scope} onChange={(e) => setScope(e.currentTarget.value as typeof scope)}>
          <option value="car">单车 One car</option>
          <option value="unit">{clerk ? '本单位 My unit' : '单位 One unit'}</option>
          {!clerk && <option value="fleet">全部车辆 Whole fleet</option>}
        </select>
      </label>
      {scope === 'car' && (
        <label>
          车辆 Car
          <Loaded state={cars}>
            {(body) => (
              <select name="vehicleId" required>
                {itemsOf(body).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.plateNumber} · {c.unitName}
                  </option>
                ))}
              </select>
            )}
          </Loaded>
        </label>
      )}
      {scope === 'unit' && !clerk && (
        <label>
          单位 Unit
          <Loaded state={units}>
            {(body) => (
              <select name="unitId" required>
                {body.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
              </select>
            )}
          </Loaded>
        </label>
      )}
      <label>
        开始 From
        <input name="from" type="date" required value={month.first} />
      </label>
      <label>
        结束 To
        <input name="to" type="date" required value={month.last} />
      </label>
      <label>
        格式 Format
        <select name="format">
          <option value="pdf">PDF</option>
          <option value="xlsx">XLSX</option>
        </select>
      </label>
      {scope === 'car' && (
        <button
          type="button"
          name="now"
          disabled={busy}
          onClick={(e) => {
            const form = read(e.currentTarget.form!);
            void run(async () => {
              const query = `vehicleId=${form.vehicleId}&from=${form.from}&to=${form.to}&format=${form.format}`;
              return `已下载 Downloaded ${await download(`reports/activity?${query}`)}`;
            });
          }}
        >
          立即下载 Download now
        </button>
      )}
      <button type="submit" disabled={busy}>
        后台生成 Make as a job
      </button>
      {view}
    </form>
  );
}

function JobTable({ jobs }: { jobs: Job[] }) {
  const { run, view } = useAction();
  return (
    <>
      <Table
        headers={[
          '报表 Report',
          '期间 Period',
          '格式 Format',
          '状态 Status',
          '申请 Asked by',
          '时间 Asked',
          '送达 Delivered',
          '',
        ]}
        rows={jobs}
        rowClass={(j) => `job-${j.status}`}
        cells={(j) => [
          KINDS[j.kind],
          j.period,
          j.format.toUpperCase(),
          j.status === 'running'
            ? `${STATUSES.running} ${j.progress} %`
            : j.status === 'failed'
              ? `${STATUSES.failed}: ${j.error ?? ''}`
              : STATUSES[j.status],
          j.trigger === 'schedule' ? '定时 Schedule' : j.requestedBy,
          when(j.createdAt),
          j.deliveries
            .filter((d) => d.status === 'delivered')
            .map((d) => d.channel)
            .join(', ') || '—',
          j.file ? (
            <button
              type="button"
              onClick={() => void run(async () => `已下载 ${await download(`report-jobs/${j.id}/file`)}`)}
            >
              下载 Download
            </button>
          ) : (
            '—'
          ),
        ]}
      />
      {view}
    </>
  );
}
