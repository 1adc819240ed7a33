// Leave balances of every member in scope for a year (admin/HR): entitled, taken, pending and
// remaining days per type, with an adjustment (+/- days and a required reason) that the server
// records with its author.
import { useState } from 'react';
import { get, items, post } from '../../lib/api';
import { businessToday, formatDateTime } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import { Page } from '../../components/Layout';
import { useToast } from '../../components/toast';
import { Button, Card, Dialog, EmptyState, Loadable, SelectField, SkeletonRows, Table, Td, TextArea, TextField } from '../../components/ui';
import { LEAVE_LABEL, leaveLabel, type Balance } from '../employee/Leaves';

interface MemberBalances { user_id: string; user_full_name: string; year: number; balances: Balance[]; adjustments: { id: string; leave_type: string; delta_days: number; reason: string; actor_name: string; created_at: string }[] }

function cell(b: Balance | undefined) {
  if (!b) return '—';
  return b.limited ? `${b.remaining_days} left` : `${b.taken_days} taken`;
}

export function LeaveBalancesPage() {
  const { tz } = useSession();
  const toast = useToast();
  const thisYear = Number(businessToday(tz).slice(0, 4));
  const [year, setYear] = useState(thisYear);
  const [adjust, setAdjust] = useState<MemberBalances | null>(null);
  const [f, setF] = useState({ leave_type: 'annual', delta: '', reason: '' });
  const [busy, setBusy] = useState(false);
  const st = useLoad(() => get('/leaves/balances', { year }).then((d) => items<MemberBalances>(d)), [year]);
  const delta = Number(f.delta);
  const valid = f.delta.trim() !== '' && Number.isFinite(delta) && delta !== 0 && Math.abs(delta) <= 365 && f.reason.trim().length >= 3;
  const types = Object.keys(LEAVE_LABEL);
  return (
    <Page title="Leave balances">
      <Card title={`Balances ${year}`} actions={<SelectField label="Year" value={String(year)} onChange={(e) => setYear(Number(e.target.value))}>
        {[thisYear + 1, thisYear, thisYear - 1, thisYear - 2].map((y) => <option key={y} value={y}>{y}</option>)}</SelectField>}>
        <Loadable state={st} skeleton={<SkeletonRows rows={5} cols={6} />}>
          {(list) => list.length === 0 ? <EmptyState title="No members in scope" /> : (
            <Table caption="Leave balances" head={[{ label: 'Member' }, ...types.map((t) => ({ label: leaveLabel(t), hideSm: t !== 'annual' })), { label: 'Actions' }]}>
              {list.map((m) => (
                <tr key={m.user_id}>
                  <Td className="font-medium">{m.user_full_name}{m.adjustments.length > 0 && <span className="block text-xs text-slate-600">Last adjusted {formatDateTime(m.adjustments[0].created_at, tz)} by {m.adjustments[0].actor_name}</span>}</Td>
                  {types.map((t) => <Td key={t} hideSm={t !== 'annual'}>{cell(m.balances.find((b) => b.leave_type === t))}</Td>)}
                  <Td><Button variant="secondary" onClick={() => { setF({ leave_type: 'annual', delta: '', reason: '' }); setAdjust(m); }}>Adjust</Button></Td>
                </tr>
              ))}
            </Table>
          )}
        </Loadable>
      </Card>
      <Dialog open={adjust !== null} title={adjust ? `Adjust ${adjust.user_full_name}'s ${year} balance` : ''} onClose={() => setAdjust(null)} footer={<>
        <Button variant="secondary" onClick={() => setAdjust(null)}>Cancel</Button>
        <Button disabled={!valid} busy={busy} onClick={async () => {
          if (!adjust) return;
          setBusy(true);
          try {
            await post('/leaves/balances/adjust', { user_id: adjust.user_id, leave_type: f.leave_type, year, delta_days: delta, reason: f.reason.trim() });
            toast.success(`${leaveLabel(f.leave_type)} of ${adjust.user_full_name} adjusted by ${delta > 0 ? '+' : ''}${delta} day(s).`);
            setAdjust(null); st.reload();
          } catch (e) { toast.error(e); } finally { setBusy(false); }
        }}>Save adjustment</Button></>}>
        <div className="space-y-4">
          <SelectField label="Type" value={f.leave_type} onChange={(e) => setF({ ...f, leave_type: e.target.value })}>{types.map((t) => <option key={t} value={t}>{leaveLabel(t)}</option>)}</SelectField>
          <TextField label="Days to add (negative to remove)" type="number" step="0.5" value={f.delta} onChange={(e) => setF({ ...f, delta: e.target.value })} />
          <TextArea label="Reason" value={f.reason} onChange={(e) => setF({ ...f, reason: e.target.value })} hint="Required; kept with the adjustment." maxLength={500} />
        </div>
      </Dialog>
    </Page>
  );
}
