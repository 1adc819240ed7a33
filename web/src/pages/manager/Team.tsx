// Leadership views of the team: today's board (who is in, on break, late, not in), the
// member list, team attendance history and team leave requests. The scope (direct reports,
// the chain below a manager, the workspace for admin/HR) is decided by the server.
import { useState } from 'react';
import { get, items } from '../../lib/api';
import { addDays, businessToday, formatDateRange, formatTime, hhmm, hhmmss } from '../../lib/format';
import { useLoad, useNow } from '../../lib/hooks';
import { roleLabel } from '../../lib/roles';
import { useSession } from '../../lib/session';
import { Page } from '../../components/Layout';
import type { AttendanceSession } from '../../components/status';
import { Badge, Card, EmptyState, Loadable, SelectField, SkeletonCards, SkeletonRows, Stat, StatusBadge, Table, Td, TextField } from '../../components/ui';
import { HistoryTable } from '../employee/Attendance';
import { leaveLabel, periodLabel, type Leave } from '../employee/Leaves';

export interface Member {
  id: string; full_name: string; email: string; role: string; role_label?: string; status: string;
  department_name: string | null; shift_name: string | null; manager_name: string | null; designation: string | null;
  department_id?: string | null; shift_id?: string | null; manager_id?: string | null; phone?: string | null; last_seen_at?: string | null;
}

function isLeader(role?: string) { return role === 'admin' || role === 'hr_operations'; }

export function useTeamToday() {
  const { tz, user } = useSession();
  const day = businessToday(tz);
  const view = isLeader(user?.role) ? '/attendance/workspace' : '/attendance/team';
  return useLoad(async () => {
    const [members, sessions] = await Promise.all([
      get('/users', { status: 'active', limit: 200 }).then((d) => items<Member>(d)),
      get(view, { date_from: addDays(day, -1), date_to: day, limit: 200 }).then((d) => items<AttendanceSession>(d)),
    ]);
    return { members: members.filter((m) => m.id !== user?.id), sessions };
  }, [day, view]);
}

type Row = { m: Member; s: AttendanceSession | null; state: 'on_break' | 'in' | 'out' | 'not_in' };

function board(members: Member[], sessions: AttendanceSession[], day: string): Row[] {
  return members.map((m) => {
    const mine = sessions.filter((s) => s.user_id === m.id);
    const active = mine.find((s) => s.session_status === 'active');
    const todays = mine.find((s) => s.business_date === day);
    const s = active ?? todays ?? null;
    const state: Row['state'] = active ? (active.active_break ? 'on_break' : 'in') : todays ? 'out' : 'not_in';
    return { m, s, state };
  });
}

export function TeamTodayPage({ title = 'Team today' }: { title?: string }) {
  const { tz } = useSession();
  const day = businessToday(tz);
  const st = useTeamToday();
  const now = useNow(1000);
  return (
    <Page title={title}>
      <Loadable state={st} skeleton={<><SkeletonCards count={4} /><SkeletonRows rows={5} cols={4} /></>}>
        {({ members, sessions }) => {
          const rows = board(members, sessions, day);
          const n = (k: Row['state']) => rows.filter((r) => r.state === k).length;
          const late = rows.filter((r) => r.s?.is_late_login && r.s.business_date === day).length;
          return (
            <>
              <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
                <Stat label="Checked in" value={n('in') + n('on_break')} hint={`of ${rows.length} members`} />
                <Stat label="On break" value={n('on_break')} />
                <Stat label="Late today" value={late} />
                <Stat label="Not in yet" value={n('not_in')} />
              </div>
              <Card title="Who is in">
                {rows.length === 0 ? <EmptyState title="No team members yet">Members who report to you appear here.</EmptyState> : (
                  <Table caption="Team today" head={[{ label: 'Member' }, { label: 'Status' }, { label: 'Checked in' }, { label: 'Worked', hideSm: true }, { label: 'Mode', hideSm: true }]}>
                    {rows.map(({ m, s, state }) => (
                      <tr key={m.id}>
                        <Td><span className="font-medium">{m.full_name}</span><span className="block text-xs text-slate-600">{m.designation || roleLabel(m.role, m.role_label)}</span></Td>
                        <Td>
                          <div className="flex flex-wrap gap-1">
                            {state === 'on_break' ? <Badge tone="warning">On break {s?.active_break ? hhmmss((now - new Date(s.active_break.started_at).getTime()) / 1000) : ''}</Badge>
                              : state === 'in' ? <Badge tone="success">In</Badge> : state === 'out' ? <Badge tone="neutral">Checked out</Badge> : <Badge tone="neutral">Not in</Badge>}
                            {s?.is_late_login && s.business_date === day && <Badge tone="danger">Late {hhmm(s.late_minutes)}</Badge>}
                          </div>
                        </Td>
                        <Td>{s ? formatTime(s.check_in_at, tz) : '—'}</Td>
                        <Td hideSm className="tabular-nums">{s ? hhmm(s.check_out_at ? s.worked_minutes : Math.floor((now - new Date(s.check_in_at).getTime()) / 60000)) : '—'}</Td>
                        <Td hideSm>{s ? (s.work_mode === 'wfh' ? 'WFH' : 'Office') : '—'}</Td>
                      </tr>
                    ))}
                  </Table>
                )}
              </Card>
            </>
          );
        }}
      </Loadable>
    </Page>
  );
}

export function TeamMembersPage() {
  const st = useLoad(() => get('/users', { limit: 200 }).then((d) => items<Member>(d)), []);
  const { user } = useSession();
  return (
    <Page title="Team members">
      <Card>
        <Loadable state={st}>
          {(list) => {
            const team = list.filter((m) => m.id !== user?.id);
            return team.length === 0 ? <EmptyState title="No team members yet" /> : (
              <Table caption="Team members" head={[{ label: 'Name' }, { label: 'Role' }, { label: 'Department', hideSm: true }, { label: 'Shift', hideSm: true }, { label: 'Status' }, { label: 'E-mail', hideSm: true }]}>
                {team.map((m) => (
                  <tr key={m.id}>
                    <Td className="font-medium">{m.full_name}</Td><Td>{roleLabel(m.role, m.role_label)}</Td>
                    <Td hideSm>{m.department_name || 'No department'}</Td><Td hideSm>{m.shift_name || 'No shift'}</Td>
                    <Td><StatusBadge status={m.status} /></Td><Td hideSm>{m.email}</Td>
                  </tr>
                ))}
              </Table>
            );
          }}
        </Loadable>
      </Card>
    </Page>
  );
}

export function TeamAttendancePage() {
  const { tz, user } = useSession();
  const today = businessToday(tz);
  const [from, setFrom] = useState(addDays(today, -6));
  const [to, setTo] = useState(today);
  const view = isLeader(user?.role) ? '/attendance/workspace' : '/attendance/team';
  const st = useLoad(() => get(view, { date_from: from, date_to: to, limit: 200 }).then((d) => items<AttendanceSession>(d)), [from, to, view]);
  return (
    <Page title={isLeader(user?.role) ? 'Attendance' : 'Team attendance'}>
      <Card actions={<div className="flex flex-wrap items-end gap-2">
        <TextField label="From" type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        <TextField label="To" type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
      </div>} title="Sessions">
        <Loadable state={st} skeleton={<SkeletonRows rows={6} cols={6} />}>{(list) => <HistoryTable list={list} showName />}</Loadable>
      </Card>
    </Page>
  );
}

export function TeamLeavesPage() {
  const { tz } = useSession();
  const [status, setStatus] = useState('');
  const today = businessToday(tz);
  const st = useLoad(() => get('/leaves', { status: status || undefined, from: addDays(today, -90), limit: 200 }).then((d) => items<Leave>(d)), [status]);
  return (
    <Page title="Team leaves">
      <Card title="Requests" actions={<SelectField label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
        <option value="">All</option>{['pending', 'approved', 'rejected', 'needs_clarification', 'escalated', 'cancelled'].map((s) => <option key={s} value={s}>{s.replace('_', ' ')}</option>)}
      </SelectField>}>
        <Loadable state={st}>
          {(list) => list.length === 0 ? <EmptyState title="No leave requests" /> : (
            <Table caption="Team leave requests" head={[{ label: 'Member' }, { label: 'Type' }, { label: 'Dates' }, { label: 'Status' }, { label: 'Reason', hideSm: true }, { label: 'Approver', hideSm: true }]}>
              {list.map((l) => (
                <tr key={l.id}>
                  <Td className="font-medium">{l.user_full_name}</Td><Td>{leaveLabel(l.leave_type)}{l.is_half_day && <span className="block text-xs text-slate-600">{periodLabel(l.half_day_period)}</span>}</Td>
                  <Td className="whitespace-nowrap">{formatDateRange(l.start_date, l.end_date)}</Td><Td><StatusBadge status={l.status} /></Td>
                  <Td hideSm><span className="block max-w-64 whitespace-pre-wrap break-words">{l.reason}</span></Td><Td hideSm>{l.current_approver_name || '—'}</Td>
                </tr>
              ))}
            </Table>
          )}
        </Loadable>
      </Card>
    </Page>
  );
}
