// The approval center (spec 05 §9, 13 §4.3): everything waiting for the caller's decision —
// leave, WFH and attendance corrections — with counts, filters and the actions the server
// lists in available_actions. Rejection, clarification and escalation ask for a comment;
// rejection is confirmed with a red button.
import { useState } from 'react';
import { get, patch } from '../../lib/api';
import { formatDate, formatDateRange, formatDateTime } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import { Page } from '../../components/Layout';
import { useToast } from '../../components/toast';
import { Badge, Button, Card, Dialog, EmptyState, Loadable, SelectField, SkeletonRows, Stat, StatusBadge, TextArea, TextField } from '../../components/ui';
import { leaveLabel, periodLabel, Timeline } from '../employee/Leaves';

interface Item {
  id: string; type: 'leave' | 'wfh' | 'attendance_correction'; title: string; user_name: string; user_email: string;
  department: string | null; status: string; submitted_at: string; business_date: string; description: string;
  available_actions: string[];
  details: {
    leave_type?: string; start_date?: string; end_date?: string; is_half_day?: boolean; half_day_period?: string | null; days?: number;
    session_id?: string; original_check_in_at?: string | null; original_check_out_at?: string | null; requested_check_in_at?: string | null; requested_check_out_at?: string | null;
  };
}
interface Center { items: Item[]; summary: { total: number; pending: number; escalated: number; needs_revision: number }; counts: Record<string, number> }

type Action = 'approve' | 'reject' | 'clarify' | 'escalate';
const ACTION_LABEL: Record<Action, string> = { approve: 'Approve', reject: 'Reject', clarify: 'Ask for clarification', escalate: 'Escalate' };
const LEAVE_ACTION: Record<Action, string> = { approve: 'approved', reject: 'rejected', clarify: 'clarified', escalate: 'escalated' };
const DONE: Record<Action, string> = { approve: 'approved', reject: 'rejected', clarify: 'sent back for clarification', escalate: 'escalated' };

export function ApprovalsPage() {
  const { tz } = useSession();
  const toast = useToast();
  const [type, setType] = useState('all');
  const [status, setStatus] = useState('pending');
  const [search, setSearch] = useState('');
  const [act, setAct] = useState<{ item: Item; action: Action } | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [review, setReview] = useState<Item | null>(null);
  const st = useLoad(() => get<Center>('/approvals', { type, status, search: search.trim() || undefined }), [type, status, search]);

  const needsComment = (a: Action) => a !== 'approve';
  const decide = async (item: Item, action: Action, text: string) => {
    setBusy(item.id + action);
    try {
      if (item.type === 'attendance_correction') {
        await patch(`/attendance/${item.details.session_id}/resolve-correction`, { action, manager_comment: text.trim() || null });
      } else {
        await patch(`/leaves/${item.id}/resolve`, { action: LEAVE_ACTION[action], manager_comment: text.trim() || null });
      }
      toast.success(`${item.title} of ${item.user_name} ${DONE[action]}.`);
      setAct(null);
      setReview(null);
      st.reload();
    } catch (e) { toast.error(e); } finally { setBusy(null); }
  };

  const what = (it: Item) => it.type === 'attendance_correction'
    ? `Session of ${formatDate(it.business_date)}: ${formatDateTime(it.details.original_check_in_at, tz)} → ${it.details.original_check_out_at ? formatDateTime(it.details.original_check_out_at, tz) : 'open'}; requested ${it.details.requested_check_in_at ? formatDateTime(it.details.requested_check_in_at, tz) : 'unchanged'} → ${it.details.requested_check_out_at ? formatDateTime(it.details.requested_check_out_at, tz) : 'unchanged'}`
    : `${leaveLabel(it.details.leave_type ?? it.type)} · ${formatDateRange(it.details.start_date ?? it.business_date, it.details.end_date ?? it.business_date)}${it.details.is_half_day ? ` (${periodLabel(it.details.half_day_period ?? null)})` : ''} · ${it.details.days ?? ''} day${Number(it.details.days) === 1 ? '' : 's'}`;

  return (
    <Page title="Approvals">
      <Loadable state={st} skeleton={<SkeletonRows rows={1} cols={4} />}>
        {(c) => (
          <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
            <Stat label="Leave" value={c.counts.leave ?? 0} /><Stat label="WFH" value={c.counts.wfh ?? 0} />
            <Stat label="Corrections" value={c.counts.attendance_correction ?? 0} /><Stat label="Escalated" value={c.summary.escalated ?? 0} />
          </div>
        )}
      </Loadable>
      <Card title="Waiting for a decision" actions={<div className="flex flex-wrap items-end gap-2">
        <SelectField label="Type" value={type} onChange={(e) => setType(e.target.value)}>
          <option value="all">All</option><option value="leave">Leave</option><option value="wfh">WFH</option><option value="attendance_correction">Corrections</option>
        </SelectField>
        <SelectField label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="pending">Pending</option><option value="escalated">Escalated</option><option value="needs_revision">Needs clarification</option><option value="all">All open</option>
        </SelectField>
        <TextField label="Search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Name or e-mail" />
      </div>}>
        <Loadable state={st} skeleton={<SkeletonRows rows={4} cols={3} />}>
          {(c) => c.items.length === 0 ? <EmptyState title="Nothing waiting for you">New requests from your team appear here.</EmptyState> : (
            <ul className="divide-y divide-slate-100">
              {c.items.map((it) => (
                <li key={it.id} className="flex flex-col gap-3 py-3 sm:flex-row sm:items-start sm:justify-between" data-testid="approval-item">
                  <div className="min-w-0">
                    <p className="text-sm font-semibold text-slate-900">{it.user_name} <span className="font-normal text-slate-600">· {it.department || 'No department'}</span></p>
                    <p className="text-sm text-slate-800"><Badge tone={it.type === 'wfh' ? 'info' : it.type === 'leave' ? 'neutral' : 'warning'}>{it.title}</Badge> <StatusBadge status={it.status === 'needs_revision' ? 'needs_clarification' : it.status} /></p>
                    <p className="mt-1 text-sm text-slate-700">{what(it)}</p>
                    <p className="mt-1 whitespace-pre-wrap break-words text-sm text-slate-700">“{it.description}”</p>
                    <p className="mt-1 text-xs text-slate-600">Submitted {formatDateTime(it.submitted_at, tz)}</p>
                  </div>
                  <div className="flex shrink-0 flex-wrap gap-2">
                    {it.type !== 'attendance_correction' && <Button variant="ghost" onClick={() => setReview(it)}>Review</Button>}
                    {it.available_actions.includes('approve') && <Button variant="success" busy={busy === it.id + 'approve'} onClick={() => decide(it, 'approve', '')}>Approve</Button>}
                    {(['clarify', 'escalate', 'reject'] as Action[]).filter((a) => it.available_actions.includes(a)).map((a) => (
                      <Button key={a} variant={a === 'reject' ? 'danger' : 'secondary'} onClick={() => { setComment(''); setAct({ item: it, action: a }); }}>{a === 'clarify' ? 'Clarify' : ACTION_LABEL[a]}</Button>
                    ))}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Loadable>
      </Card>
      <Dialog open={act !== null} title={act ? `${ACTION_LABEL[act.action]}: ${act.item.title} of ${act.item.user_name}` : ''} onClose={() => setAct(null)} footer={<>
        <Button variant="secondary" onClick={() => setAct(null)}>Cancel</Button>
        {act && <Button variant={act.action === 'reject' ? 'danger' : 'primary'} disabled={needsComment(act.action) && comment.trim() === ''} busy={busy === act.item.id + act.action}
          onClick={() => decide(act.item, act.action, comment)}>{ACTION_LABEL[act.action]}</Button>}</>}>
        {act && <div className="space-y-3">
          <p className="text-sm text-slate-700">{what(act.item)}</p>
          <TextArea label={act.action === 'reject' ? 'Reason for rejecting' : act.action === 'clarify' ? 'What do you need to know?' : 'Comment'} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={1000} hint="Required. The requester sees this text." />
        </div>}
      </Dialog>
      <Dialog open={review !== null} title={review ? `${review.title} · ${review.user_name}` : ''} onClose={() => setReview(null)} footer={review && <>
        {review.available_actions.includes('approve') && <Button variant="success" busy={busy === review.id + 'approve'} onClick={() => decide(review, 'approve', '')}>Approve</Button>}
        {review.available_actions.includes('reject') && <Button variant="danger" onClick={() => { setComment(''); setAct({ item: review, action: 'reject' }); setReview(null); }}>Reject</Button>}
      </>}>
        {review && <div className="space-y-4"><p className="text-sm">{what(review)}</p><p className="whitespace-pre-wrap text-sm text-slate-700">“{review.description}”</p><h3 className="text-sm font-semibold">Timeline</h3><Timeline id={review.id} /></div>}
      </Dialog>
    </Page>
  );
}

