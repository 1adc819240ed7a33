// Leave requests of the signed-in member (spec 13 §4.1 Leaves, 05): counters, the request
// form (client rules mirror the server's), balances for the year, the history table with a
// timeline dialog, cancel for pending requests and the answer to a clarification. A 409
// overlap shows the conflicting request the server names.
import { useState, type ReactNode } from 'react';
import { ApiError, get, items, patch, post } from '../../lib/api';
import { businessToday, formatDateRange, formatDateTime, humanize } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import { isHalfDay, leaveBody, validateLeave, type LeaveForm } from '../../lib/validation';
import { Page } from '../../components/Layout';
import { useToast } from '../../components/toast';
import {
  Button, Card, ConfirmDialog, Dialog, EmptyState, Loadable, SelectField, SkeletonRows, Stat,
  StatusBadge, Table, Td, TextArea, TextField,
} from '../../components/ui';

export interface Balance { leave_type: string; year: number; limited: boolean; entitled_days: number | null; taken_days: number; pending_days: number; remaining_days: number | null; adjustment_days?: number }
export interface Leave {
  id: string; user_full_name: string; leave_type: string; start_date: string; end_date: string; status: string;
  is_half_day: boolean; half_day_period: string | null; reason: string; manager_comment: string | null;
  current_approver_name: string | null; days: number; balance?: Balance; created_at: string; available_actions?: string[];
}
interface TimelineEntry { id: string; action: string; comment: string | null; actor_name: string; created_at: string }
interface Conflict { leave_type: string; start_date: string; end_date: string; is_half_day: boolean; half_day_period: string | null; status: string }

export const LEAVE_LABEL: Record<string, string> = { sick: 'Sick leave', casual: 'Casual leave', annual: 'Annual leave', half_day: 'Half day', wfh: 'Work from home' };
export const leaveLabel = (t: string) => LEAVE_LABEL[t] ?? humanize(t);
export const periodLabel = (p: string | null) => (p === 'first_half' ? 'First half' : p === 'second_half' ? 'Second half' : '—');

const TIMELINE_TEXT: Record<string, string> = {
  created: 'submitted the request', approved: 'approved the request', rejected: 'rejected the request',
  clarified: 'asked for clarification', escalated: 'escalated the request', cancelled: 'cancelled the request', updated: 'answered the clarification',
};

export function conflictOf(err: unknown): Conflict | null {
  if (!(err instanceof ApiError) || err.status !== 409) return null;
  for (const d of err.details) {
    const c = (d as { conflicting_request?: Conflict }).conflicting_request;
    if (c) return c;
  }
  return null;
}

export function ConflictNote({ c }: { c: Conflict }) {
  return (
    <p className="mt-1 text-xs" data-testid="leave-conflict">
      Conflicting request: {leaveLabel(c.leave_type)}, {formatDateRange(c.start_date, c.end_date)}
      {c.is_half_day ? ` (${periodLabel(c.half_day_period)})` : ''} — {humanize(c.status)}.
    </p>
  );
}

export function Timeline({ id }: { id: string }) {
  const { tz } = useSession();
  const st = useLoad(() => get<TimelineEntry[]>(`/leaves/${id}/timeline`).then((d) => items<TimelineEntry>(d)), [id]);
  return (
    <Loadable state={st} skeleton={<SkeletonRows rows={3} cols={1} />}>
      {(list) => list.length === 0 ? <EmptyState title="No timeline entries" /> : (
        <ol className="relative space-y-4 border-l border-slate-200 pl-5">
          {list.map((t) => (
            <li key={t.id}>
              <span className="absolute -left-1.5 mt-1.5 h-3 w-3 rounded-full bg-indigo-600" aria-hidden />
              <p className="text-sm"><span className="font-medium">{t.actor_name}</span> {TIMELINE_TEXT[t.action] ?? humanize(t.action)}</p>
              <p className="text-xs text-slate-600">{formatDateTime(t.created_at, tz)}</p>
              {t.comment && <p className="mt-1 rounded bg-slate-50 px-2 py-1 text-sm text-slate-700">{t.comment}</p>}
            </li>
          ))}
        </ol>
      )}
    </Loadable>
  );
}

function LeaveFormFields({ form, set, errors, showErrors }: { form: LeaveForm; set: (f: LeaveForm) => void; errors: Record<string, string>; showErrors: boolean }) {
  const e = (k: string) => (showErrors ? errors[k] : null);
  return (
    <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
      <SelectField label="Type" value={form.leave_type} onChange={(ev) => set({ ...form, leave_type: ev.target.value })} error={e('leave_type')}>
        <option value="">Choose…</option>
        {Object.entries(LEAVE_LABEL).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
      </SelectField>
      {isHalfDay(form) ? (
        <SelectField label="Half" value={form.half_day_period} onChange={(ev) => set({ ...form, half_day_period: ev.target.value })} error={e('half_day_period')}>
          <option value="">Choose…</option><option value="first_half">First half</option><option value="second_half">Second half</option>
        </SelectField>
      ) : <div className="hidden sm:block" />}
      <TextField label={isHalfDay(form) ? 'Date' : 'From'} type="date" value={form.start_date} onChange={(ev) => set({ ...form, start_date: ev.target.value, end_date: form.end_date < ev.target.value ? ev.target.value : form.end_date })} error={e('start_date')} />
      {!isHalfDay(form) && <TextField label="To" type="date" value={form.end_date} min={form.start_date} onChange={(ev) => set({ ...form, end_date: ev.target.value })} error={e('end_date')} />}
      <div className="sm:col-span-2"><TextArea label="Reason" value={form.reason} onChange={(ev) => set({ ...form, reason: ev.target.value })} error={e('reason')} maxLength={2000} /></div>
    </div>
  );
}

function Balances({ reloadKey }: { reloadKey: number }) {
  const st = useLoad(() => get<{ items?: { balances?: Balance[] }[] }>('/leaves/balances/me').then((d) => d.items?.[0]?.balances ?? []), [reloadKey]);
  return (
    <Card title="Balances this year">
      <Loadable state={st} skeleton={<SkeletonRows rows={3} cols={3} />}>
        {(list) => list.length === 0 ? <EmptyState title="No balances configured" /> : (
          <ul className="divide-y divide-slate-100" data-testid="balances">
            {list.map((b) => (
              <li key={b.leave_type} className="flex items-center justify-between py-2 text-sm">
                <span className="font-medium">{leaveLabel(b.leave_type)}</span>
                <span className="text-right text-slate-700">{b.limited ? <><strong className="text-slate-900">{b.remaining_days}</strong> of {Number(b.entitled_days ?? 0) + Number(b.adjustment_days ?? 0)} days left</> : 'No limit'}
                  {Number(b.pending_days) > 0 && <span className="block text-xs text-amber-800">{b.pending_days} pending</span>}</span>
              </li>
            ))}
          </ul>
        )}
      </Loadable>
    </Card>
  );
}

const emptyForm = (today: string): LeaveForm => ({ leave_type: '', start_date: today, end_date: today, half_day_period: '', reason: '' });

export function LeavesPage() {
  const { tz } = useSession();
  const toast = useToast();
  const today = businessToday(tz);
  const [form, setForm] = useState<LeaveForm>(emptyForm(today));
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState<{ message: string; c: Conflict } | null>(null);
  const [timelineOf, setTimelineOf] = useState<Leave | null>(null);
  const [cancelOf, setCancelOf] = useState<Leave | null>(null);
  const [answerOf, setAnswerOf] = useState<Leave | null>(null);
  const [answer, setAnswer] = useState<LeaveForm>(emptyForm(today));
  const [key, setKey] = useState(0);
  const st = useLoad(() => get('/leaves/me', { limit: 200 }).then((d) => items<Leave>(d)), [key]);
  const errors = validateLeave(form);
  const answerErrors = validateLeave(answer);
  const refresh = () => setKey((k) => k + 1);

  const submit = async () => {
    setTried(true);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    setConflict(null);
    try {
      await post('/leaves', leaveBody(form));
      toast.success(`${leaveLabel(form.leave_type)} request submitted for approval.`);
      setForm(emptyForm(today));
      setTried(false);
      refresh();
    } catch (e) {
      const c = conflictOf(e);
      if (c) {
        setConflict({ message: (e as ApiError).message, c });
        toast.error(e, <ConflictNote c={c} />);
      } else toast.error(e);
    } finally { setBusy(false); }
  };

  const count = (list: Leave[], f: (l: Leave) => boolean) => list.filter(f).length;
  return (
    <Page title="Leaves">
      <Loadable state={st} skeleton={<div className="grid grid-cols-2 gap-3 lg:grid-cols-4">{[0, 1, 2, 3].map((i) => <Stat key={i} label="…" value="—" />)}</div>}>
        {(list) => (
          <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
            <Stat label="Pending" value={count(list, (l) => ['pending', 'escalated', 'needs_clarification'].includes(l.status))} />
            <Stat label="Approved" value={count(list, (l) => l.status === 'approved' && l.leave_type !== 'wfh')} />
            <Stat label="Rejected" value={count(list, (l) => l.status === 'rejected')} />
            <Stat label="Approved WFH" value={count(list, (l) => l.status === 'approved' && l.leave_type === 'wfh')} />
          </div>
        )}
      </Loadable>
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <Card title="Create leave request">
            <form onSubmit={(e) => { e.preventDefault(); submit(); }} noValidate className="space-y-4" data-testid="leave-form">
              <LeaveFormFields form={form} set={(f) => { setForm(f); setConflict(null); }} errors={errors} showErrors={tried} />
              {conflict && (
                <div className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-900" role="alert">
                  <p className="font-medium">{conflict.message}</p><ConflictNote c={conflict.c} />
                </div>
              )}
              <div className="flex justify-end"><Button type="submit" busy={busy} disabled={tried && Object.keys(errors).length > 0}>Submit request</Button></div>
            </form>
          </Card>
          <Card title="My requests">
            <Loadable state={st} skeleton={<SkeletonRows rows={4} cols={5} />}>
              {(list) => list.length === 0 ? <EmptyState title="No leave requests">Requests you submit appear here with their status.</EmptyState> : (
                <Table caption="My leave requests" head={[{ label: 'Type' }, { label: 'Dates' }, { label: 'Period', hideSm: true }, { label: 'Status' }, { label: 'Reason', hideSm: true }, { label: 'Actions' }]}>
                  {list.map((l) => (
                    <tr key={l.id} data-testid="leave-row">
                      <Td className="font-medium">{leaveLabel(l.leave_type)}</Td>
                      <Td className="whitespace-nowrap">{formatDateRange(l.start_date, l.end_date)}<span className="block text-xs text-slate-600">{l.days} day{Number(l.days) === 1 ? '' : 's'}</span></Td>
                      <Td hideSm>{l.is_half_day ? periodLabel(l.half_day_period) : 'Full day'}</Td>
                      <Td><StatusBadge status={l.status} />{l.manager_comment && <span className="mt-1 block max-w-48 text-xs text-slate-700">“{l.manager_comment}”</span>}</Td>
                      <Td hideSm><span className="block max-w-56 whitespace-pre-wrap break-words">{l.reason}</span></Td>
                      <Td>
                        <div className="flex flex-wrap gap-1">
                          <Button variant="ghost" onClick={() => setTimelineOf(l)}>Timeline</Button>
                          {l.status === 'needs_clarification' && <Button variant="secondary" onClick={() => { setAnswer({ leave_type: l.leave_type, start_date: l.start_date, end_date: l.end_date, half_day_period: l.half_day_period ?? '', reason: l.reason }); setAnswerOf(l); }}>Answer</Button>}
                          {l.status === 'pending' && <Button variant="ghost" className="text-rose-700" onClick={() => setCancelOf(l)}>Cancel</Button>}
                        </div>
                      </Td>
                    </tr>
                  ))}
                </Table>
              )}
            </Loadable>
          </Card>
        </div>
        <div><Balances reloadKey={key} /></div>
      </div>
      <Dialog open={timelineOf !== null} title={timelineOf ? `${leaveLabel(timelineOf.leave_type)} · ${formatDateRange(timelineOf.start_date, timelineOf.end_date)}` : ''} onClose={() => setTimelineOf(null)}>
        {timelineOf && <Timeline id={timelineOf.id} />}
      </Dialog>
      <ConfirmDialog open={cancelOf !== null} title="Cancel this request?" confirmLabel="Cancel request" busy={busy}
        message={cancelOf ? <>Your {leaveLabel(cancelOf.leave_type).toLowerCase()} request for {formatDateRange(cancelOf.start_date, cancelOf.end_date)} will be withdrawn.</> : ''}
        onClose={() => setCancelOf(null)} onConfirm={async () => {
          if (!cancelOf) return;
          setBusy(true);
          try { await post(`/leaves/${cancelOf.id}/cancel`); toast.success('Request cancelled.'); setCancelOf(null); refresh(); } catch (e) { toast.error(e); } finally { setBusy(false); }
        }} />
      <Dialog open={answerOf !== null} title="Answer the clarification" onClose={() => setAnswerOf(null)} wide footer={<>
        <Button variant="secondary" onClick={() => setAnswerOf(null)}>Close</Button>
        <Button disabled={Object.keys(answerErrors).length > 0} busy={busy} onClick={async () => {
          if (!answerOf) return;
          setBusy(true);
          try { await patch(`/leaves/${answerOf.id}`, leaveBody(answer)); toast.success('Answer sent. The request is back with your approver.'); setAnswerOf(null); refresh(); }
          catch (e) { const c = conflictOf(e); toast.error(e, c ? <ConflictNote c={c} /> : undefined); } finally { setBusy(false); }
        }}>Send answer</Button></>}>
        {answerOf && (
          <div className="space-y-4">
            {answerOf.manager_comment && <p className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900"><strong>{answerOf.current_approver_name ?? 'Your approver'} asks:</strong> {answerOf.manager_comment}</p>}
            <LeaveFormFields form={answer} set={setAnswer} errors={answerErrors} showErrors />
          </div>
        )}
      </Dialog>
    </Page>
  );
}

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return <div><dt className="text-xs font-medium uppercase text-slate-600">{label}</dt><dd className="text-sm text-slate-900">{children}</dd></div>;
}

