// Employee dashboard: the shift controller, worked time today and this week (HH:mm), today's
// breaks, upcoming holidays and active announcements.
import { useEffect } from 'react';
import { Link } from 'react-router-dom';
import { get, items } from '../../lib/api';
import { businessToday, formatDate, hhmm, minutesBetween, weekStart } from '../../lib/format';
import { useLoad, useNow } from '../../lib/hooks';
import { selfPages } from '../../lib/roles';
import { useSession } from '../../lib/session';
import { Page } from '../../components/Layout';
import { useAttendanceStatus, type AttendanceSession } from '../../components/status';
import { Card, EmptyState, Loadable, SkeletonRows, Stat } from '../../components/ui';
import { ShiftController } from './ShiftController';

interface Holiday { id: string; name: string; holiday_date: string }
interface Announcement { id: string; title: string; content: string; priority?: string }

export function sessionMinutes(s: AttendanceSession, now: number): number {
  return s.check_out_at ? (s.worked_minutes ?? minutesBetween(s.check_in_at, s.check_out_at)) : minutesBetween(s.check_in_at, null, now);
}

export function WorkSummary() {
  const { tz } = useSession();
  const { today } = useAttendanceStatus();
  const now = useNow(30000);
  const day = businessToday(tz);
  const from = weekStart(day);
  const week = useLoad(() => get('/attendance/me', { date_from: from, date_to: day, limit: 100 }).then((d) => items<AttendanceSession>(d)), [from, day, today?.session?.id, today?.session?.session_status]);
  useEffect(() => {
    const r = () => week.reload();
    window.addEventListener('wos:attendance', r);
    return () => window.removeEventListener('wos:attendance', r);
  }, [week]);
  const todayMin = (week.data ?? []).filter((s) => s.business_date === (today?.business_date ?? day)).reduce((m, s) => m + sessionMinutes(s, now), 0);
  const weekMin = (week.data ?? []).reduce((m, s) => m + sessionMinutes(s, now), 0);
  const breakMin = today?.break_minutes ?? 0;
  return (
    <div className="grid grid-cols-2 gap-3 xl:grid-cols-4">
      <Stat label="Worked today" value={week.data ? hhmm(todayMin) : '—'} />
      <Stat label="This week" value={week.data ? hhmm(weekMin) : '—'} hint={`Since ${formatDate(from)}`} />
      <Stat label="Breaks today" value={hhmm(breakMin)} />
      <Stat label="Business date" value={<span className="text-lg">{formatDate(today?.business_date ?? day)}</span>} />
    </div>
  );
}

export function UpcomingHolidays() {
  const { tz } = useSession();
  const st = useLoad(() => get('/holidays/upcoming', { limit: 5, from_date: businessToday(tz) }).then((d) => items<Holiday>(d)), [tz]);
  return (
    <Card title="Upcoming holidays">
      <Loadable state={st} skeleton={<SkeletonRows rows={3} cols={2} />}>
        {(list) => list.length === 0 ? <EmptyState title="No upcoming holidays" /> : (
          <ul className="divide-y divide-slate-100">{list.map((h) => <li key={h.id} className="flex justify-between py-2 text-sm"><span className="font-medium">{h.name}</span><span className="text-slate-600">{formatDate(h.holiday_date)}</span></li>)}</ul>
        )}
      </Loadable>
    </Card>
  );
}

export function ActiveAnnouncements() {
  const st = useLoad(() => get<{ announcements: Announcement[] }>('/announcements/active', { limit: 5 }).then((d) => d.announcements ?? []), []);
  return (
    <Card title="Announcements">
      <Loadable state={st} skeleton={<SkeletonRows rows={2} cols={1} />}>
        {(list) => list.length === 0 ? <EmptyState title="No announcements right now" /> : (
          <ul className="space-y-3">{list.map((a) => <li key={a.id}><p className="text-sm font-semibold">{a.title}</p><p className="line-clamp-3 text-sm text-slate-700">{a.content.replace(/\s+/g, ' ')}</p></li>)}</ul>
        )}
      </Loadable>
    </Card>
  );
}

export function EmployeeDashboard() {
  const { user } = useSession();
  const pages = selfPages(user?.role);
  return (
    <Page title="Dashboard">
      <p className="text-sm text-slate-700">Hello {user?.full_name?.split(' ')[0]} — here is your day.</p>
      <WorkSummary />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="lg:col-span-1"><ShiftController /></div>
        <div className="space-y-6 lg:col-span-2">
          <Card title="Quick actions">
            <div className="flex flex-wrap gap-2 text-sm">
              <Link className="rounded-lg border border-slate-300 px-3 py-2 font-medium hover:bg-slate-50" to={pages.leaves}>Request leave or WFH</Link>
              <Link className="rounded-lg border border-slate-300 px-3 py-2 font-medium hover:bg-slate-50" to={pages.attendance}>Attendance history</Link>
            </div>
          </Card>
          <div className="grid grid-cols-1 gap-6 md:grid-cols-2"><UpcomingHolidays /><ActiveAnnouncements /></div>
        </div>
      </div>
    </Page>
  );
}
