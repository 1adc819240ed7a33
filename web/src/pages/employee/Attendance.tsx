// Attendance page: the shift controller and the history table (dates, times, HH:mm durations,
// break breakdown, status badges) with a correction request per closed session.
import { useEffect, useState } from 'react';
import { get, items, patch } from '../../lib/api';
import { addDays, businessToday, formatDate, formatTime, hhmm, humanize, utcToZonedInput, zonedToUtc } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import { Page } from '../../components/Layout';
import type { AttendanceSession } from '../../components/status';
import { useToast } from '../../components/toast';
import { Badge, Button, Card, Dialog, EmptyState, Loadable, SkeletonRows, Table, Td, TextArea, TextField } from '../../components/ui';
import { ShiftController } from './ShiftController';
import { WorkSummary } from './Dashboard';

export function SessionBadges({ s }: { s: AttendanceSession }) {
  return (
    <div className="flex flex-wrap gap-1">
      {s.session_status === 'active' && <Badge tone="info">Open Session</Badge>}
      {s.work_mode === 'wfh' && <Badge tone="info">WFH</Badge>}
      {s.is_late_login && <Badge tone="danger">Late</Badge>}
      {s.is_early_logout && <Badge tone="warning">Early</Badge>}
      {s.is_overtime && <Badge tone="info">Overtime</Badge>}
      {s.is_corrected && <Badge tone="neutral">Adjusted</Badge>}
      {s.checkout_after_shift_reason === 'auto_checkout' && <Badge tone="warning">Auto Closed</Badge>}
      {s.correction_requested && !s.is_corrected && <Badge tone="warning">Correction pending</Badge>}
    </div>
  );
}

export function breakdown(s: AttendanceSession): string {
  return `Dinner ${hhmm(s.dinner_break_minutes)}, Prayer ${hhmm(s.prayer_break_minutes)}, Other ${hhmm(s.other_break_minutes)}`;
}

function Breakdown({ s }: { s: AttendanceSession }) {
  return (
    <span className="block text-xs text-slate-600" title={breakdown(s)}>
      {([['Dinner', s.dinner_break_minutes], ['Prayer', s.prayer_break_minutes], ['Other', s.other_break_minutes]] as const).map(([k, v]) => (
        <span key={k} className="mr-2 inline-block whitespace-nowrap">{k} {hhmm(v)}</span>
      ))}
    </span>
  );
}

function CorrectionDialog({ session, onClose, onDone }: { session: AttendanceSession | null; onClose: () => void; onDone: () => void }) {
  const { tz } = useSession();
  const toast = useToast();
  const [inAt, setInAt] = useState('');
  const [outAt, setOutAt] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (session) {
      setInAt(utcToZonedInput(session.check_in_at, tz));
      setOutAt(utcToZonedInput(session.check_out_at, tz));
      setReason('');
    }
  }, [session, tz]);
  const errors: Record<string, string> = {};
  if (reason.trim().length < 5) errors.reason = 'Explain the correction (at least 5 characters).';
  if (inAt && outAt && outAt <= inAt) errors.out = 'The check-out must be after the check-in.';
  if (!inAt && !outAt) errors.in = 'Give at least one corrected time.';
  return (
    <Dialog open={session !== null} title="Request a correction" onClose={onClose} footer={<>
      <Button variant="secondary" onClick={onClose}>Cancel</Button>
      <Button disabled={Object.keys(errors).length > 0} busy={busy} onClick={async () => {
        if (!session) return;
        setBusy(true);
        try {
          await patch(`/attendance/${session.id}/correction-request`, {
            requested_check_in_at: inAt ? zonedToUtc(inAt, tz) : null,
            requested_check_out_at: outAt ? zonedToUtc(outAt, tz) : null,
            reason: reason.trim(),
          });
          toast.success('Correction requested. Your manager will review it.');
          onDone();
        } catch (e) { toast.error(e); } finally { setBusy(false); }
      }}>Send request</Button></>}>
      <div className="space-y-4">
        <p className="text-sm text-slate-700">Session of {formatDate(session?.business_date)}. Times are in your workspace time zone ({tz}).</p>
        <TextField label="Check-in" type="datetime-local" value={inAt} onChange={(e) => setInAt(e.target.value)} error={errors.in} />
        <TextField label="Check-out" type="datetime-local" value={outAt} onChange={(e) => setOutAt(e.target.value)} error={errors.out} />
        <TextArea label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} error={reason ? errors.reason : null} maxLength={1000} />
      </div>
    </Dialog>
  );
}

export function HistoryTable({ list, showName, onCorrect }: { list: AttendanceSession[]; showName?: boolean; onCorrect?: (s: AttendanceSession) => void }) {
  const { tz } = useSession();
  if (list.length === 0) return <EmptyState title="No session history">Check-ins of the chosen dates appear here.</EmptyState>;
  return (
    <Table caption="Attendance history" head={[
      ...(showName ? [{ label: 'Member' }] : []), { label: 'Date' }, { label: 'In' }, { label: 'Out' }, { label: 'Worked' },
      { label: 'Shift', hideSm: true }, { label: 'Breaks', hideSm: true }, { label: 'Status' }, ...(onCorrect ? [{ label: 'Actions' }] : []),
    ]}>
      {list.map((s) => (
        <tr key={s.id}>
          {showName && <Td className="font-medium">{s.user_full_name || 'Unknown user'}</Td>}
          <Td className="whitespace-nowrap">{formatDate(s.business_date)}</Td>
          <Td className="whitespace-nowrap">{formatTime(s.check_in_at, tz)}</Td>
          <Td className="whitespace-nowrap">{s.check_out_at ? formatTime(s.check_out_at, tz) : '—'}</Td>
          <Td className="tabular-nums">{s.check_out_at ? hhmm(s.worked_minutes) : '—'}</Td>
          <Td hideSm className="whitespace-nowrap">{s.expected_shift_start_at ? `${formatTime(s.expected_shift_start_at, tz)} – ${formatTime(s.expected_shift_end_at, tz)}` : 'No shift'}</Td>
          <Td hideSm className="min-w-40"><span className="tabular-nums">{hhmm(s.total_break_minutes)}</span><Breakdown s={s} /></Td>
          <Td><SessionBadges s={s} />{s.attendance_classification && s.session_status !== 'active' && <span className="mt-1 block text-xs text-slate-600">{humanize(s.attendance_classification)}</span>}</Td>
          {onCorrect && <Td>{s.session_status !== 'active' && !s.correction_requested ? <Button variant="secondary" className="whitespace-nowrap" onClick={() => onCorrect(s)}>Request correction</Button> : s.correction_requested && !s.is_corrected ? <span className="text-xs text-amber-800">Pending review</span> : null}</Td>}
        </tr>
      ))}
    </Table>
  );
}

export function AttendancePage() {
  const { tz } = useSession();
  const today = businessToday(tz);
  const [from, setFrom] = useState(addDays(today, -29));
  const [to, setTo] = useState(today);
  const [correct, setCorrect] = useState<AttendanceSession | null>(null);
  const st = useLoad(() => get('/attendance/me', { date_from: from, date_to: to, limit: 100 }).then((d) => items<AttendanceSession>(d)), [from, to]);
  useEffect(() => {
    const r = () => st.reload();
    window.addEventListener('wos:attendance', r);
    return () => window.removeEventListener('wos:attendance', r);
  }, [st]);
  return (
    <Page title="Attendance">
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div><ShiftController /></div>
        <div className="lg:col-span-2"><WorkSummary /></div>
      </div>
      <Card title="Attendance history" actions={<div className="flex flex-wrap items-end gap-2">
        <TextField label="From" type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        <TextField label="To" type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
      </div>}>
        <Loadable state={st} skeleton={<SkeletonRows rows={5} cols={5} />}>
          {(list) => <HistoryTable list={list} onCorrect={setCorrect} />}
        </Loadable>
      </Card>
      <CorrectionDialog session={correct} onClose={() => setCorrect(null)} onDone={() => { setCorrect(null); st.reload(); }} />
    </Page>
  );
}
