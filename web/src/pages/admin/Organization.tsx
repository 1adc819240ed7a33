// Organisation admin (spec 13 §4.5 Organization, ?tab=departments|shifts|holidays|announcements):
// departments (head, deactivate), work shifts (overnight shifts shown as such, grace, working
// days), holidays, and the announcements editor (Markdown with a live preview; status,
// priority, audience, department, e-mail notification).
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Marked } from 'marked';
import { del, get, getAll, items, patch, post } from '../../lib/api';
import { formatDate, formatDateTime, utcToZonedInput, zonedToUtc } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { ROLE_ORDER, roleLabel } from '../../lib/roles';
import { useSession } from '../../lib/session';
import { isOvernight, validateShift, type ShiftForm } from '../../lib/validation';
import { Page } from '../../components/Layout';
import { useToast } from '../../components/toast';
import { Badge, Button, Card, ConfirmDialog, Dialog, EmptyState, Loadable, SelectField, StatusBadge, Table, Tabs, Td, TextArea, TextField } from '../../components/ui';
import type { Member } from '../manager/Team';

interface Dept { id: string; name: string; description: string | null; is_active: boolean; head_id: string | null; head_name: string | null; member_count: number }
interface Shift { id: string; name: string; description: string | null; start_time: string; end_time: string; timing: string; crosses_midnight: boolean; timezone: string; grace_period_minutes: number; working_days: string; working_days_list: number[]; is_active: boolean; member_count: number }
interface Holiday { id: string; name: string; description: string | null; holiday_date: string; is_active: boolean }
interface Announcement { id: string; title: string; content: string; content_html?: string; audience: string; target_department_id: string | null; target_department_name: string | null; priority: string; status: string; start_date: string | null; end_date: string | null; notify_email: boolean; created_by_name?: string; created_at: string }

const TABS = [{ id: 'departments', label: 'Departments' }, { id: 'shifts', label: 'Work shifts' }, { id: 'holidays', label: 'Holidays' }, { id: 'announcements', label: 'Announcements' }];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function OrganizationPage({ initialTab }: { initialTab?: string }) {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? initialTab ?? 'departments';
  return (
    <Page title="Organization">
      <Tabs tabs={TABS} value={tab} onChange={(id) => setParams({ tab: id })} />
      {tab === 'departments' && <Departments />}
      {tab === 'shifts' && <Shifts />}
      {tab === 'holidays' && <Holidays />}
      {tab === 'announcements' && <Announcements />}
    </Page>
  );
}

function Departments() {
  const toast = useToast();
  const st = useLoad(() => getAll<Dept>('/departments'), []);
  const people = useLoad(() => get('/users', { status: 'active', limit: 200 }).then((d) => items<Member>(d)), []);
  const [edit, setEdit] = useState<Dept | 'new' | null>(null);
  const [f, setF] = useState({ name: '', description: '', head_id: '' });
  const [busy, setBusy] = useState(false);
  const [off, setOff] = useState<Dept | null>(null);
  const open = (d: Dept | 'new') => { setEdit(d); setF(d === 'new' ? { name: '', description: '', head_id: '' } : { name: d.name, description: d.description ?? '', head_id: d.head_id ?? '' }); };
  const save = async () => {
    setBusy(true);
    const body = { name: f.name.trim(), description: f.description.trim() || null, head_id: f.head_id || null };
    try {
      if (edit === 'new') await post('/departments', body); else if (edit) await patch(`/departments/${edit.id}`, body);
      toast.success(edit === 'new' ? `Department "${body.name}" created.` : `Department "${body.name}" saved.`);
      setEdit(null); st.reload();
    } catch (e) { toast.error(e); } finally { setBusy(false); }
  };
  return (
    <Card title="Departments" actions={<Button onClick={() => open('new')}>New department</Button>}>
      <Loadable state={st}>
        {(list) => list.length === 0 ? <EmptyState title="No departments yet">Create the first one to group your members.</EmptyState> : (
          <Table caption="Departments" head={[{ label: 'Name' }, { label: 'Head', hideSm: true }, { label: 'Members' }, { label: 'Status' }, { label: 'Actions' }]}>
            {list.map((d) => (
              <tr key={d.id}>
                <Td><span className="font-medium">{d.name}</span>{d.description && <span className="block text-xs text-slate-600">{d.description}</span>}</Td>
                <Td hideSm>{d.head_name || '—'}</Td><Td>{d.member_count}</Td><Td><StatusBadge status={d.is_active ? 'active' : 'inactive'} /></Td>
                <Td><div className="flex gap-1"><Button variant="secondary" onClick={() => open(d)}>Edit</Button>
                  {d.is_active ? <Button variant="ghost" className="text-rose-700" onClick={() => setOff(d)}>Deactivate</Button> : <Button variant="ghost" onClick={async () => {
                    try { await patch(`/departments/${d.id}`, { is_active: true }); toast.success(`${d.name} is active again.`); st.reload(); } catch (e) { toast.error(e); }
                  }}>Reactivate</Button>}</div></Td>
              </tr>
            ))}
          </Table>
        )}
      </Loadable>
      <Dialog open={edit !== null} title={edit === 'new' ? 'New department' : 'Edit department'} onClose={() => setEdit(null)} footer={<>
        <Button variant="secondary" onClick={() => setEdit(null)}>Cancel</Button><Button busy={busy} disabled={f.name.trim() === ''} onClick={save}>Save</Button></>}>
        <div className="space-y-4">
          <TextField label="Name" value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} maxLength={120} />
          <TextArea label="Description" value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} maxLength={500} />
          <SelectField label="Head of department" value={f.head_id} onChange={(e) => setF({ ...f, head_id: e.target.value })}>
            <option value="">No head</option>{people.data?.map((m) => <option key={m.id} value={m.id}>{m.full_name}</option>)}
          </SelectField>
        </div>
      </Dialog>
      <ConfirmDialog open={off !== null} title={`Deactivate ${off?.name ?? ''}?`} confirmLabel="Deactivate" busy={busy}
        message={off && off.member_count > 0 ? `${off.member_count} member(s) still belong to it; move them first.` : 'It will no longer be offered when assigning members.'}
        onClose={() => setOff(null)} onConfirm={async () => {
          if (!off) return;
          setBusy(true);
          try { await del(`/departments/${off.id}`); toast.success(`${off.name} deactivated.`); setOff(null); st.reload(); } catch (e) { toast.error(e); } finally { setBusy(false); }
        }} />
    </Card>
  );
}

const blankShift: ShiftForm & { description: string; timezone: string } = { name: '', start_time: '09:00', end_time: '17:00', grace_period_minutes: '15', working_days: [1, 2, 3, 4, 5], description: '', timezone: '' };

function Shifts() {
  const toast = useToast();
  const { tz } = useSession();
  const st = useLoad(() => getAll<Shift>('/shifts'), []);
  const [edit, setEdit] = useState<Shift | 'new' | null>(null);
  const [f, setF] = useState(blankShift);
  const [busy, setBusy] = useState(false);
  const [off, setOff] = useState<Shift | null>(null);
  const errors = validateShift(f);
  const open = (s: Shift | 'new') => {
    setEdit(s);
    setF(s === 'new' ? { ...blankShift, timezone: tz } : { name: s.name, start_time: s.start_time, end_time: s.end_time, grace_period_minutes: String(s.grace_period_minutes), working_days: s.working_days_list, description: s.description ?? '', timezone: s.timezone });
  };
  const save = async () => {
    setBusy(true);
    const body = { name: f.name.trim(), description: f.description.trim() || null, start_time: f.start_time, end_time: f.end_time, timezone: f.timezone || tz, grace_period_minutes: Number(f.grace_period_minutes), working_days: [...f.working_days].sort().join(',') };
    try {
      if (edit === 'new') await post('/shifts', body); else if (edit) await patch(`/shifts/${edit.id}`, body);
      toast.success(`Shift "${body.name}" saved.`); setEdit(null); st.reload();
    } catch (e) { toast.error(e); } finally { setBusy(false); }
  };
  const zones = useMemo(() => { try { return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone'); } catch { return [tz]; } }, [tz]);
  return (
    <Card title="Work shifts" actions={<Button onClick={() => open('new')}>New shift</Button>}>
      <Loadable state={st}>
        {(list) => list.length === 0 ? <EmptyState title="No shifts yet">Members without a shift work a calendar day, Monday to Friday.</EmptyState> : (
          <Table caption="Shifts" head={[{ label: 'Name' }, { label: 'Hours' }, { label: 'Days', hideSm: true }, { label: 'Grace', hideSm: true }, { label: 'Members' }, { label: 'Status' }, { label: 'Actions' }]}>
            {list.map((s) => (
              <tr key={s.id}>
                <Td><span className="font-medium">{s.name}</span><span className="block text-xs text-slate-600">{s.timezone}</span></Td>
                <Td className="whitespace-nowrap">{s.start_time} – {s.end_time}{s.crosses_midnight && <span className="ml-1"><Badge tone="info">Overnight</Badge></span>}</Td>
                <Td hideSm>{s.working_days_list.map((d) => DAYS[d - 1]).join(', ')}</Td><Td hideSm>{s.grace_period_minutes} min</Td>
                <Td>{s.member_count}</Td><Td><StatusBadge status={s.is_active ? 'active' : 'inactive'} /></Td>
                <Td><div className="flex gap-1"><Button variant="secondary" onClick={() => open(s)}>Edit</Button>
                  {s.is_active && <Button variant="ghost" className="text-rose-700" onClick={() => setOff(s)}>Deactivate</Button>}</div></Td>
              </tr>
            ))}
          </Table>
        )}
      </Loadable>
      <Dialog open={edit !== null} title={edit === 'new' ? 'New shift' : 'Edit shift'} wide onClose={() => setEdit(null)} footer={<>
        <Button variant="secondary" onClick={() => setEdit(null)}>Cancel</Button><Button busy={busy} disabled={Object.keys(errors).length > 0} onClick={save}>Save shift</Button></>}>
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          <TextField label="Name" value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} maxLength={120} error={f.name ? null : null} />
          <SelectField label="Time zone" value={f.timezone} onChange={(e) => setF({ ...f, timezone: e.target.value })}>{zones.map((z) => <option key={z} value={z}>{z}</option>)}</SelectField>
          <TextField label="Starts" type="time" value={f.start_time} onChange={(e) => setF({ ...f, start_time: e.target.value })} error={errors.start_time} />
          <TextField label="Ends" type="time" value={f.end_time} onChange={(e) => setF({ ...f, end_time: e.target.value })} error={errors.end_time}
            hint={isOvernight(f.start_time, f.end_time) ? 'Overnight: ends on the next day.' : undefined} />
          <TextField label="Grace period (minutes)" type="number" min={0} max={240} value={f.grace_period_minutes} onChange={(e) => setF({ ...f, grace_period_minutes: e.target.value })} error={errors.grace_period_minutes} />
          <fieldset className="sm:col-span-2">
            <legend className="mb-1 text-sm font-medium text-slate-800">Working days</legend>
            <div className="flex flex-wrap gap-2">
              {DAYS.map((d, i) => (
                <label key={d} className={`flex min-h-10 cursor-pointer items-center rounded-lg border px-3 text-sm ${f.working_days.includes(i + 1) ? 'border-indigo-700 bg-indigo-50 text-indigo-800' : 'border-slate-300 text-slate-700'}`}>
                  <input type="checkbox" className="mr-2" checked={f.working_days.includes(i + 1)} onChange={(e) => setF({ ...f, working_days: e.target.checked ? [...f.working_days, i + 1] : f.working_days.filter((x) => x !== i + 1) })} />{d}
                </label>
              ))}
            </div>
            {errors.working_days && <p className="mt-1 text-xs text-rose-700">{errors.working_days}</p>}
          </fieldset>
          <div className="sm:col-span-2"><TextArea label="Description" value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} maxLength={500} /></div>
        </div>
      </Dialog>
      <ConfirmDialog open={off !== null} title={`Deactivate ${off?.name ?? ''}?`} confirmLabel="Deactivate" busy={busy} message="Members on it keep their history; new assignments cannot pick it."
        onClose={() => setOff(null)} onConfirm={async () => {
          if (!off) return;
          setBusy(true);
          try { await del(`/shifts/${off.id}`); toast.success(`${off.name} deactivated.`); setOff(null); st.reload(); } catch (e) { toast.error(e); } finally { setBusy(false); }
        }} />
    </Card>
  );
}

function Holidays() {
  const toast = useToast();
  const st = useLoad(() => getAll<Holiday>('/holidays'), []);
  const [edit, setEdit] = useState<Holiday | 'new' | null>(null);
  const [f, setF] = useState({ name: '', holiday_date: '', description: '' });
  const [busy, setBusy] = useState(false);
  const [rm, setRm] = useState<Holiday | null>(null);
  const valid = f.name.trim() !== '' && /^\d{4}-\d{2}-\d{2}$/.test(f.holiday_date);
  return (
    <Card title="Holidays" actions={<Button onClick={() => { setEdit('new'); setF({ name: '', holiday_date: '', description: '' }); }}>New holiday</Button>}>
      <Loadable state={st}>
        {(list) => list.length === 0 ? <EmptyState title="No holidays yet" /> : (
          <Table caption="Holidays" head={[{ label: 'Date' }, { label: 'Name' }, { label: 'Status' }, { label: 'Actions' }]}>
            {list.map((h) => (
              <tr key={h.id}>
                <Td className="whitespace-nowrap">{formatDate(h.holiday_date)}</Td><Td className="font-medium">{h.name}</Td><Td><StatusBadge status={h.is_active ? 'active' : 'inactive'} /></Td>
                <Td><div className="flex gap-1"><Button variant="secondary" onClick={() => { setEdit(h); setF({ name: h.name, holiday_date: h.holiday_date, description: h.description ?? '' }); }}>Edit</Button>
                  {h.is_active && <Button variant="ghost" className="text-rose-700" onClick={() => setRm(h)}>Remove</Button>}</div></Td>
              </tr>
            ))}
          </Table>
        )}
      </Loadable>
      <Dialog open={edit !== null} title={edit === 'new' ? 'New holiday' : 'Edit holiday'} onClose={() => setEdit(null)} footer={<>
        <Button variant="secondary" onClick={() => setEdit(null)}>Cancel</Button>
        <Button busy={busy} disabled={!valid} onClick={async () => {
          setBusy(true);
          const body = { name: f.name.trim(), holiday_date: f.holiday_date, description: f.description.trim() || null };
          try { if (edit === 'new') await post('/holidays', body); else if (edit) await patch(`/holidays/${edit.id}`, body); toast.success(`Holiday "${body.name}" saved.`); setEdit(null); st.reload(); }
          catch (e) { toast.error(e); } finally { setBusy(false); }
        }}>Save</Button></>}>
        <div className="space-y-4">
          <TextField label="Name" value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} maxLength={120} />
          <TextField label="Date" type="date" value={f.holiday_date} onChange={(e) => setF({ ...f, holiday_date: e.target.value })} />
          <TextArea label="Description" value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} maxLength={500} />
        </div>
      </Dialog>
      <ConfirmDialog open={rm !== null} title={`Remove ${rm?.name ?? ''}?`} confirmLabel="Remove" busy={busy} message="The day becomes a normal working day again."
        onClose={() => setRm(null)} onConfirm={async () => {
          if (!rm) return;
          setBusy(true);
          try { await del(`/holidays/${rm.id}`); toast.success(`${rm.name} removed.`); setRm(null); st.reload(); } catch (e) { toast.error(e); } finally { setBusy(false); }
        }} />
    </Card>
  );
}

const md = new Marked({ gfm: true, breaks: true });
md.use({ renderer: { html: (t: { text: string }) => t.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') } });

/** Markdown to HTML for the editor preview; raw HTML in the source is shown as text. */
export function previewHtml(src: string): string {
  return md.parse(src, { async: false }) as string;
}

interface AnnForm { title: string; content: string; audience: string; target_department_id: string; priority: string; status: string; start: string; end: string; notify_email: boolean }
const blankAnn: AnnForm = { title: '', content: '', audience: 'all', target_department_id: '', priority: 'normal', status: 'active', start: '', end: '', notify_email: false };

function Announcements() {
  const toast = useToast();
  const { tz } = useSession();
  const st = useLoad(() => getAll<Announcement>('/announcements/all'), []);
  const depts = useLoad(() => getAll<Dept>('/departments', { only_active: true }), []);
  const [edit, setEdit] = useState<Announcement | 'new' | null>(null);
  const [f, setF] = useState<AnnForm>(blankAnn);
  const [busy, setBusy] = useState(false);
  const [archive, setArchive] = useState<Announcement | null>(null);
  const valid = f.title.trim() !== '' && f.content.trim() !== '' && (!f.start || !f.end || f.end > f.start);
  const save = async () => {
    setBusy(true);
    const body: Record<string, unknown> = {
      title: f.title.trim(), content: f.content, audience: f.audience, target_department_id: f.target_department_id || null,
      priority: f.priority, start_date: f.start ? zonedToUtc(f.start, tz) : null, end_date: f.end ? zonedToUtc(f.end, tz) : null, notify_email: f.notify_email,
    };
    if (edit === 'new' || (edit && edit.status === 'draft')) body.status = f.status;
    try {
      if (edit === 'new') await post('/announcements', body); else if (edit) await patch(`/announcements/${edit.id}`, body);
      toast.success(f.status === 'draft' ? 'Draft saved.' : 'Announcement published.'); setEdit(null); st.reload();
    } catch (e) { toast.error(e); } finally { setBusy(false); }
  };
  return (
    <Card title="Announcements" actions={<Button onClick={() => { setEdit('new'); setF(blankAnn); }}>New announcement</Button>}>
      <Loadable state={st}>
        {(list) => list.length === 0 ? <EmptyState title="No announcements yet" /> : (
          <ul className="divide-y divide-slate-100">
            {list.map((a) => (
              <li key={a.id} className="flex flex-col gap-2 py-3 sm:flex-row sm:items-start sm:justify-between">
                <div className="min-w-0">
                  <p className="font-medium">{a.title} <StatusBadge status={a.status} /> {a.priority === 'high' && <Badge tone="danger">High priority</Badge>}</p>
                  <p className="text-xs text-slate-600">{a.audience === 'all' ? 'Everyone' : roleLabel(a.audience)}{a.target_department_name ? ` · ${a.target_department_name}` : ''} · {a.start_date ? `from ${formatDateTime(a.start_date, tz)}` : 'immediately'}{a.end_date ? ` until ${formatDateTime(a.end_date, tz)}` : ''}</p>
                  <p className="mt-1 line-clamp-2 text-sm text-slate-700">{a.content.replace(/\s+/g, ' ')}</p>
                </div>
                <div className="flex shrink-0 gap-1">
                  {a.status !== 'archived' && <Button variant="secondary" onClick={() => { setEdit(a); setF({ title: a.title, content: a.content, audience: a.audience, target_department_id: a.target_department_id ?? '', priority: a.priority, status: a.status, start: utcToZonedInput(a.start_date, tz), end: utcToZonedInput(a.end_date, tz), notify_email: a.notify_email }); }}>Edit</Button>}
                  {a.status !== 'archived' && <Button variant="ghost" className="text-rose-700" onClick={() => setArchive(a)}>Archive</Button>}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Loadable>
      <Dialog open={edit !== null} title={edit === 'new' ? 'New announcement' : 'Edit announcement'} wide onClose={() => setEdit(null)} footer={<>
        <Button variant="secondary" onClick={() => setEdit(null)}>Cancel</Button><Button busy={busy} disabled={!valid} onClick={save}>{f.status === 'draft' ? 'Save draft' : 'Publish'}</Button></>}>
        <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
          <div className="space-y-4">
            <TextField label="Title" value={f.title} onChange={(e) => setF({ ...f, title: e.target.value })} maxLength={200} />
            <TextArea label="Content (Markdown)" rows={8} value={f.content} onChange={(e) => setF({ ...f, content: e.target.value })} maxLength={20000} />
            <div className="grid grid-cols-2 gap-3">
              <SelectField label="Audience" value={f.audience} onChange={(e) => setF({ ...f, audience: e.target.value })}>
                <option value="all">Everyone</option>{[...ROLE_ORDER].reverse().map((r) => <option key={r} value={r}>{roleLabel(r)}</option>)}
              </SelectField>
              <SelectField label="Department" value={f.target_department_id} onChange={(e) => setF({ ...f, target_department_id: e.target.value })}>
                <option value="">All departments</option>{depts.data?.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
              </SelectField>
              <SelectField label="Priority" value={f.priority} onChange={(e) => setF({ ...f, priority: e.target.value })}><option value="low">Low</option><option value="normal">Normal</option><option value="high">High</option></SelectField>
              <SelectField label="Status" value={f.status} disabled={edit !== 'new' && edit?.status !== 'draft'} onChange={(e) => setF({ ...f, status: e.target.value })}><option value="active">Active</option><option value="draft">Draft</option></SelectField>
              <TextField label="Starts (optional)" type="datetime-local" value={f.start} onChange={(e) => setF({ ...f, start: e.target.value })} />
              <TextField label="Ends (optional)" type="datetime-local" value={f.end} onChange={(e) => setF({ ...f, end: e.target.value })} error={f.start && f.end && f.end <= f.start ? 'Must be after the start.' : null} />
            </div>
            <label className="flex items-center gap-2 text-sm"><input type="checkbox" checked={f.notify_email} onChange={(e) => setF({ ...f, notify_email: e.target.checked })} /> Also e-mail everyone it reaches</label>
          </div>
          <div>
            <p className="mb-1 text-sm font-medium text-slate-800">Preview</p>
            <div className="prose-sm min-h-40 rounded-lg border border-slate-200 bg-slate-50 p-3 text-sm [&_a]:text-indigo-700 [&_a]:underline [&_h1]:text-lg [&_h1]:font-semibold [&_h2]:font-semibold [&_li]:ml-5 [&_ol]:list-decimal [&_p]:my-2 [&_ul]:list-disc"
              data-testid="announcement-preview" dangerouslySetInnerHTML={{ __html: f.content.trim() ? `<h1>${f.title.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' }[c] as string))}</h1>` + previewHtml(f.content) : '<p class="text-slate-500">Nothing to preview yet.</p>' }} />
          </div>
        </div>
      </Dialog>
      <ConfirmDialog open={archive !== null} title={`Archive "${archive?.title ?? ''}"?`} confirmLabel="Archive" busy={busy} message="It disappears for everyone and cannot be reopened."
        onClose={() => setArchive(null)} onConfirm={async () => {
          if (!archive) return;
          setBusy(true);
          try { await patch(`/announcements/${archive.id}`, { status: 'archived' }); toast.success('Announcement archived.'); setArchive(null); st.reload(); } catch (e) { toast.error(e); } finally { setBusy(false); }
        }} />
    </Card>
  );
}
