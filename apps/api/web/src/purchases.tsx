import { useState } from 'preact/hooks';
import { api, itemsOf, type Me } from './api.js';
import { CATEGORIES, label, num, when } from './labels.js';
import { Loaded, Table, useAction, useLoad } from './ui.js';

interface Request {
  id: string;
  unitId: string;
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
  withdrawnReason: string | null;
}

const PR_STATUS: Record<string, string> = {
  submitted: '已提交 Submitted',
  pre_review_passed: '预审通过 Passed pre-review',
  pre_review_failed: '预审未通过 Failed pre-review',
  on_agenda: '已上会 On the agenda',
  approved: '已批准 Approved',
  rejected: '已否决 Rejected',
  withdrawn: '已撤回 Withdrawn',
};

/** What its unit may still take back (the server also refuses once the meeting has begun). */
const WITHDRAWABLE = ['submitted', 'pre_review_passed', 'pre_review_failed', 'on_agenda'];
/** Pre-reviewed and waiting for a meeting to take it up. */
const AWAITING_MEETING = ['pre_review_passed', 'pre_review_failed'];

/** Asks for a reason the API accepts (at least five characters); null when the user cancels. */
function askReason(question: string): string | null {
  const answer = prompt(`${question}（至少 5 个字 at least 5 characters）`);
  return answer === null ? null : answer.trim();
}

export function PurchasesPage({ roles }: { roles: string[] }) {
  const list = useLoad(() => api<Request[] | { items: Request[] }>('purchase-requests'));
  const { run, busy, view } = useAction();
  const act = (path: string, body: unknown, done: string) =>
    void run(async () => {
      await api(`purchase-requests/${path}`, { method: 'POST', body });
      list.reload();
      return done;
    });
  const actions = (r: Request) => {
    const buttons = [];
    if (roles.includes('centre') && r.status === 'submitted') {
      buttons.push(
        <button
          key="pre-review"
          type="button"
          disabled={busy}
          onClick={() => {
            const note = prompt('预审意见（可不填） Pre-review note (optional)');
            if (note !== null)
              act(`${r.id}/pre-review`, note.trim() ? { note: note.trim() } : {}, '已预审 Pre-reviewed');
          }}
        >
          预审 Pre-review
        </button>,
      );
    }
    if (roles.includes('unit') && WITHDRAWABLE.includes(r.status)) {
      buttons.push(
        <button
          key="withdraw"
          type="button"
          disabled={busy}
          onClick={() => {
            const reason = askReason('撤回理由 Why withdraw?');
            if (reason !== null) act(`${r.id}/withdraw`, { reason }, '已撤回 Withdrawn');
          }}
        >
          撤回 Withdraw
        </button>,
      );
    }
    return buttons.length > 0 ? <span class="actions">{buttons}</span> : '—';
  };
  return (
    <>
      <h2>购车申请 Purchase requests</h2>
      {roles.includes('unit') && <RequestForm onDone={list.reload} />}
      {view}
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
              '操作 Actions',
            ]}
            rows={itemsOf(body)}
            rowClass={(r) => `request ${r.status}`}
            cells={(r) => [
              when(r.createdAt),
              r.unitName,
              label(CATEGORIES, r.category),
              r.count,
              num(r.budgetCny),
              label(PR_STATUS, r.status) + (r.withdrawnReason ? `: ${r.withdrawnReason}` : ''),
              preReview(r.preReview),
              r.justification,
              actions(r),
            ]}
          />
        )}
      </Loaded>
    </>
  );
}

/** A unit clerk's request for their own unit (the server fills in the unit). */
function RequestForm({ onDone }: { onDone: () => void }) {
  const { run, busy, view } = useAction();
  return (
    <form
      id="purchase-form"
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const data = new FormData(form);
        void run(async () => {
          await api('purchase-requests', {
            method: 'POST',
            body: {
              category: data.get('category'),
              count: Number(data.get('count')),
              budgetCny: String(data.get('budgetCny')).trim(),
              engineL: Number(data.get('engineL')),
              justification: String(data.get('justification')).trim(),
            },
          });
          form.reset();
          onDone();
          return '已提交 Submitted';
        });
      }}
    >
      <h3>申请购车 Request a purchase</h3>
      <label>
        类别 Category
        <select name="category" required>
          {Object.entries(CATEGORIES).map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        数量 Count
        <input name="count" type="number" min={1} max={100} step={1} value="1" required />
      </label>
      <label>
        总预算 Budget (CNY)
        <input name="budgetCny" inputMode="decimal" placeholder="175000.00" required />
      </label>
      <label>
        排量 Engine (L)
        <input name="engineL" type="number" min={0} max={10} step={0.01} placeholder="1.5" required />
      </label>
      <label>
        理由 Justification
        <textarea name="justification" minLength={5} maxLength={4000} required />
      </label>
      <button type="submit" disabled={busy}>
        提交 Submit
      </button>
      {view}
    </form>
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
  members: { userId: string; username: string; present: boolean | null }[];
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
    voteClosedReason: string | null;
    withdrawnReason: string | null;
  }[];
  minutes: string | null;
  endedReason: string | null;
}

const MEETING_STATUS: Record<string, string> = {
  open: '进行中 Open',
  closed: '已结束 Closed',
  adjourned: '已休会 Adjourned',
  cancelled: '已取消 Cancelled',
};
const DECISIONS: Record<string, string> = { approved: '批准 Approved', rejected: '否决 Rejected' };
const BALLOTS: Record<string, string> = { approve: '赞成 Approve', reject: '反对 Reject', abstain: '弃权 Abstain' };
const tally = (votes: string[]) =>
  votes.length === 0
    ? '—'
    : `赞成 for ${votes.filter((v) => v === 'approve').length} · 反对 against ${votes.filter((v) => v === 'reject').length}` +
      (votes.some((v) => v !== 'approve' && v !== 'reject')
        ? ` · 其他 other ${votes.filter((v) => v !== 'approve' && v !== 'reject').length}`
        : '');

export function MeetingsPage({ me }: { me: Me }) {
  const list = useLoad(() => api<MeetingRow[] | { items: MeetingRow[] }>('meetings'));
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <h2>联席会议 Joint meetings</h2>
      {me.roles.includes('centre') && (
        <MeetingForm
          onDone={(id) => {
            list.reload();
            setOpen(id);
          }}
        />
      )}
      <Loaded state={list}>
        {(body) => (
          <Table
            headers={['时间 Scheduled', '名称 Title', '状态 Status', '成员 Members', '议题 Agenda items']}
            rows={itemsOf(body)}
            onRow={(m) => setOpen(m.id)}
            cells={(m) => [when(m.scheduledAt), m.title, label(MEETING_STATUS, m.status), m.members, m.agendaItems]}
          />
        )}
      </Loaded>
      {open && <MeetingView key={open} id={open} me={me} onChange={list.reload} />}
    </>
  );
}

/** The centre convenes a meeting: its members are users with the role member, given by their user ids. */
function MeetingForm({ onDone }: { onDone: (id: string) => void }) {
  const { run, busy, view } = useAction();
  return (
    <form
      id="meeting-form"
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const data = new FormData(form);
        void run(async () => {
          const scheduled = String(data.get('scheduledAt'));
          const created = await api<{ id: string }>('meetings', {
            method: 'POST',
            body: {
              title: String(data.get('title')).trim(),
              // The form's local time is Beijing time, whatever the browser's zone.
              scheduledAt: `${scheduled.length === 16 ? `${scheduled}:00` : scheduled}+08:00`,
              memberIds: String(data.get('memberIds'))
                .split(/[\s,，;]+/)
                .filter(Boolean),
            },
          });
          form.reset();
          onDone(created.id);
          return '已召集 Meeting created';
        });
      }}
    >
      <h3>召集会议 Convene a meeting</h3>
      <label>
        名称 Title
        <input name="title" minLength={3} maxLength={200} required />
      </label>
      <label>
        时间 Scheduled (北京时间 Beijing time)
        <input name="scheduledAt" type="datetime-local" required />
      </label>
      <label>
        成员用户 ID Member user ids (每行一个 one a line)
        <textarea name="memberIds" required />
      </label>
      <button type="submit" disabled={busy}>
        召集 Convene
      </button>
      {view}
    </form>
  );
}

function MeetingView({ id, me, onChange }: { id: string; me: Me; onChange: () => void }) {
  const meeting = useLoad(() => api<Meeting>(`meetings/${id}`), [id]);
  const { run, busy, view } = useAction();
  const centre = me.roles.includes('centre');
  const member = me.roles.includes('member');
  /** Posts to the meeting, then shows its new state and what the server said. */
  const act = (path: string, body: unknown, done: string) =>
    void run(async () => {
      await api(`meetings/${id}/${path}`, { method: 'POST', body });
      meeting.reload();
      onChange();
      return done;
    });
  return (
    <Loaded state={meeting}>
      {(m) => {
        const live = m.status === 'open';
        const mine = m.members.find((x) => x.userId === me.id);
        const itemActions = (a: Meeting['agenda'][number]) => {
          if (!live || a.decision || a.withdrawnReason) return '—';
          const ballot = a.votes.find((v) => v.userId === me.id);
          return (
            <span class="actions" data-item={a.position}>
              {member && mine && ballot && `已投 Voted: ${label(BALLOTS, ballot.vote)}`}
              {member &&
                mine &&
                !ballot &&
                Object.entries(BALLOTS).map(([vote, name]) => (
                  <button
                    key={vote}
                    type="button"
                    disabled={busy}
                    onClick={() => act(`items/${a.id}/votes`, { vote }, `已投票 Voted: ${name}`)}
                  >
                    {name}
                  </button>
                ))}
              {centre && (
                <form
                  class="decide"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const reason = String(new FormData(e.currentTarget).get('closeVoteReason') ?? '').trim();
                    act(`items/${a.id}/decide`, reason ? { closeVoteReason: reason } : {}, '已决定 Decided');
                  }}
                >
                  <input name="closeVoteReason" placeholder="未投票仍表决的理由 Reason to close the vote (if needed)" />
                  <button type="submit" disabled={busy}>
                    表决 Decide
                  </button>
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() => {
                      const reason = askReason('撤下议题的理由 Why take the item off?');
                      if (reason !== null) act(`items/${a.id}/withdraw`, { reason }, '已撤下 Taken off');
                    }}
                  >
                    撤下 Take off
                  </button>
                </form>
              )}
            </span>
          );
        };
        return (
          <div id="meeting" data-status={m.status}>
            <h3>
              {m.title} · {label(MEETING_STATUS, m.status)}
            </h3>
            {m.endedReason && <p class="muted">原因 Reason: {m.endedReason}</p>}
            <p>
              出席 Present {m.quorum.present} / {m.quorum.members}（法定人数 quorum {m.quorum.needed}）
            </p>
            {view}
            {centre && live ? (
              <form
                id="attendance"
                onSubmit={(e) => {
                  e.preventDefault();
                  const present = new FormData(e.currentTarget).getAll('present').map(String);
                  act('attendance', { present }, '已记录出席 Attendance recorded');
                }}
              >
                <Table
                  headers={['成员 Member', '出席 Present']}
                  rows={m.members}
                  cells={(x) => [
                    x.username,
                    <label key={x.userId}>
                      <input type="checkbox" name="present" value={x.userId} checked={x.present === true} /> 出席
                      Present
                    </label>,
                  ]}
                />
                <button type="submit" disabled={busy}>
                  记录出席 Record attendance
                </button>
              </form>
            ) : (
              <Table
                headers={['成员 Member', '出席 Present']}
                rows={m.members}
                cells={(x) => [x.username, x.present === null ? '—' : x.present ? '出席 Yes' : '缺席 No']}
              />
            )}
            <Table
              headers={[
                '#',
                '单位 Unit',
                '类别 Category',
                '数量 Count',
                '预算 Budget',
                '投票 Votes',
                '决定 Decision',
                '操作 Actions',
              ]}
              rows={m.agenda}
              rowClass={(a) => `item ${a.decision ?? (a.withdrawnReason ? 'withdrawn' : 'open')}`}
              cells={(a) => [
                a.position,
                a.unitName,
                label(CATEGORIES, a.category),
                a.count,
                num(a.budgetCny),
                tally(a.votes.map((v) => v.vote)),
                a.withdrawnReason
                  ? `已撤下 Taken off: ${a.withdrawnReason}`
                  : label(DECISIONS, a.decision) + (a.voteClosedReason ? ` (${a.voteClosedReason})` : ''),
                itemActions(a),
              ]}
            />
            {centre && live && (
              <AgendaForm
                key={m.agenda.length}
                busy={busy}
                onAdd={(requestId) => act('agenda', { requestId }, '已上会 On the agenda')}
              />
            )}
            {centre && live && (
              <form
                id="end-meeting"
                onSubmit={(e) => {
                  e.preventDefault();
                  const submitter = (e as unknown as { submitter: HTMLButtonElement | null }).submitter;
                  const reason = String(new FormData(e.currentTarget).get('reason')).trim();
                  const how = submitter?.value === 'cancel' ? 'cancel' : 'adjourn';
                  act(how, { reason }, how === 'cancel' ? '会议已取消 Cancelled' : '会议已休会 Adjourned');
                }}
              >
                <label>
                  休会或取消的理由 Reason to adjourn or cancel
                  <input name="reason" minLength={5} maxLength={2000} required />
                </label>
                <button type="submit" name="how" value="adjourn" disabled={busy}>
                  休会 Adjourn
                </button>
                <button type="submit" name="how" value="cancel" disabled={busy}>
                  取消 Cancel
                </button>
              </form>
            )}
            {m.minutes && <p class="muted">纪要 Minutes: {m.minutes}</p>}
          </div>
        );
      }}
    </Loaded>
  );
}

/** Puts a pre-reviewed request that awaits a meeting on this meeting's agenda. */
function AgendaForm({ busy, onAdd }: { busy: boolean; onAdd: (requestId: string) => void }) {
  const waiting = useLoad(() => api<Request[] | { items: Request[] }>('purchase-requests'));
  return (
    <Loaded state={waiting}>
      {(body) => {
        const rows = itemsOf(body).filter((r) => AWAITING_MEETING.includes(r.status));
        if (rows.length === 0) return <p class="muted">没有待上会的申请 No request awaits a meeting.</p>;
        return (
          <form
            id="agenda-form"
            onSubmit={(e) => {
              e.preventDefault();
              onAdd(String(new FormData(e.currentTarget).get('requestId')));
            }}
          >
            <label>
              上会申请 Request to put on the agenda
              <select name="requestId" required>
                {rows.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.unitName} · {label(CATEGORIES, r.category)} × {r.count} · {num(r.budgetCny)} ·{' '}
                    {label(PR_STATUS, r.status)}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" disabled={busy}>
              列入议程 Put on the agenda
            </button>
          </form>
        );
      }}
    </Loaded>
  );
}
