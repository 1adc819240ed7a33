// Attendance exceptions centre (spec 04 §9, 13 §4.3): summary chips, date/status/type filters,
// resolve with a note (>= 3 characters) or dismiss.
import { useState } from 'react';
import { get, post } from '../../lib/api';
import { addDays, businessToday, formatDate, formatTime, humanize } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import { Page } from '../../components/Layout';
import { useToast } from '../../components/toast';
import { Button, Card, Dialog, EmptyState, Loadable, SelectField, SkeletonRows, StatusBadge, Table, Td, TextArea, TextField } from '../../components/ui';

interface Exc { id: string; user_name: string; department: string | null; type: string; severity: string; status: string; business_date: string; shift_name: string | null; check_in_at: string | null; check_out_at: string | null; reason: string | null; resolution_note: string | null }
interface Resp { summary: Record<string, number>; exceptions: Exc[] }
const TYPES = ['late', 'early', 'missing_checkout', 'absent', 'overtime', 'active_too_long', 'correction_request'];

export function ExceptionsPage() {
  const { tz } = useSession();
  const toast = useToast();
  const today = businessToday(tz);
  const [from, setFrom] = useState(addDays(today, -6));
  const [to, setTo] = useState(today);
  const [status, setStatus] = useState('open');
  const [type, setType] = useState('');
  const [act, setAct] = useState<{ e: Exc; kind: 'resolve' | 'dismiss' } | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const st = useLoad(() => get<Resp>('/attendance/exceptions', { start_date: from, end_date: to, status, type: type || undefined, limit: 200 }), [from, to, status, type]);
  const noteOk = act?.kind === 'dismiss' || note.trim().length >= 3;
  return (
    <Page title="Attendance exceptions">
      <Loadable state={st} skeleton={<SkeletonRows rows={1} cols={6} />}>
        {(r) => (
          <div className="flex flex-wrap gap-2" aria-label="Summary">
            {['open', ...TYPES.slice(0, 6)].map((k) => (
              <button key={k} type="button" onClick={() => (k === 'open' ? setStatus('open') : setType(type === k ? '' : k))}
                className={`rounded-full border px-3 py-1 text-sm ${type === k ? 'border-indigo-700 bg-indigo-50 text-indigo-800' : 'border-slate-300 bg-white text-slate-700'}`}>
                {humanize(k)} <strong className="tabular-nums">{r.summary[k] ?? 0}</strong>
              </button>
            ))}
          </div>
        )}
      </Loadable>
      <Card title="Exceptions" actions={<div className="flex flex-wrap items-end gap-2">
        <TextField label="From" type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        <TextField label="To" type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
        <SelectField label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="open">Open</option><option value="resolved">Resolved</option><option value="dismissed">Dismissed</option><option value="all">All</option>
        </SelectField>
        <SelectField label="Type" value={type} onChange={(e) => setType(e.target.value)}>
          <option value="">All types</option>{TYPES.map((t) => <option key={t} value={t}>{humanize(t)}</option>)}
        </SelectField>
      </div>}>
        <Loadable state={st} skeleton={<SkeletonRows rows={5} cols={5} />}>
          {(r) => r.exceptions.length === 0 ? <EmptyState title="No exceptions">All team members accounted for in this range.</EmptyState> : (
            <Table caption="Attendance exceptions" head={[{ label: 'Member' }, { label: 'Date' }, { label: 'Type' }, { label: 'Times', hideSm: true }, { label: 'Status' }, { label: 'Actions' }]}>
              {r.exceptions.map((e) => (
                <tr key={e.id}>
                  <Td><span className="font-medium">{e.user_name}</span><span className="block text-xs text-slate-600">{e.department || 'No department'}</span></Td>
                  <Td className="whitespace-nowrap">{formatDate(e.business_date)}</Td>
                  <Td>{humanize(e.type)}</Td>
                  <Td hideSm>{e.check_in_at ? `${formatTime(e.check_in_at, tz)} – ${e.check_out_at ? formatTime(e.check_out_at, tz) : 'open'}` : '—'}</Td>
                  <Td><StatusBadge status={e.status} />{e.resolution_note && <span className="block text-xs text-slate-600">{e.resolution_note}</span>}</Td>
                  <Td>{e.status === 'open' && <div className="flex gap-1">
                    <Button variant="secondary" onClick={() => { setNote(''); setAct({ e, kind: 'resolve' }); }}>Resolve</Button>
                    <Button variant="ghost" onClick={() => { setNote(''); setAct({ e, kind: 'dismiss' }); }}>Dismiss</Button></div>}</Td>
                </tr>
              ))}
            </Table>
          )}
        </Loadable>
      </Card>
      <Dialog open={act !== null} title={act ? `${act.kind === 'resolve' ? 'Resolve' : 'Dismiss'}: ${humanize(act.e.type)} of ${act.e.user_name}` : ''} onClose={() => setAct(null)} footer={<>
        <Button variant="secondary" onClick={() => setAct(null)}>Cancel</Button>
        <Button disabled={!noteOk} busy={busy} onClick={async () => {
          if (!act) return;
          setBusy(true);
          try {
            await post(`/attendance/exceptions/${act.e.id}/${act.kind}`, { resolution_note: note.trim() || null });
            toast.success(act.kind === 'resolve' ? 'Exception resolved.' : 'Exception dismissed.');
            setAct(null); st.reload();
          } catch (err) { toast.error(err); } finally { setBusy(false); }
        }}>{act?.kind === 'resolve' ? 'Resolve' : 'Dismiss'}</Button></>}>
        <TextArea label={act?.kind === 'resolve' ? 'Resolution note' : 'Note (optional)'} value={note} onChange={(e) => setNote(e.target.value)} hint={act?.kind === 'resolve' ? 'At least 3 characters.' : undefined} maxLength={1000} />
      </Dialog>
    </Page>
  );
}
