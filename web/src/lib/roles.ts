// Roles, their landing pages, which URL areas they may open (spec 13 §2) and their sidebar
// navigation (spec 13 §3, trimmed to the pages this product has).

export type Role = 'admin' | 'hr_operations' | 'manager' | 'team_lead' | 'employee' | 'intern' | 'junior_employee';

export const ROLE_LABELS: Record<string, string> = {
  admin: 'Admin', hr_operations: 'HR & Ops', manager: 'Manager', team_lead: 'Team Lead',
  employee: 'Employee', intern: 'Intern', junior_employee: 'Junior',
};

export const ROLE_ORDER: Role[] = ['intern', 'junior_employee', 'employee', 'team_lead', 'manager', 'hr_operations', 'admin'];

export function roleLabel(role: string | null | undefined, fallback?: string | null): string {
  if (!role) return 'Member';
  return ROLE_LABELS[role] ?? fallback ?? role.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
}

const SELF_SERVICE = ['employee', 'intern', 'junior_employee'];

export function landingPage(role: string | null | undefined): string {
  switch (role) {
    case 'admin': return '/admin/dashboard';
    case 'hr_operations': return '/hr/dashboard';
    case 'manager': return '/manager/dashboard';
    case 'team_lead': return '/team-lead/dashboard';
    default: return '/employee/dashboard';
  }
}

/** Whether role may open a path; paths outside the role areas are open to every member. */
export function canOpen(role: string | null | undefined, path: string): boolean {
  const r = role ?? '';
  if (path.startsWith('/admin/') || path === '/admin') return r === 'admin' || r === 'hr_operations';
  if (path.startsWith('/hr/') || path === '/hr') return r === 'hr_operations';
  if (path.startsWith('/manager/') || path === '/manager') return ['manager', 'admin', 'hr_operations', 'team_lead'].includes(r);
  if (path.startsWith('/team-lead/')) return r === 'team_lead';
  if (path.startsWith('/employee/')) return SELF_SERVICE.includes(r) || r === 'team_lead' || !ROLE_ORDER.includes(r as Role);
  return true;
}

export interface NavItem { to: string; label: string; icon: string; badge?: 'approvals'; perm?: string }
export interface NavSection { title?: string; items: NavItem[] }

const MY_DAY_LEADER: NavItem[] = [
  { to: '/manager/my-attendance', label: 'My Attendance', icon: 'clock' },
  { to: '/manager/my-leaves', label: 'My Leaves', icon: 'plane' },
];

export function navigation(role: string | null | undefined): NavSection[] {
  switch (role) {
    case 'admin':
      return [
        { items: [
          { to: '/admin/dashboard', label: 'Org Dashboard', icon: 'home' },
          { to: '/admin/users', label: 'Users & Teams', icon: 'users' },
          { to: '/admin/organization', label: 'Organization', icon: 'building' },
          { to: '/admin/approvals', label: 'Approvals', icon: 'check', badge: 'approvals' },
          { to: '/admin/attendance-exceptions', label: 'Attendance Exceptions', icon: 'alert' },
          { to: '/manager/attendance', label: 'Attendance', icon: 'calendar' },
          { to: '/admin/leave-balances', label: 'Leave Balances', icon: 'plane' },
          { to: '/admin/audit-logs', label: 'Audit Logs', icon: 'scroll' },
        ] },
        { title: 'Administration', items: [
          { to: '/admin/permissions', label: 'Permissions', icon: 'key' },
          { to: '/admin/alerts', label: 'Alerts', icon: 'bell' },
          { to: '/admin/settings', label: 'Settings', icon: 'cog' },
          { to: '/admin/jobs', label: 'Dead Jobs', icon: 'inbox' },
        ] },
        { title: 'My day', items: MY_DAY_LEADER },
      ];
    case 'hr_operations':
      return [
        { items: [
          { to: '/hr/dashboard', label: 'HR Dashboard', icon: 'home' },
          { to: '/admin/users', label: 'All Users', icon: 'users' },
          { to: '/manager/approvals', label: 'Attendance & Leaves', icon: 'check', badge: 'approvals' },
          { to: '/hr/attendance-exceptions', label: 'Attendance Exceptions', icon: 'alert' },
          { to: '/manager/attendance', label: 'Attendance', icon: 'calendar' },
          { to: '/admin/organization', label: 'Organization', icon: 'building' },
          { to: '/admin/leave-balances', label: 'Leave Balances', icon: 'plane' },
          { to: '/admin/alerts', label: 'Alerts', icon: 'bell' },
        ] },
        { title: 'My day', items: MY_DAY_LEADER },
      ];
    case 'manager':
      return [
        { items: [
          { to: '/manager/dashboard', label: 'Dashboard', icon: 'home' },
          { to: '/manager/team', label: 'Team Members', icon: 'users' },
          { to: '/manager/approvals', label: 'Approvals', icon: 'check', badge: 'approvals' },
          { to: '/manager/attendance-exceptions', label: 'Attendance Exceptions', icon: 'alert' },
          { to: '/manager/attendance', label: 'Team Attendance', icon: 'calendar' },
          { to: '/manager/leaves', label: 'Team Leaves', icon: 'plane' },
        ] },
        { title: 'My day', items: MY_DAY_LEADER },
      ];
    case 'team_lead':
      return [
        { items: [
          { to: '/team-lead/dashboard', label: 'Dashboard', icon: 'home' },
          { to: '/manager/approvals', label: 'Approvals', icon: 'check', badge: 'approvals' },
          { to: '/manager/attendance', label: 'Team Attendance', icon: 'calendar' },
          { to: '/manager/leaves', label: 'Team Leaves', icon: 'users' },
        ] },
        { title: 'My day', items: [
          { to: '/employee/attendance', label: 'My Attendance', icon: 'clock' },
          { to: '/employee/leaves', label: 'Leaves', icon: 'plane' },
        ] },
      ];
    default:
      return [
        { items: [
          { to: '/employee/dashboard', label: 'Dashboard', icon: 'home' },
          { to: '/employee/attendance', label: 'Attendance', icon: 'clock' },
          { to: '/employee/leaves', label: 'Leaves', icon: 'plane' },
        ] },
      ];
  }
}

/** The self-service attendance and leave pages of a role (own check-in, own requests). */
export function selfPages(role: string | null | undefined) {
  if (role === 'admin' || role === 'hr_operations' || role === 'manager') {
    return { attendance: '/manager/my-attendance', leaves: '/manager/my-leaves' };
  }
  return { attendance: '/employee/attendance', leaves: '/employee/leaves' };
}
