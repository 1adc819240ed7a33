// Routes and guards (spec 13 §2): public pages, the signed-in shell with role areas
// (/admin, /hr, /manager, /team-lead, /employee), /unauthorized for a wrong role, /login for
// the signed-out, and the lazily loaded API reference at /docs.
import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Outlet, Route, Routes, useLocation } from 'react-router-dom';
import { canOpen, landingPage } from './lib/roles';
import { SessionProvider, useSession } from './lib/session';
import { Layout } from './components/Layout';
import { StatusProvider } from './components/status';
import { ToastProvider } from './components/toast';
import { Skeleton } from './components/ui';
import { ActivatePage, ForgotPasswordPage, LoginPage, NotFoundPage, RegisterPage, ResetPasswordPage, UnauthorizedPage } from './pages/auth/AuthPages';
import { EmployeeDashboard } from './pages/employee/Dashboard';
import { AttendancePage } from './pages/employee/Attendance';
import { LeavesPage } from './pages/employee/Leaves';
import { TeamAttendancePage, TeamLeavesPage, TeamMembersPage, TeamTodayPage } from './pages/manager/Team';
import { ApprovalsPage } from './pages/manager/Approvals';
import { ExceptionsPage } from './pages/manager/Exceptions';
import { MembersPage } from './pages/admin/Members';
import { OrganizationPage } from './pages/admin/Organization';
import { AlertsPage, AuditLogPage, DeadJobsPage, PermissionsPage, SettingsPage } from './pages/admin/Governance';
import { ProfilePage } from './pages/shared/Profile';
import { LeaveBalancesPage } from './pages/admin/LeaveBalances';

const ApiDocs = lazy(() => import('./pages/shared/ApiDocs'));
// Recharts is only needed by the organisation dashboards: its own chunk.
const LazyOrgDashboard = lazy(() => import('./pages/admin/Dashboard').then((m) => ({ default: m.OrgDashboard })));
function OrgDashboard({ title }: { title: string }) {
  return <Suspense fallback={<div className="p-4"><Skeleton className="h-24 w-full" /></div>}><LazyOrgDashboard title={title} /></Suspense>;
}

function Splash() {
  return (
    <div className="flex h-dvh items-center justify-center" role="status" aria-label="Loading">
      <div className="w-64 space-y-3"><Skeleton className="h-6 w-2/3" /><Skeleton className="h-4 w-full" /><Skeleton className="h-4 w-5/6" /></div>
    </div>
  );
}

/** Signed-in members only; a path outside the role's areas shows /unauthorized. */
function Guard() {
  const { state, user } = useSession();
  const location = useLocation();
  if (state === 'loading') return <Splash />;
  if (state === 'signed-out') return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (!canOpen(user?.role, location.pathname)) return <Navigate to="/unauthorized" replace />;
  return <StatusProvider><Layout /></StatusProvider>;
}

function Home() {
  const { state, user } = useSession();
  if (state === 'loading') return <Splash />;
  return <Navigate to={state === 'signed-in' ? landingPage(user?.role) : '/login'} replace />;
}

function PublicOnly({ children }: { children: ReactNode }) {
  const { state } = useSession();
  if (state === 'loading') return <Splash />;
  return <>{children}</>;
}

export default function App() {
  return (
    <BrowserRouter>
      <ToastProvider>
        <SessionProvider>
          <Routes>
            <Route path="/" element={<Home />} />
            <Route path="/login" element={<PublicOnly><LoginPage /></PublicOnly>} />
            <Route path="/forgot-password" element={<ForgotPasswordPage />} />
            <Route path="/reset-password" element={<ResetPasswordPage />} />
            <Route path="/activate" element={<ActivatePage />} />
            <Route path="/register" element={<PublicOnly><RegisterPage /></PublicOnly>} />
            <Route path="/docs" element={<Suspense fallback={<Splash />}><ApiDocs /></Suspense>} />
            <Route element={<Guard />}>
              <Route path="/unauthorized" element={<UnauthorizedPage />} />
              <Route path="/profile" element={<ProfilePage />} />
              <Route path="/employee" element={<Outlet />}>
                <Route path="dashboard" element={<EmployeeDashboard />} />
                <Route path="attendance" element={<AttendancePage />} />
                <Route path="leaves" element={<LeavesPage />} />
              </Route>
              <Route path="/team-lead/dashboard" element={<TeamTodayPage title="Team lead dashboard" />} />
              <Route path="/manager" element={<Outlet />}>
                <Route path="dashboard" element={<TeamTodayPage title="Team today" />} />
                <Route path="team" element={<TeamMembersPage />} />
                <Route path="approvals" element={<ApprovalsPage />} />
                <Route path="attendance" element={<TeamAttendancePage />} />
                <Route path="attendance-exceptions" element={<ExceptionsPage />} />
                <Route path="leaves" element={<TeamLeavesPage />} />
                <Route path="my-attendance" element={<AttendancePage />} />
                <Route path="my-leaves" element={<LeavesPage />} />
              </Route>
              <Route path="/hr" element={<Outlet />}>
                <Route path="dashboard" element={<OrgDashboard title="HR dashboard" />} />
                <Route path="approvals" element={<ApprovalsPage />} />
                <Route path="attendance-exceptions" element={<ExceptionsPage />} />
              </Route>
              <Route path="/admin" element={<Outlet />}>
                <Route path="dashboard" element={<OrgDashboard title="Organization dashboard" />} />
                <Route path="users" element={<MembersPage />} />
                <Route path="organization" element={<OrganizationPage />} />
                <Route path="holidays" element={<OrganizationPage initialTab="holidays" />} />
                <Route path="announcements" element={<OrganizationPage initialTab="announcements" />} />
                <Route path="operations/shifts" element={<OrganizationPage initialTab="shifts" />} />
                <Route path="approvals" element={<ApprovalsPage />} />
                <Route path="attendance-exceptions" element={<ExceptionsPage />} />
                <Route path="audit-logs" element={<AuditLogPage />} />
                <Route path="permissions" element={<PermissionsPage />} />
                <Route path="alerts" element={<AlertsPage />} />
                <Route path="settings" element={<SettingsPage />} />
                <Route path="jobs" element={<DeadJobsPage />} />
                <Route path="leave-balances" element={<LeaveBalancesPage />} />
              </Route>
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </SessionProvider>
      </ToastProvider>
    </BrowserRouter>
  );
}
