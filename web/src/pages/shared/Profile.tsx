// Profile: personal details (name, phone), read-only organisation info, password change
// (policy checked as the person types; other sessions end on the server).
import { useState } from 'react';
import { patch, storedRefreshToken } from '../../lib/api';
import { formatDate } from '../../lib/format';
import { roleLabel } from '../../lib/roles';
import { useSession } from '../../lib/session';
import { personalWords, validatePasswordPair } from '../../lib/validation';
import { Page } from '../../components/Layout';
import { useToast } from '../../components/toast';
import { Button, Card, TextField } from '../../components/ui';
import { Field } from '../employee/Leaves';

export function ProfilePage() {
  const { user, workspace, reload } = useSession();
  const toast = useToast();
  const [name, setName] = useState(user?.full_name ?? '');
  const [phone, setPhone] = useState(user?.phone ?? '');
  const [current, setCurrent] = useState('');
  const [pw, setPw] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const pwErrors = validatePasswordPair(pw, confirm, personalWords(user?.email, user?.full_name));
  return (
    <Page title="Profile">
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card title="Personal details">
          <form className="space-y-4" onSubmit={async (e) => {
            e.preventDefault();
            setBusy('me');
            try { await patch('/users/me', { full_name: name.trim(), phone: phone.trim() || null }); await reload(); toast.success('Profile saved.'); } catch (err) { toast.error(err); } finally { setBusy(null); }
          }}>
            <TextField label="Full name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
            <TextField label="Phone" value={phone} onChange={(e) => setPhone(e.target.value)} maxLength={40} />
            <TextField label="E-mail" value={user?.email ?? ''} disabled />
            <Button type="submit" busy={busy === 'me'} disabled={name.trim() === '' || (name.trim() === user?.full_name && (phone.trim() || null) === (user?.phone ?? null))}>Save</Button>
          </form>
        </Card>
        <Card title="Organisation">
          <dl className="grid grid-cols-2 gap-4">
            <Field label="Workspace">{workspace?.name}</Field><Field label="Role">{roleLabel(user?.role, user?.role_label)}</Field>
            <Field label="Department">{user?.department_name || 'No department'}</Field><Field label="Designation">{user?.designation || '—'}</Field>
            <Field label="Reporting manager">{user?.manager_name || '—'}</Field><Field label="Shift">{user?.shift_name ? `${user.shift_name}${user.shift_timing ? ` (${user.shift_timing})` : ''}` : 'Default Shift'}</Field>
            <Field label="Member since">{user?.joined_at ? formatDate(user.joined_at.slice(0, 10)) : '—'}</Field><Field label="Time zone">{workspace?.timezone}</Field>
          </dl>
        </Card>
        <Card title="Change password">
          <form className="space-y-4" onSubmit={async (e) => {
            e.preventDefault();
            setBusy('pw');
            try {
              await patch('/users/me', { current_password: current, password: pw, refresh_token: storedRefreshToken() ?? undefined });
              toast.success('Password changed. Other devices were signed out.');
              setCurrent(''); setPw(''); setConfirm('');
            } catch (err) { toast.error(err); } finally { setBusy(null); }
          }}>
            <TextField label="Current password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
            <TextField label="New password" type="password" autoComplete="new-password" value={pw} onChange={(e) => setPw(e.target.value)} error={pw ? pwErrors.password : null} hint="At least 10 characters." />
            <TextField label="Confirm new password" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} error={confirm ? pwErrors.confirm : null} />
            <Button type="submit" busy={busy === 'pw'} disabled={current === '' || Object.keys(pwErrors).length > 0}>Change password</Button>
          </form>
        </Card>
      </div>
    </Page>
  );
}
