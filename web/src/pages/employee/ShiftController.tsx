// Check-in / breaks / check-out for the signed-in member (spec 13 §4.1 "Shift Controller").
// Check-out past the shift end asks for a reason and a note; before the shift end it asks for
// an early-checkout reason (>= 5 characters); breaks are offered only during a session and an
// "Other" break needs a note. The live timers tick every second; state comes from
// GET /attendance/today through the shared status provider.
import { useState } from 'react';
import { post } from '../../lib/api';
import { formatTime, hhmm, hhmmss, humanize } from '../../lib/format';
import { useNow } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import { validateBreak, validateEarlyCheckout } from '../../lib/validation';
import { useAttendanceStatus } from '../../components/status';
import { useToast } from '../../components/toast';
import { Button, Card, Dialog, SelectField, Skeleton, StatusBadge, TextArea } from '../../components/ui';

const BREAKS = [
  { id: 'prayer', label: 'Prayer' },
  { id: 'dinner', label: 'Dinner' },
  { id: 'other', label: 'Other' },
];

export function ShiftController() {
  const { today, refresh, error } = useAttendanceStatus();
  const { tz } = useSession();
  const toast = useToast();
  const now = useNow(1000);
  const [mode, setMode] = useState('office');
  const [busy, setBusy] = useState<string | null>(null);
  const [breakOpen, setBreakOpen] = useState(false);
  const [breakType, setBreakType] = useState('prayer');
  const [breakNote, setBreakNote] = useState('');
  const [checkoutKind, setCheckoutKind] = useState<null | 'after' | 'early'>(null);
  const [afterReason, setAfterReason] = useState('overtime');
  const [note, setNote] = useState('');

  const run = async (key: string, fn: () => Promise<unknown>, ok: string) => {
    setBusy(key);
    try {
      await fn();
      toast.success(ok);
      await refresh();
      window.dispatchEvent(new Event('wos:attendance'));
      return true;
    } catch (e) {
      toast.error(e);
      await refresh();
      return false;
    } finally {
      setBusy(null);
    }
  };

  if (!today) {
    return <Card title="Shift controller">{error ? <p className="text-sm text-rose-700">Could not load today's attendance.</p> : <div className="space-y-3"><Skeleton className="h-6 w-1/3" /><Skeleton className="h-10 w-full" /></div>}</Card>;
  }
  const session = today.session && today.session.session_status === 'active' ? today.session : null;
  const br = today.active_break;
  const sessionSecs = session ? (now - new Date(session.check_in_at).getTime()) / 1000 : 0;
  const breakSecs = br ? (now - new Date(br.started_at).getTime()) / 1000 : 0;

  const startCheckout = () => {
    const end = session?.expected_shift_end_at ? new Date(session.expected_shift_end_at).getTime() : null;
    setNote('');
    if (end !== null && now > end) setCheckoutKind('after');
    else if (end !== null && now < end) setCheckoutKind('early');
    else run('out', () => post('/attendance/check-out', {}), 'Checked out. Have a good rest!');
  };
  const breakErrors = validateBreak(breakType, breakNote);
  const checkoutErrors = checkoutKind === 'early' ? validateEarlyCheckout(note)
    : (note.trim() === '' ? { note: 'Explain why you are checking out after the shift end.' } : {});

  return (
    <Card title="Shift controller" actions={<StatusBadge status={br ? 'on_break' : today.status} />}>
      {!session ? (
        <div className="space-y-4" data-testid="checkin-panel">
          <p className="text-sm text-slate-700">{today.session ? `You checked out at ${formatTime(today.session.check_out_at, tz)}. Worked ${hhmm(today.session.worked_minutes)} today.` : 'You have not checked in today.'}</p>
          <fieldset>
            <legend className="mb-2 text-sm font-medium text-slate-800">Work mode</legend>
            <div className="grid grid-cols-2 gap-2">
              {[['office', 'Office'], ['wfh', 'Work from home']].map(([id, lbl]) => (
                <label key={id} className={`flex min-h-11 cursor-pointer items-center justify-center rounded-lg border px-3 py-2 text-sm font-medium ${mode === id ? 'border-indigo-700 bg-indigo-50 text-indigo-800' : 'border-slate-300 text-slate-700'}`}>
                  <input type="radio" name="work_mode" value={id} checked={mode === id} onChange={() => setMode(id)} className="sr-only" />{lbl}
                </label>
              ))}
            </div>
          </fieldset>
          <Button className="w-full text-base" busy={busy === 'in'} onClick={() => run('in', () => post('/attendance/check-in', { work_mode: mode }), 'Checked in. Have a great shift!')}>Check in</Button>
        </div>
      ) : (
        <div className="space-y-4" data-testid="session-panel">
          <div className="grid grid-cols-2 gap-3">
            <div><p className="text-xs font-medium uppercase text-slate-600">Checked in</p><p className="text-lg font-semibold">{formatTime(session.check_in_at, tz)}</p>
              <p className="text-xs text-slate-600">{session.work_mode === 'wfh' ? 'Working from home' : 'Office'}{session.is_late_login ? ` · Late by ${hhmm(session.late_minutes)}` : ''}</p></div>
            <div><p className="text-xs font-medium uppercase text-slate-600">Session</p><p className="text-lg font-semibold tabular-nums" data-testid="session-timer">{hhmmss(sessionSecs)}</p></div>
          </div>
          {br ? (
            <div className="rounded-lg bg-amber-50 p-3 ring-1 ring-amber-500/30" data-testid="break-panel">
              <p className="text-sm font-medium text-amber-900">{humanize(br.break_type)} break · <span className="tabular-nums">{hhmmss(breakSecs)}</span></p>
              <Button variant="secondary" className="mt-2 w-full" busy={busy === 'brend'} onClick={() => run('brend', () => post('/attendance/breaks/end'), 'Break ended. Welcome back!')}>End break</Button>
            </div>
          ) : (
            <Button variant="secondary" className="w-full" onClick={() => { setBreakType('prayer'); setBreakNote(''); setBreakOpen(true); }}>Start a break</Button>
          )}
          <Button variant="danger" className="w-full" busy={busy === 'out'} onClick={startCheckout}>Check out</Button>
        </div>
      )}
      <Dialog open={breakOpen} title="Start a break" onClose={() => setBreakOpen(false)} footer={<>
        <Button variant="secondary" onClick={() => setBreakOpen(false)}>Cancel</Button>
        <Button disabled={Object.keys(breakErrors).length > 0} busy={busy === 'br'} onClick={async () => {
          if (await run('br', () => post('/attendance/breaks/start', { break_type: breakType, note: breakNote.trim() || null }), `${humanize(breakType)} break started.`)) setBreakOpen(false);
        }}>Start break</Button></>}>
        <div className="space-y-4">
          <SelectField label="Break type" value={breakType} onChange={(e) => setBreakType(e.target.value)}>
            {BREAKS.map((b) => <option key={b.id} value={b.id}>{b.label}</option>)}
          </SelectField>
          <TextArea label={breakType === 'other' ? 'Note (required)' : 'Note (optional)'} value={breakNote} onChange={(e) => setBreakNote(e.target.value)} error={breakType === 'other' && breakNote !== '' ? breakErrors.note : null} maxLength={500} />
        </div>
      </Dialog>
      <Dialog open={checkoutKind !== null} title={checkoutKind === 'early' ? 'Check out before the shift ends?' : 'Check out after the shift end'} onClose={() => setCheckoutKind(null)} footer={<>
        <Button variant="secondary" onClick={() => setCheckoutKind(null)}>Cancel</Button>
        <Button variant="danger" disabled={Object.keys(checkoutErrors).length > 0} busy={busy === 'out'} onClick={async () => {
          const body = checkoutKind === 'early' ? { early_checkout_reason: note.trim() } : { checkout_after_shift_reason: afterReason, checkout_after_shift_note: note.trim() };
          if (await run('out', () => post('/attendance/check-out', body), 'Checked out. Have a good rest!')) setCheckoutKind(null);
        }}>Check out</Button></>}>
        <div className="space-y-4">
          {checkoutKind === 'after' ? (
            <>
              <p className="text-sm text-slate-700">Your shift ended at {formatTime(session?.expected_shift_end_at, tz)}. Tell your manager why you are checking out later.</p>
              <SelectField label="Reason" value={afterReason} onChange={(e) => setAfterReason(e.target.value)}>
                <option value="overtime">Overtime Work (Business Requirement)</option>
                <option value="forgot_to_checkout">Forgot to check out</option>
              </SelectField>
              <TextArea label="Explanation" value={note} onChange={(e) => setNote(e.target.value)} maxLength={1000} />
            </>
          ) : (
            <>
              <p className="text-sm text-slate-700">Your shift ends at {formatTime(session?.expected_shift_end_at, tz)}.</p>
              <TextArea label="Reason for leaving early" value={note} onChange={(e) => setNote(e.target.value)} error={note !== '' ? checkoutErrors.reason : null} hint="At least 5 characters." maxLength={1000} />
            </>
          )}
        </div>
      </Dialog>
    </Card>
  );
}
