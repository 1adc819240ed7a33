// Admin governance pages: the editable permissions matrix (role x permission), workspace
// settings, alerts (resolve / dismiss with a note), the audit log read as sentences with
// filters, and dead background jobs with retry.
import { Fragment, useState } from 'react';
import { get, items, patch, post, put } from '../../lib/api';
import { addDays, businessToday, formatDateTime, humanize, zonedToUtc } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import { Page } from '../../components/Layout';
import { useToast } from '../../components/toast';
import { Badge, Button, Card, Dialog, EmptyState, Loadable, SelectField, SkeletonRows, StatusBadge, Table, Td, TextArea, TextField } from '../../components/ui';
import { sentence, type AuditRow } from './audit';

interface Perm { key: string; label: string; category: string; description: string }
interface RoleRow { name: string; label: string; is_system: boolean; rank: number; member_count: number; permissions: string[] }

export function PermissionsPage() {
  const toast = useToast();
  const st = useLoad(() => get<{ permissions: Perm[]; roles: RoleRow[] }>('/permissions'), []);
  const [filter, setFilter] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const toggle = async (role: RoleRow, key: string, on: boolean) => {
    const next = on ? [...role.permissions, key] : role.permissions.filter((k) => k !== key);
    setBusy(role.name + key);
    try {
      await put(`/permissions/roles/${role.name}`, { permission_keys: next });
      toast.success(`${role.label}: ${on ? 'granted' : 'removed'} "${key}".`);
      st.reload();
    } catch (e) { toast.error(e); } finally { setBusy(null); }
  };
  return (
    <Page title="Permissions">
      <Card title="Role permissions" actions={<TextField label="Filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="Permission or category" />}>
        <Loadable state={st} skeleton={<SkeletonRows rows={8} cols={6} />}>
          {({ permissions, roles }) => {
            const shown = permissions.filter((p) => !filter || `${p.key} ${p.label} ${p.category}`.toLowerCase().includes(filter.toLowerCase()));
            const cats = [...new Set(shown.map((p) => p.category))];
            return shown.length === 0 ? <EmptyState title="No permission matches the filter" /> : (
              <div className="-mx-4 overflow-x-auto px-4">
                <table className="min-w-full text-sm">
                  <caption className="sr-only">Permissions by role</caption>
                  <thead><tr className="border-b border-slate-200 text-xs text-slate-600"><th scope="col" className="px-2 py-2 text-left font-medium">Permission</th>
                    {roles.map((r) => <th key={r.name} scope="col" className="px-2 py-2 text-center font-medium">{r.label}</th>)}</tr></thead>
                  <tbody>
                    {cats.map((c) => (
                      <Fragment key={c}>
                        <tr><th colSpan={roles.length + 1} scope="colgroup" className="bg-slate-50 px-2 py-1.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-700">{c}</th></tr>
                        {shown.filter((p) => p.category === c).map((p) => (
                          <tr key={p.key} className="border-b border-slate-100">
                            <th scope="row" className="px-2 py-1.5 text-left font-normal"><span className="text-slate-900">{p.label}</span><span className="block font-mono text-xs text-slate-600">{p.key}</span></th>
                            {roles.map((r) => (
                              <td key={r.name} className="px-2 py-1.5 text-center">
                                <input type="checkbox" className="h-4 w-4 accent-indigo-700" aria-label={`${p.label} for ${r.label}`} checked={r.permissions.includes(p.key)}
                                  disabled={r.name === 'admin' || busy !== null} onChange={(e) => toggle(r, p.key, e.target.checked)} />
                              </td>
                            ))}
                          </tr>
                        ))}
                      </Fragment>
                    ))}
                  </tbody>
                </table>
                <p className="mt-3 text-xs text-slate-600">The Admin role always holds every permission.</p>
              </div>
            );
          }}
        </Loadable>
      </Card>
    </Page>
  );
}

interface Setting { key: string; value: unknown; category: string; data_type: string; is_mutable: boolean; description: string; updated_at: string }

function SettingRow({ s, onSaved }: { s: Setting; onSaved: () => void }) {
  const toast = useToast();
  const [v, setV] = useState(typeof s.value === 'object' ? JSON.stringify(s.value) : String(s.value ?? ''));
  const [busy, setBusy] = useState(false);
  const original = typeof s.value === 'object' ? JSON.stringify(s.value) : String(s.value ?? '');
  const parse = (): unknown => {
    if (s.data_type === 'integer') return Number.isInteger(Number(v)) && v.trim() !== '' ? Number(v) : undefined;
    if (s.data_type === 'number') return v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
    if (s.data_type === 'boolean') return v === 'true';
    if (s.data_type === 'json') { try { return JSON.parse(v); } catch { return undefined; } }
    return v;
  };
  const value = parse();
  return (
    <li className="grid gap-2 py-3 sm:grid-cols-[1fr_16rem_auto] sm:items-end">
      <div><p className="text-sm font-medium">{humanize(s.key.split('.').pop())}</p><p className="text-xs text-slate-600">{s.description}</p></div>
      {s.data_type === 'boolean' ? (
        <SelectField label={s.key} value={v} disabled={!s.is_mutable} onChange={(e) => setV(e.target.value)}><option value="true">Yes</option><option value="false">No</option></SelectField>
      ) : <TextField label={s.key} value={v} disabled={!s.is_mutable} onChange={(e) => setV(e.target.value)} inputMode={s.data_type === 'integer' ? 'numeric' : undefined} error={value === undefined ? `Enter a valid ${s.data_type}.` : null} />}
      <Button variant="secondary" disabled={!s.is_mutable || v === original || value === undefined} busy={busy} onClick={async () => {
        setBusy(true);
        try { await patch(`/settings/${encodeURIComponent(s.key)}`, { value }); toast.success(`Saved "${humanize(s.key.split('.').pop())}".`); onSaved(); } catch (e) { toast.error(e); } finally { setBusy(false); }
      }}>Save</Button>
    </li>
  );
}

export function SettingsPage() {
  const st = useLoad(() => get('/settings').then((d) => items<Setting>(d)), []);
  return (
    <Page title="Settings">
      <Loadable state={st} skeleton={<SkeletonRows rows={8} cols={3} />}>
        {(list) => list.length === 0 ? <EmptyState title="No settings" /> : (
          <div className="space-y-6">
            {[...new Set(list.map((s) => s.category))].map((c) => (
              <Card key={c} title={humanize(c)}><ul className="divide-y divide-slate-100">{list.filter((s) => s.category === c).map((s) => <SettingRow key={s.key + s.updated_at} s={s} onSaved={st.reload} />)}</ul></Card>
            ))}
          </div>
        )}
      </Loadable>
    </Page>
  );
}

interface Alert { id: string; alert_type: string; severity: string; status: string; title: string; message: string; recipient_name: string | null; related_entity_label: string | null; created_at: string; resolution_note: string | null; resolved_by_name: string | null }

export function AlertsPage() {
  const { tz } = useSession();
  const toast = useToast();
  const [status, setStatus] = useState('open');
  const [severity, setSeverity] = useState('');
  const [act, setAct] = useState<{ a: Alert; kind: 'resolve' | 'dismiss' } | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const st = useLoad(() => get('/alerts', { status, severity: severity || undefined }).then((d) => items<Alert>(d)), [status, severity]);
  return (
    <Page title="Alerts">
      <Card title="Alerts" actions={<div className="flex flex-wrap items-end gap-2">
        <SelectField label="Status" value={status} onChange={(e) => setStatus(e.target.value)}><option value="open">Open</option><option value="resolved">Resolved</option><option value="dismissed">Dismissed</option></SelectField>
        <SelectField label="Severity" value={severity} onChange={(e) => setSeverity(e.target.value)}><option value="">Any</option>{['critical', 'high', 'medium', 'low'].map((s) => <option key={s} value={s}>{humanize(s)}</option>)}</SelectField>
      </div>}>
        <Loadable state={st}>
          {(list) => list.length === 0 ? <EmptyState title={status === 'open' ? 'No active alerts' : 'No alerts'} /> : (
            <ul className="divide-y divide-slate-100">
              {list.map((a) => (
                <li key={a.id} className="flex flex-col gap-2 py-3 sm:flex-row sm:justify-between">
                  <div className="min-w-0">
                    <p className="text-sm font-semibold">{a.title} <StatusBadge status={a.severity} /></p>
                    <p className="text-sm text-slate-700">{a.message}</p>
                    <p className="text-xs text-slate-600">{a.recipient_name ? `For ${a.recipient_name} · ` : ''}{formatDateTime(a.created_at, tz)}{a.resolved_by_name ? ` · closed by ${a.resolved_by_name}` : ''}{a.resolution_note ? ` — “${a.resolution_note}”` : ''}</p>
                  </div>
                  {a.status === 'open' && <div className="flex shrink-0 gap-1">
                    <Button variant="secondary" onClick={() => { setNote(''); setAct({ a, kind: 'resolve' }); }}>Resolve</Button>
                    <Button variant="ghost" onClick={() => { setNote(''); setAct({ a, kind: 'dismiss' }); }}>Dismiss</Button></div>}
                </li>
              ))}
            </ul>
          )}
        </Loadable>
      </Card>
      <Dialog open={act !== null} title={act ? `${act.kind === 'resolve' ? 'Resolve' : 'Dismiss'} “${act.a.title}”` : ''} onClose={() => setAct(null)} footer={<>
        <Button variant="secondary" onClick={() => setAct(null)}>Cancel</Button>
        <Button busy={busy} onClick={async () => {
          if (!act) return;
          setBusy(true);
          try { await patch(`/alerts/${act.a.id}/${act.kind}`, { note: note.trim() || null }); toast.success(act.kind === 'resolve' ? 'Alert resolved.' : 'Alert dismissed.'); setAct(null); st.reload(); }
          catch (e) { toast.error(e); } finally { setBusy(false); }
        }}>{act?.kind === 'resolve' ? 'Resolve' : 'Dismiss'}</Button></>}>
        <TextArea label="Note (optional)" value={note} onChange={(e) => setNote(e.target.value)} maxLength={1000} />
      </Dialog>
    </Page>
  );
}

export function AuditLogPage() {
  const { tz } = useSession();
  const today = businessToday(tz);
  const [from, setFrom] = useState(addDays(today, -6));
  const [to, setTo] = useState(today);
  const [entity, setEntity] = useState('');
  const [action, setAction] = useState('');
  const [page, setPage] = useState(0);
  const size = 50;
  const st = useLoad(() => get<{ items: AuditRow[]; total: number }>('/audit-logs', {
    from: zonedToUtc(`${from}T00:00`, tz), to: zonedToUtc(`${addDays(to, 1)}T00:00`, tz),
    entity_type: entity || undefined, action_type: action.trim() || undefined, limit: size, offset: page * size,
  }), [from, to, entity, action, page]);
  return (
    <Page title="Audit log">
      <Card title="Activity" actions={<div className="flex flex-wrap items-end gap-2">
        <TextField label="From" type="date" value={from} max={to} onChange={(e) => { setFrom(e.target.value); setPage(0); }} />
        <TextField label="To" type="date" value={to} min={from} onChange={(e) => { setTo(e.target.value); setPage(0); }} />
        <SelectField label="Object" value={entity} onChange={(e) => { setEntity(e.target.value); setPage(0); }}>
          <option value="">Everything</option>{['user', 'auth', 'department', 'shift', 'holiday', 'announcement', 'leave_request', 'attendance_session', 'setting', 'role', 'workspace', 'job'].map((t) => <option key={t} value={t}>{humanize(t)}</option>)}
        </SelectField>
        <TextField label="Action" type="search" value={action} onChange={(e) => { setAction(e.target.value); setPage(0); }} placeholder="e.g. user.updated" />
      </div>}>
        <Loadable state={st} skeleton={<SkeletonRows rows={8} cols={3} />}>
          {(r) => r.items.length === 0 ? <EmptyState title="No activity in this range" /> : (
            <>
              <Table caption="Audit log" head={[{ label: 'When' }, { label: 'What happened' }, { label: 'Action', hideSm: true }, { label: 'From', hideSm: true }]}>
                {r.items.map((a) => (
                  <tr key={a.id}><Td className="whitespace-nowrap">{formatDateTime(a.created_at, tz)}</Td><Td>{sentence(a)}</Td>
                    <Td hideSm><Badge tone="neutral">{a.action_type}</Badge></Td><Td hideSm>{a.ip_address ?? '—'}</Td></tr>
                ))}
              </Table>
              <div className="mt-3 flex items-center justify-between text-sm text-slate-700">
                <span>{page * size + 1}–{page * size + r.items.length} of {r.total}</span>
                <div className="flex gap-2"><Button variant="secondary" disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</Button><Button variant="secondary" disabled={(page + 1) * size >= r.total} onClick={() => setPage(page + 1)}>Next</Button></div>
              </div>
            </>
          )}
        </Loadable>
      </Card>
    </Page>
  );
}

interface Job { id: string; kind: string; status: string; attempts: number; max_attempts: number; created_at: string; finished_at: string | null; last_error: string | null; payload: Record<string, unknown> }

export function DeadJobsPage() {
  const { tz } = useSession();
  const toast = useToast();
  const [status, setStatus] = useState('dead');
  const st = useLoad(() => get<{ items: Job[]; total: number }>('/admin/jobs', { status, limit: 100 }), [status]);
  return (
    <Page title="Background jobs">
      <Card title={status === 'dead' ? 'Dead jobs' : humanize(status) + ' jobs'} actions={<SelectField label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
        {['dead', 'queued', 'running', 'succeeded', 'skipped'].map((s) => <option key={s} value={s}>{humanize(s)}</option>)}</SelectField>}>
        <Loadable state={st}>
          {(r) => r.items.length === 0 ? <EmptyState title={status === 'dead' ? 'No dead jobs' : 'No jobs'}>{status === 'dead' ? 'Every background job succeeded or is still being retried.' : null}</EmptyState> : (
            <Table caption="Jobs" head={[{ label: 'Kind' }, { label: 'Created' }, { label: 'Attempts' }, { label: 'Last error', hideSm: true }, { label: 'Actions' }]}>
              {r.items.map((j) => (
                <tr key={j.id}>
                  <Td className="font-medium">{humanize(j.kind)}{typeof j.payload?.template === 'string' && <span className="block text-xs text-slate-600">{humanize(j.payload.template as string)}</span>}</Td>
                  <Td className="whitespace-nowrap">{formatDateTime(j.created_at, tz)}</Td><Td>{j.attempts} / {j.max_attempts}</Td>
                  <Td hideSm><span className="block max-w-md break-words text-xs text-slate-700">{j.last_error ?? '—'}</span></Td>
                  <Td>{j.status === 'dead' && <Button variant="secondary" onClick={async () => {
                    try { await post(`/admin/jobs/${j.id}/retry`); toast.success('Job queued again.'); st.reload(); } catch (e) { toast.error(e); }
                  }}>Retry</Button>}</Td>
                </tr>
              ))}
            </Table>
          )}
        </Loadable>
      </Card>
    </Page>
  );
}
