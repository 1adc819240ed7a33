// The application shell of every signed-in page: a role-aware sidebar (collapsible between
// icon-only and full width; a drawer behind a hamburger on phones), a header with the page
// title, the "On Break" pill with its running time, the workspace switcher and the user menu
// (sessions, sign out of one or all). Pages set their title with <Page title>.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { PAGE_MAX, del, get, items, post } from '../lib/api';
import { formatDateTime, hhmmss } from '../lib/format';
import { useNow } from '../lib/hooks';
import { navigation, roleLabel, selfPages } from '../lib/roles';
import { useSession } from '../lib/session';
import { Icon } from './icons';
import { useAttendanceStatus } from './status';
import { useToast } from './toast';
import { Button, ConfirmDialog, Dialog } from './ui';

const TitleCtx = createContext<(t: string) => void>(() => undefined);

/** Sets the header title and the document title; renders the page body. */
export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const setTitle = useContext(TitleCtx);
  useEffect(() => {
    setTitle(title);
    document.title = `${title} · Workforce OS`;
  }, [title, setTitle]);
  return (
    <div className="mx-auto w-full max-w-6xl space-y-6">
      {actions && <div className="flex flex-wrap justify-end gap-2">{actions}</div>}
      {children}
    </div>
  );
}

function useApprovalsCount(enabled: boolean) {
  const [count, setCount] = useState<number | null>(null);
  const location = useLocation();
  useEffect(() => {
    if (!enabled) return;
    let stop = false;
    const load = () => {
      Promise.allSettled([get('/leaves/pending'), get('/attendance/corrections/pending')]).then((rs) => {
        if (stop) return;
        // paged queues report their total; count it, not the page
        const size = (d: unknown) => (typeof (d as { total?: unknown })?.total === 'number' ? (d as { total: number }).total : items(d).length);
        const n = rs.reduce((sum, r) => sum + (r.status === 'fulfilled' ? size(r.value) : 0), 0);
        setCount(n);
      });
    };
    load();
    const id = window.setInterval(load, 60000);
    return () => { stop = true; window.clearInterval(id); };
  }, [enabled, location.pathname]);
  return count;
}

function Sidebar({ collapsed, onToggle, mobileOpen, onClose }: { collapsed: boolean; onToggle: () => void; mobileOpen: boolean; onClose: () => void }) {
  const { user, can } = useSession();
  const [confirm, setConfirm] = useState(false);
  const { logout } = useSession();
  const navigate = useNavigate();
  const leader = ['admin', 'hr_operations', 'manager', 'team_lead'].includes(user?.role ?? '');
  const approvals = useApprovalsCount(leader);
  const sections = navigation(user?.role);
  const wide = !collapsed || mobileOpen;
  return (
    <>
      {mobileOpen && <div className="fixed inset-0 z-30 bg-slate-900/40 lg:hidden" onClick={onClose} aria-hidden />}
      <aside aria-label="Main navigation"
        className={`fixed inset-y-0 left-0 z-40 flex flex-col border-r border-slate-200 bg-white transition-transform lg:static lg:translate-x-0 ${mobileOpen ? 'translate-x-0' : '-translate-x-full'} ${wide ? 'w-64' : 'w-16'}`}>
        <div className={`flex h-14 items-center border-b border-slate-100 ${wide ? 'justify-between px-4' : 'justify-center'}`}>
          {wide && <Link to="/" className="text-base font-semibold text-indigo-800">Workforce OS</Link>}
          <button type="button" onClick={mobileOpen ? onClose : onToggle} className="hidden rounded p-1.5 text-slate-600 hover:bg-slate-100 focus-visible:ring-2 focus-visible:ring-indigo-600 lg:block"
            aria-label={collapsed ? 'Expand sidebar' : 'Collapse sidebar'} aria-expanded={!collapsed}>
            <Icon name={collapsed ? 'chevronRight' : 'chevronLeft'} />
          </button>
          <button type="button" onClick={onClose} className="rounded p-1.5 text-slate-600 hover:bg-slate-100 lg:hidden" aria-label="Close menu"><Icon name="x" /></button>
        </div>
        {wide && (
          <div className="px-4 pt-3">
            <span className="inline-flex rounded-full bg-indigo-50 px-2.5 py-0.5 text-xs font-semibold text-indigo-800 ring-1 ring-inset ring-indigo-600/25" data-testid="role-badge">{roleLabel(user?.role, user?.role_label)}</span>
          </div>
        )}
        <nav className="flex-1 overflow-y-auto overflow-x-hidden px-2 py-3">
          {sections.map((s, i) => (
            <div key={i} className="mb-3">
              {s.title && wide && <p className="px-2 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{s.title}</p>}
              <ul className="space-y-0.5">
                {s.items.filter((it) => !it.perm || can(it.perm)).map((it) => (
                  <li key={it.to}>
                    <NavLink to={it.to} onClick={onClose} title={wide ? undefined : it.label}
                      className={({ isActive }) => `flex items-center gap-3 rounded-lg px-2.5 py-2 text-sm font-medium focus-visible:ring-2 focus-visible:ring-indigo-600 ${isActive ? 'bg-indigo-50 text-indigo-800' : 'text-slate-700 hover:bg-slate-100'} ${wide ? '' : 'justify-center'}`}>
                      <Icon name={it.icon} className="h-5 w-5 shrink-0" />
                      {wide ? <span className="flex-1 truncate">{it.label}</span> : <span className="sr-only">{it.label}</span>}
                      {it.badge === 'approvals' && approvals !== null && approvals > 0 && (
                        <span className={`rounded-full bg-amber-500 px-1.5 text-xs font-semibold text-slate-900 ${wide ? '' : 'sr-only'}`} aria-label={`${approvals} waiting`} data-testid="approvals-count">{approvals}</span>
                      )}
                    </NavLink>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
        <div className="border-t border-slate-100 p-2">
          <button type="button" onClick={() => setConfirm(true)} title={wide ? undefined : 'Sign out'}
            className={`flex w-full items-center gap-3 rounded-lg px-2.5 py-2 text-sm font-medium text-rose-700 hover:bg-rose-50 focus-visible:ring-2 focus-visible:ring-rose-600 ${wide ? '' : 'justify-center'}`}>
            <Icon name="logout" />{wide ? 'Sign out' : <span className="sr-only">Sign out</span>}
          </button>
        </div>
      </aside>
      <ConfirmDialog open={confirm} title="Sign out?" message="You will need your password to sign in again." confirmLabel="Sign out"
        onClose={() => setConfirm(false)} onConfirm={async () => { setConfirm(false); await logout(); navigate('/login'); }} />
    </>
  );
}

function BreakPill() {
  const { today } = useAttendanceStatus();
  const now = useNow(1000);
  const { user } = useSession();
  const br = today?.active_break;
  if (!br) return null;
  const secs = (now - new Date(br.started_at).getTime()) / 1000;
  return (
    <Link to={selfPages(user?.role).attendance} data-testid="break-pill"
      className="inline-flex items-center gap-2 rounded-full bg-amber-100 px-3 py-1 text-sm font-medium text-amber-900 ring-1 ring-amber-500/40">
      <span className="relative flex h-2.5 w-2.5"><span className="absolute inline-flex h-full w-full animate-ping rounded-full bg-amber-500 opacity-75 motion-reduce:animate-none" /><span className="relative inline-flex h-2.5 w-2.5 rounded-full bg-amber-600" /></span>
      On Break <span className="tabular-nums">{hhmmss(secs)}</span>
    </Link>
  );
}

function WorkspaceSwitcher() {
  const { workspace, workspaces, switchWorkspace } = useSession();
  const toast = useToast();
  const navigate = useNavigate();
  if (!workspace) return null;
  if (workspaces.length <= 1) return <span className="hidden max-w-48 truncate text-sm text-slate-600 md:inline" title={workspace.name}>{workspace.name}</span>;
  return (
    <label className="hidden items-center gap-2 text-sm md:flex">
      <span className="sr-only">Workspace</span>
      <select value={workspace.id} className="max-w-48 rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm"
        onChange={async (e) => {
          try {
            await switchWorkspace(e.target.value);
            toast.success('Workspace switched.');
            navigate('/');
          } catch (err) { toast.error(err); }
        }}>
        {workspaces.filter((w) => w.status !== 'inactive').map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
      </select>
    </label>
  );
}

interface SessionRow { id: string; device: string; ip_address: string | null; last_used_at: string; current: boolean }

function UserMenu() {
  const { user, logout, tz } = useSession();
  const [open, setOpen] = useState(false);
  const [sessions, setSessions] = useState<SessionRow[] | null>(null);
  const [showSessions, setShowSessions] = useState(false);
  const [confirmAll, setConfirmAll] = useState(false);
  const navigate = useNavigate();
  const toast = useToast();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const close = (e: MouseEvent) => { if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false); };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, []);
  const loadSessions = () => get('/auth/sessions', { limit: PAGE_MAX }).then((d) => setSessions(items<SessionRow>(d)), (e) => toast.error(e));
  const initials = (user?.full_name ?? '?').split(/\s+/).map((w) => w[0]).slice(0, 2).join('').toUpperCase();
  return (
    <div className="relative" ref={ref}>
      <button type="button" onClick={() => setOpen((o) => !o)} aria-haspopup="menu" aria-expanded={open}
        className="flex items-center gap-2 rounded-full p-0.5 pr-2 hover:bg-slate-100 focus-visible:ring-2 focus-visible:ring-indigo-600" data-testid="user-menu">
        <span className="flex h-8 w-8 items-center justify-center rounded-full bg-indigo-700 text-xs font-semibold text-white">{initials}</span>
        <span className="hidden max-w-36 truncate text-sm font-medium text-slate-800 sm:inline">{user?.full_name}</span>
        <Icon name="chevronDown" className="h-4 w-4 text-slate-600" />
      </button>
      {open && (
        <div role="menu" className="absolute right-0 z-50 mt-2 w-56 rounded-lg border border-slate-200 bg-white py-1 shadow-lg">
          <p className="truncate px-3 py-2 text-xs text-slate-600">{user?.email}</p>
          <Link role="menuitem" to="/profile" onClick={() => setOpen(false)} className="block px-3 py-2 text-sm text-slate-800 hover:bg-slate-100">Profile</Link>
          <button role="menuitem" type="button" onClick={() => { setOpen(false); setShowSessions(true); loadSessions(); }} className="block w-full px-3 py-2 text-left text-sm text-slate-800 hover:bg-slate-100">Sessions</button>
          <button role="menuitem" type="button" onClick={async () => { setOpen(false); await logout(); navigate('/login'); }} className="block w-full px-3 py-2 text-left text-sm text-rose-700 hover:bg-rose-50">Sign out</button>
        </div>
      )}
      <Dialog open={showSessions} title="Signed-in sessions" onClose={() => setShowSessions(false)}
        footer={<Button variant="danger" onClick={() => setConfirmAll(true)}>Sign out everywhere</Button>}>
        {sessions === null ? <p className="text-sm text-slate-600">Loading sessions…</p> : sessions.length === 0 ? <p className="text-sm">No active sessions</p> : (
          <ul className="divide-y divide-slate-100">
            {sessions.map((s) => (
              <li key={s.id} className="flex items-center justify-between gap-3 py-2 text-sm">
                <div><p className="font-medium">{s.device}{s.current && <span className="ml-2 text-xs text-emerald-700">(this device)</span>}</p>
                  <p className="text-xs text-slate-600">Last used {formatDateTime(s.last_used_at, tz)}</p></div>
                {!s.current && <Button variant="secondary" onClick={async () => {
                  try { await del(`/auth/sessions/${s.id}`); toast.success('Session signed out.'); loadSessions(); } catch (e) { toast.error(e); }
                }}>Sign out</Button>}
              </li>
            ))}
          </ul>
        )}
      </Dialog>
      <ConfirmDialog open={confirmAll} title="Sign out everywhere?" message="Every device, this one included, will need to sign in again." confirmLabel="Sign out everywhere"
        onClose={() => setConfirmAll(false)} onConfirm={async () => {
          try { await post('/auth/logout-all'); } catch { /* ends locally anyway */ }
          setConfirmAll(false); await logout(); navigate('/login');
        }} />
    </div>
  );
}

export function Layout() {
  const [title, setTitle] = useState('');
  const [collapsed, setCollapsed] = useState(() => localStorage.getItem('wos.sidebar') === 'collapsed');
  const [mobileOpen, setMobileOpen] = useState(false);
  const toggle = () => setCollapsed((c) => { localStorage.setItem('wos.sidebar', c ? 'open' : 'collapsed'); return !c; });
  return (
    <TitleCtx.Provider value={setTitle}>
      <div className="flex h-dvh overflow-hidden">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">Skip to content</a>
        <Sidebar collapsed={collapsed} onToggle={toggle} mobileOpen={mobileOpen} onClose={() => setMobileOpen(false)} />
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="flex h-14 shrink-0 items-center gap-3 border-b border-slate-200 bg-white px-3 sm:px-6">
            <button type="button" onClick={() => setMobileOpen(true)} className="rounded p-1.5 text-slate-700 hover:bg-slate-100 lg:hidden" aria-label="Open menu"><Icon name="menu" /></button>
            <h1 className="min-w-0 flex-1 truncate text-lg font-semibold text-slate-900" data-testid="page-title">{title}</h1>
            <BreakPill />
            <WorkspaceSwitcher />
            <UserMenu />
          </header>
          <main id="main" className="flex-1 overflow-y-auto overflow-x-hidden px-3 py-5 sm:px-6">
            <Outlet />
          </main>
        </div>
      </div>
    </TitleCtx.Provider>
  );
}
