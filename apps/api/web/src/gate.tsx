import { useState } from 'preact/hooks';
import { api, itemsOf } from './api.js';
import { EXPENSES, label, localDay, when } from './labels.js';
import { Loaded, Options, Table, useAction, useLoad } from './ui.js';

interface Check {
  checkId?: string;
  id?: string;
  decision: 'allow' | 'deny';
  reasons: { code: string; message: string }[];
  plateNumber?: string;
  vehicle?: { plateNumber: string; unit: string | null } | null;
  expenseType: string;
  amount: string;
  invoiceNo: string;
  expenseDate?: string;
  checkedAt: string;
}

export function GatePage({ roles }: { roles: string[] }) {
  const [decision, setDecision] = useState('');
  const log = useLoad(
    () =>
      api<{ items: Check[]; total: number }>(`payment-gate/checks?limit=200${decision ? `&decision=${decision}` : ''}`),
    [decision],
  );
  return (
    <>
      <h2>付款核查 Payment gate</h2>
      {roles.includes('finance') && <CheckForm onDone={log.reload} />}
      <h3>决定记录 Decision log</h3>
      <p class="filters">
        <label>
          结论 Decision
          <select value={decision} onChange={(e) => setDecision(e.currentTarget.value)}>
            <option value="">全部 All</option>
            <option value="deny">拒付 Deny</option>
            <option value="allow">准付 Allow</option>
          </select>
        </label>
      </p>
      <Loaded state={log}>
        {(body) => (
          <Table
            headers={[
              '核查时间 Checked',
              '车牌 Plate',
              '费用 Expense',
              '金额 Amount (CNY)',
              '发票 Invoice',
              '结论 Decision',
              '原因 Reasons',
            ]}
            rows={itemsOf(body)}
            rowClass={(c) => c.decision}
            cells={(c) => [
              when(c.checkedAt),
              c.plateNumber ?? c.vehicle?.plateNumber ?? '—',
              label(EXPENSES, c.expenseType),
              c.amount,
              c.invoiceNo,
              c.decision === 'deny' ? '拒付 Deny' : '准付 Allow',
              c.reasons.map((r) => `${r.code}: ${r.message}`).join('; ') || '—',
            ]}
          />
        )}
      </Loaded>
    </>
  );
}

function CheckForm({ onDone }: { onDone: () => void }) {
  const { run, busy, view } = useAction();
  return (
    <form
      id="gate-check"
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        const body = Object.fromEntries(new FormData(e.currentTarget).entries());
        void run(async () => {
          const answer = await api<Check>('payment-gate/checks', { method: 'POST', body });
          onDone();
          return answer.decision === 'allow'
            ? '准付 Allowed'
            : `拒付 Denied: ${answer.reasons.map((r) => r.message).join('; ')}`;
        });
      }}
    >
      <h3>人工核查 Manual check</h3>
      <label>
        车牌 Plate
        <input name="plateNumber" required placeholder="苏N·A1234" />
      </label>
      <label>
        费用类型 Expense
        <select name="expenseType">
          <Options labels={EXPENSES} />
        </select>
      </label>
      <label>
        金额 Amount (CNY)
        <input name="amount" required inputMode="decimal" placeholder="356.80" />
      </label>
      <label>
        发票号 Invoice no.
        <input name="invoiceNo" required />
      </label>
      <label>
        费用日期 Expense date
        <input name="expenseDate" type="date" required value={localDay(new Date())} />
      </label>
      <button type="submit" disabled={busy}>
        核查 Check
      </button>
      {view}
    </form>
  );
}
