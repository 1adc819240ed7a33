// Organisation dashboard for admin and HR: KPIs (members, checked in now, waiting approvals,
// open alerts), the last 14 days of attendance as a chart (Recharts), today's board and the
// upcoming holidays.
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { get, items } from '../../lib/api';
import { addDays, businessToday, formatDate } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import { Page } from '../../components/Layout';
import type { AttendanceSession } from '../../components/status';
import { Card, EmptyState, Loadable, Skeleton, SkeletonCards, Stat } from '../../components/ui';
import { UpcomingHolidays } from '../employee/Dashboard';

interface Summary { members: number; invited: number; checkedIn: number; onBreak: number; approvals: number | null; alerts: number | null; days: { date: string; label: string; present: number; late: number }[] }

export function OrgDashboard({ title }: { title: string }) {
  const { tz } = useSession();
  const today = businessToday(tz);
  const from = addDays(today, -13);
  const st = useLoad<Summary>(async () => {
    const [members, sessions, approvals, alerts] = await Promise.all([
      get<{ items: { status: string }[]; total: number }>('/users', { limit: 200 }),
      get('/attendance/workspace', { date_from: from, date_to: today, limit: 200 }).then((d) => items<AttendanceSession>(d)),
      get<{ summary: { total: number } }>('/approvals').then((a) => a.summary.total, () => null),
      get<{ total: number }>('/alerts', { status: 'open', limit: 1 }).then((a) => a.total, () => null),
    ]);
    const list = members.items;
    const days = Array.from({ length: 14 }, (_, i) => addDays(from, i)).map((d) => {
      const of = sessions.filter((s) => s.business_date === d);
      return { date: d, label: formatDate(d).replace(/, \d{4}$/, ''), present: new Set(of.map((s) => s.user_id)).size, late: of.filter((s) => s.is_late_login).length };
    });
    const active = sessions.filter((s) => s.session_status === 'active');
    return {
      members: list.filter((m) => m.status === 'active').length, invited: list.filter((m) => m.status === 'invited').length,
      checkedIn: active.length, onBreak: active.filter((s) => s.active_break).length, approvals, alerts, days,
    };
  }, [today]);
  return (
    <Page title={title}>
      <Loadable state={st} skeleton={<SkeletonCards count={4} />}>
        {(s) => (
          <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
            <Stat label="Active members" value={s.members} hint={s.invited ? `${s.invited} invitation(s) pending` : 'No pending invitations'} />
            <Stat label="Checked in now" value={s.checkedIn} hint={`${s.onBreak} on break`} />
            <Stat label="Waiting approvals" value={s.approvals ?? '—'} />
            <Stat label="Open alerts" value={s.alerts ?? '—'} />
          </div>
        )}
      </Loadable>
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <Card title="Attendance, last 14 days" className="lg:col-span-2">
          <Loadable state={st} skeleton={<Skeleton className="h-64 w-full" />}>
            {(s) => s.days.every((d) => d.present === 0) ? <EmptyState title="No attendance recorded in the last 14 days" /> : (
              <div className="h-64" role="img" aria-label={`Members present per day; today ${s.days[13].present}`}>
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={s.days} margin={{ left: -20, right: 8 }}>
                    <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
                    <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#475569' }} interval="preserveStartEnd" />
                    <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: '#475569' }} />
                    <Tooltip />
                    <Bar dataKey="present" name="Present" fill="#4338ca" radius={[4, 4, 0, 0]} />
                    <Bar dataKey="late" name="Late" fill="#be123c" radius={[4, 4, 0, 0]} />
                  </BarChart>
                </ResponsiveContainer>
              </div>
            )}
          </Loadable>
        </Card>
        <UpcomingHolidays />
      </div>
    </Page>
  );
}
