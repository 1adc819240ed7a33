// Members admin (spec 13 §4.5 Users & Teams): search and filters, invite (an empty password
// sends an invitation e-mail), edit role / department / shift / manager / designation,
// suspend, reactivate and deactivate (confirmed, red). Pickers show names, never ids.
import { useMemo, useState } from 'react';
import { del, get, getAll, items, patch, post } from '../../lib/api';
import { formatDate, formatDateTime } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { ROLE_ORDER, roleLabel } from '../../lib/roles';
import { useSession } from '../../lib/session';
import { isEmail, passwordProblem } from '../../lib/validation';
import { Page } from '../../components/Layout';
import { useToast } from '../../components/toast';
import { Button, Card, ConfirmDialog, Dialog, EmptyState, Loadable, SelectField, SkeletonRows, StatusBadge, Table, Td, TextField } from '../../components/ui';
import type { Member } from '../manager/Team';

interface Dept { id: string; name: string; is_active: boolean }
interface Shift { id: string; name: string; timing?: string; is_active: boolean }

export function useOrgLists() {
  return useLoad(async () => {
    const [departments, shifts, members] = await Promise.all([
      getAll<Dept>('/departments'),
      getAll<Shift>('/shifts'),
      get('/users', { limit: 200 }).then((d) => items<Member>(d).filter((m) => m.status === 'active' || m.status === 'invited')),
    ]);
    return { departments, shifts, members };
  }, []);
}

interface MemberForm { full_name: string; email: string; role: string; department_id: string; shift_id: string; manager_id: string; designation: string; phone: string; password: string }
const blank: MemberForm = { full_name: '', email: '', role: 'employee', department_id: '', shift_id: '', manager_id: '', designation: '', phone: '', password: '' };

function assignableRoles(myRole?: string): string[] {
  if (myRole === 'admin') return [...ROLE_ORDER].reverse();
  if (myRole === 'hr_operations') return ['team_lead', 'employee', 'junior_employee', 'intern'];
  return ['employee', 'junior_employee', 'intern'];
}

function MemberFields({ f, set, lists, invite, myRole, selfId }: { f: MemberForm; set: (f: MemberForm) => void; lists: ReturnType<typeof useOrgLists>['data']; invite: boolean; myRole?: string; selfId?: string }) {
  const roles = assignableRoles(myRole);
  if (!roles.includes(f.role)) roles.unshift(f.role);
  return (
    <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
      <TextField label="Full name" value={f.full_name} onChange={(e) => set({ ...f, full_name: e.target.value })} maxLength={200} />
      {invite ? <TextField label="E-mail" type="email" value={f.email} onChange={(e) => set({ ...f, email: e.target.value })} error={f.email && !isEmail(f.email) ? 'Enter a valid e-mail address.' : null} /> : <TextField label="Phone" value={f.phone} onChange={(e) => set({ ...f, phone: e.target.value })} maxLength={40} />}
      <SelectField label="Role" value={f.role} onChange={(e) => set({ ...f, role: e.target.value })}>
        {roles.map((r) => <option key={r} value={r}>{roleLabel(r)}</option>)}
      </SelectField>
      <TextField label="Designation" value={f.designation} onChange={(e) => set({ ...f, designation: e.target.value })} maxLength={120} />
      <SelectField label="Department" value={f.department_id} onChange={(e) => set({ ...f, department_id: e.target.value })}>
        <option value="">No department</option>{lists?.departments.filter((d) => d.is_active || d.id === f.department_id).map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
      </SelectField>
      <SelectField label="Work shift" value={f.shift_id} onChange={(e) => set({ ...f, shift_id: e.target.value })}>
        <option value="">Default Shift (none)</option>{lists?.shifts.filter((s) => s.is_active || s.id === f.shift_id).map((s) => <option key={s.id} value={s.id}>{s.name}{s.timing ? ` (${s.timing})` : ''}</option>)}
      </SelectField>
      <SelectField label="Reporting manager" value={f.manager_id} onChange={(e) => set({ ...f, manager_id: e.target.value })}>
        <option value="">No manager</option>{lists?.members.filter((m) => m.id !== selfId && ['admin', 'hr_operations', 'manager', 'team_lead'].includes(m.role)).map((m) => <option key={m.id} value={m.id}>{m.full_name} · {roleLabel(m.role, m.role_label)}{m.status === 'invited' ? ' (invited)' : ''}</option>)}
      </SelectField>
      {invite && <TextField label="Password (optional)" type="password" autoComplete="new-password" value={f.password} onChange={(e) => set({ ...f, password: e.target.value })}
        hint="Leave empty to e-mail an invitation link." error={f.password ? passwordProblem(f.password, [f.email, f.full_name]) : null} />}
    </div>
  );
}

export function MembersPage() {
  const { user, tz } = useSession();
  const toast = useToast();
  const lists = useOrgLists();
  const [search, setSearch] = useState('');
  const [role, setRole] = useState('');
  const [status, setStatus] = useState('');
  const [dept, setDept] = useState('');
  const [invite, setInvite] = useState(false);
  const [form, setForm] = useState<MemberForm>(blank);
  const [edit, setEdit] = useState<Member | null>(null);
  const [confirm, setConfirm] = useState<{ m: Member; kind: 'suspend' | 'deactivate' } | null>(null);
  const [busy, setBusy] = useState(false);
  const st = useLoad(() => get('/users', { search: search.trim() || undefined, role: role || undefined, status: status || undefined, department_id: dept || undefined, limit: 200 }).then((d) => items<Member & { joined_at?: string }>(d)), [search, role, status, dept]);

  const body = (f: MemberForm, creating: boolean) => {
    const b: Record<string, unknown> = {
      full_name: f.full_name.trim(), role: f.role, department_id: f.department_id || null, shift_id: f.shift_id || null,
      manager_id: f.manager_id || null, designation: f.designation.trim() || null,
    };
    if (creating) { b.email = f.email.trim(); if (f.password) b.password = f.password; } else { b.phone = f.phone.trim() || null; }
    return b;
  };
  const inviteValid = form.full_name.trim() !== '' && isEmail(form.email) && (!form.password || !passwordProblem(form.password, [form.email, form.full_name]));
  const refreshAll = () => { st.reload(); lists.reload(); };
  const changed = useMemo(() => edit && (form.full_name.trim() !== edit.full_name || form.role !== edit.role || (form.department_id || null) !== (edit.department_id ?? null) || (form.shift_id || null) !== (edit.shift_id ?? null) || (form.manager_id || null) !== (edit.manager_id ?? null) || (form.designation.trim() || null) !== (edit.designation ?? null) || (form.phone.trim() || null) !== (edit.phone ?? null)), [edit, form]);

  return (
    <Page title="Users & Teams" actions={<Button onClick={() => { setForm(blank); setInvite(true); }}>Invite member</Button>}>
      <Card title="Members" actions={<div className="flex flex-wrap items-end gap-2">
        <TextField label="Search" type="search" placeholder="Name or e-mail" value={search} onChange={(e) => setSearch(e.target.value)} />
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value)}><option value="">All roles</option>{[...ROLE_ORDER].reverse().map((r) => <option key={r} value={r}>{roleLabel(r)}</option>)}</SelectField>
        <SelectField label="Status" value={status} onChange={(e) => setStatus(e.target.value)}><option value="">Any status</option>{['active', 'invited', 'suspended', 'inactive'].map((s) => <option key={s} value={s}>{s[0].toUpperCase() + s.slice(1)}</option>)}</SelectField>
        <SelectField label="Department" value={dept} onChange={(e) => setDept(e.target.value)}><option value="">All departments</option>{lists.data?.departments.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}</SelectField>
      </div>}>
        <Loadable state={st} skeleton={<SkeletonRows rows={6} cols={5} />}>
          {(list) => list.length === 0 ? <EmptyState title="No members match">Change the filters or invite someone.</EmptyState> : (
            <Table caption="Members" head={[{ label: 'Name' }, { label: 'Role' }, { label: 'Department', hideSm: true }, { label: 'Shift', hideSm: true }, { label: 'Manager', hideSm: true }, { label: 'Status' }, { label: 'Actions' }]}>
              {list.map((m) => (
                <tr key={m.id} data-testid="member-row">
                  <Td><span className="font-medium">{m.full_name}</span><span className="block text-xs text-slate-600">{m.email}</span></Td>
                  <Td>{roleLabel(m.role, m.role_label)}</Td>
                  <Td hideSm>{m.department_name || 'No department'}</Td>
                  <Td hideSm>{m.shift_name || 'Default Shift'}</Td>
                  <Td hideSm>{m.manager_name || '—'}</Td>
                  <Td><StatusBadge status={m.status} />{m.last_seen_at && <span className="block text-xs text-slate-600">Seen {formatDateTime(m.last_seen_at, tz)}</span>}{m.joined_at && <span className="block text-xs text-slate-600">Joined {formatDate(m.joined_at.slice(0, 10))}</span>}</Td>
                  <Td>
                    <div className="flex flex-wrap gap-1">
                      <Button variant="secondary" onClick={() => { setEdit(m); setForm({ ...blank, full_name: m.full_name, email: m.email, role: m.role, department_id: m.department_id ?? '', shift_id: m.shift_id ?? '', manager_id: m.manager_id ?? '', designation: m.designation ?? '', phone: m.phone ?? '' }); }} disabled={m.id === user?.id}>Edit</Button>
                      {m.status === 'active' && m.id !== user?.id && <Button variant="ghost" className="text-rose-700" onClick={() => setConfirm({ m, kind: 'suspend' })}>Suspend</Button>}
                      {(m.status === 'suspended' || m.status === 'inactive') && <Button variant="ghost" onClick={async () => {
                        try { await post(`/users/${m.id}/activate`); toast.success(`${m.full_name} is active again.`); refreshAll(); } catch (e) { toast.error(e); }
                      }}>Reactivate</Button>}
                    </div>
                  </Td>
                </tr>
              ))}
            </Table>
          )}
        </Loadable>
      </Card>
      <Dialog open={invite} title="Invite a member" wide onClose={() => setInvite(false)} footer={<>
        <Button variant="secondary" onClick={() => setInvite(false)}>Cancel</Button>
        <Button disabled={!inviteValid} busy={busy} onClick={async () => {
          setBusy(true);
          try {
            await post('/users', body(form, true));
            toast.success(form.password ? `${form.full_name.trim()} was added.` : `Invitation sent to ${form.email.trim()}.`);
            setInvite(false); refreshAll();
          } catch (e) { toast.error(e); } finally { setBusy(false); }
        }}>{form.password ? 'Create member' : 'Send invitation'}</Button></>}>
        <MemberFields f={form} set={setForm} lists={lists.data} invite myRole={user?.role} />
      </Dialog>
      <Dialog open={edit !== null} title={edit ? `Edit ${edit.full_name}` : ''} wide onClose={() => setEdit(null)} footer={<>
        {edit && edit.status !== 'inactive' && <Button variant="ghost" className="mr-auto text-rose-700" onClick={() => setConfirm({ m: edit, kind: 'deactivate' })}>Deactivate</Button>}
        <Button variant="secondary" onClick={() => setEdit(null)}>Cancel</Button>
        <Button disabled={!changed || form.full_name.trim() === ''} busy={busy} onClick={async () => {
          if (!edit) return;
          setBusy(true);
          try { await patch(`/users/${edit.id}`, body(form, false)); toast.success(`${form.full_name.trim()} was updated.`); setEdit(null); refreshAll(); }
          catch (e) { toast.error(e); } finally { setBusy(false); }
        }}>Save changes</Button></>}>
        {edit && <MemberFields f={form} set={setForm} lists={lists.data} invite={false} myRole={user?.role} selfId={edit.id} />}
      </Dialog>
      <ConfirmDialog open={confirm !== null} title={confirm ? `${confirm.kind === 'suspend' ? 'Suspend' : 'Deactivate'} ${confirm.m.full_name}?` : ''}
        message={confirm?.kind === 'suspend' ? 'They are signed out at once and cannot sign in until reactivated.' : 'They lose access to this workspace. Their history is kept.'}
        confirmLabel={confirm?.kind === 'suspend' ? 'Suspend' : 'Deactivate'} busy={busy} onClose={() => setConfirm(null)}
        onConfirm={async () => {
          if (!confirm) return;
          setBusy(true);
          try {
            if (confirm.kind === 'suspend') await post(`/users/${confirm.m.id}/suspend`); else await del(`/users/${confirm.m.id}`);
            toast.success(`${confirm.m.full_name} was ${confirm.kind === 'suspend' ? 'suspended' : 'deactivated'}.`);
            setConfirm(null); setEdit(null); refreshAll();
          } catch (e) { toast.error(e); } finally { setBusy(false); }
        }} />
    </Page>
  );
}
