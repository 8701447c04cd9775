import { useState } from 'preact/hooks';
import { api, itemsOf } from './api.js';
import { CATEGORIES, label, num, when } from './labels.js';
import { Loaded, Table, useLoad } from './ui.js';

interface Request {
  id: string;
  unitName: string;
  category: string;
  count: number;
  budgetCny: string;
  justification: string;
  status: string;
  preReview: {
    outcome?: string;
    note?: string | null;
    checks?: Record<string, { passed: boolean }>;
    failed?: string[];
  } | null;
  createdAt: string;
}

const PR_STATUS: Record<string, string> = {
  submitted: '已提交 Submitted',
  pre_reviewed: '已预审 Pre-reviewed',
  pre_review_failed: '预审未通过 Failed pre-review',
  on_agenda: '已上会 On the agenda',
  approved: '已批准 Approved',
  rejected: '已否决 Rejected',
};

export function PurchasesPage() {
  const list = useLoad(() => api<{ items: Request[] }>('purchase-requests?limit=200'));
  return (
    <>
      <h2>购车申请 Purchase requests</h2>
      <Loaded state={list}>
        {(body) => (
          <Table
            headers={[
              '提交 Submitted',
              '单位 Unit',
              '类别 Category',
              '数量 Count',
              '预算 Budget (CNY)',
              '状态 Status',
              '预审 Pre-review',
              '理由 Justification',
            ]}
            rows={itemsOf(body)}
            cells={(r) => [
              when(r.createdAt),
              r.unitName,
              label(CATEGORIES, r.category),
              r.count,
              num(r.budgetCny),
              label(PR_STATUS, r.status),
              preReview(r.preReview),
              r.justification,
            ]}
          />
        )}
      </Loaded>
    </>
  );
}

const CHECK_NAMES: Record<string, string> = { price: '价格 price', quota: '编制 quota', engine: '排量 engine' };

/** The centre's pre-review: its outcome and each standard checked (price per car, the unit's quota, engine). */
function preReview(p: Request['preReview']): string {
  if (!p) return '待预审 Not yet';
  const checks = Object.entries(p.checks ?? {})
    .map(([name, c]) => `${CHECK_NAMES[name] ?? name} ${c.passed ? '✔' : '✘'}`)
    .join(' · ');
  const outcome =
    p.outcome === 'passed' ? '通过 Passed' : p.outcome === 'failed' ? '未通过 Failed' : (p.outcome ?? '—');
  return `${outcome}: ${checks}${p.note ? ` — ${p.note}` : ''}`;
}

interface MeetingRow {
  id: string;
  title: string;
  scheduledAt: string;
  status: string;
  members: number;
  agendaItems: number;
}
interface Meeting {
  id: string;
  title: string;
  status: string;
  members: { username: string; present: boolean | null }[];
  quorum: { members: number; present: number; needed: number };
  agenda: {
    id: string;
    position: number;
    unitName: string;
    category: string;
    count: number;
    budgetCny: string;
    votes: { userId: string; vote: string }[];
    decision: string | null;
  }[];
  minutes: string | null;
}

const DECISIONS: Record<string, string> = { approved: '批准 Approved', rejected: '否决 Rejected' };
const tally = (votes: string[]) =>
  votes.length === 0
    ? '—'
    : `赞成 for ${votes.filter((v) => v === 'approve').length} · 反对 against ${votes.filter((v) => v === 'reject').length}` +
      (votes.some((v) => v !== 'approve' && v !== 'reject')
        ? ` · 其他 other ${votes.filter((v) => v !== 'approve' && v !== 'reject').length}`
        : '');

export function MeetingsPage() {
  const list = useLoad(() => api<{ items: MeetingRow[] }>('meetings?limit=200'));
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <h2>联席会议 Joint meetings</h2>
      <Loaded state={list}>
        {(body) => (
          <Table
            headers={['时间 Scheduled', '名称 Title', '状态 Status', '成员 Members', '议题 Agenda items']}
            rows={itemsOf(body)}
            onRow={(m) => setOpen(m.id)}
            cells={(m) => [when(m.scheduledAt), m.title, m.status, m.members, m.agendaItems]}
          />
        )}
      </Loaded>
      {open && <MeetingView id={open} />}
    </>
  );
}

function MeetingView({ id }: { id: string }) {
  const meeting = useLoad(() => api<Meeting>(`meetings/${id}`), [id]);
  return (
    <Loaded state={meeting}>
      {(m) => (
        <div id="meeting">
          <h3>{m.title}</h3>
          <p>
            出席 Present {m.quorum.present} / {m.quorum.members}（法定人数 quorum {m.quorum.needed}）
          </p>
          <Table
            headers={['成员 Member', '出席 Present']}
            rows={m.members}
            cells={(x) => [x.username, x.present === null ? '—' : x.present ? '出席 Yes' : '缺席 No']}
          />
          <Table
            headers={['#', '单位 Unit', '类别 Category', '数量 Count', '预算 Budget', '投票 Votes', '决定 Decision']}
            rows={m.agenda}
            cells={(a) => [
              a.position,
              a.unitName,
              label(CATEGORIES, a.category),
              a.count,
              num(a.budgetCny),
              tally(a.votes.map((v) => v.vote)),
              label(DECISIONS, a.decision),
            ]}
          />
          {m.minutes && <p class="muted">纪要 Minutes: {m.minutes}</p>}
        </div>
      )}
    </Loaded>
  );
}
