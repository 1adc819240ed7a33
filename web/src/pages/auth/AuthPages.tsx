// Public pages (spec 13 §2): login, forgot password, reset password, activate invitation,
// register and unauthorized. Activation never sends the visitor to the login page before the
// password is set; reset and activation check the password policy as the person types.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, api, fieldErrors, humanError } from '../../lib/api';
import { landingPage } from '../../lib/roles';
import { useSession } from '../../lib/session';
import { isEmail, personalWords, validatePasswordPair } from '../../lib/validation';
import { Button, ErrorState, TextField } from '../../components/ui';
import { useToast } from '../../components/toast';
import { AuthShell } from './AuthShell';

/**
 * Whether sign-up is enabled. The API has no flag for it; POST /auth/register with an empty
 * body answers 404 when sign-up is off and 422 (validation, nothing created) when it is on.
 */
function useSignupEnabled(): boolean | null {
  const [enabled, setEnabled] = useState<boolean | null>(null);
  useEffect(() => {
    api('POST', '/auth/register', { body: {}, auth: false }).then(
      () => setEnabled(true),
      (e) => setEnabled(e instanceof ApiError && e.status === 422),
    );
  }, []);
  return enabled;
}

function loginMessage(err: unknown): string {
  if (err instanceof ApiError) {
    const reason = String(err.details[0]?.reason ?? '');
    if (err.status === 403) {
      if (reason === 'suspended') return 'This account is suspended. Contact your administrator.';
      if (reason === 'inactive') return 'This account has been deactivated. Contact your administrator.';
      if (reason === 'invited') return 'This account is not activated yet. Use the link in your invitation e-mail.';
      if (reason === 'no_workspace') return 'You are not an active member of any workspace.';
    }
    if (err.status === 429) {
      const mins = err.retryAfter ? Math.max(1, Math.ceil(err.retryAfter / 60)) : null;
      return mins ? `Too many attempts. Try again in ${mins} minute${mins === 1 ? '' : 's'}.` : 'Too many attempts. Please wait and try again.';
    }
  }
  return humanError(err);
}

export function LoginPage() {
  const { login, expired, state, user } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signup = useSignupEnabled();
  const from = (location.state as { from?: string } | null)?.from;
  const notice = (location.state as { notice?: string } | null)?.notice;

  useEffect(() => {
    if (state === 'signed-in' && user) navigate(from && from !== '/login' ? from : landingPage(user.role), { replace: true });
  }, [state, user, from, navigate]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
    } catch (err) {
      setError(loginMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthShell title="Sign in" subtitle="Use your work e-mail address.">
      {expired && !error && <p className="mb-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900" role="status">Your session has expired. Please sign in again.</p>}
      {notice && <p className="mb-4 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900" role="status">{notice}</p>}
      <form onSubmit={submit} className="space-y-4" noValidate>
        <TextField label="E-mail" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        {error && <p className="rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-800" role="alert">{error}</p>}
        <Button type="submit" className="w-full" busy={busy} disabled={!isEmail(email) || password === ''}>Sign in</Button>
      </form>
      <div className="mt-4 flex justify-between text-sm">
        <Link to="/forgot-password" className="font-medium text-indigo-700 hover:underline">Forgot password?</Link>
        {signup && <Link to="/register" className="font-medium text-indigo-700 hover:underline">Create a workspace</Link>}
      </div>
    </AuthShell>
  );
}

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/auth/forgot-password', { body: { email: email.trim() }, auth: false });
      setSent(true);
    } catch (err) {
      setError(humanError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthShell title="Reset your password" subtitle="We will e-mail you a link to choose a new password.">
      {sent ? (
        <p className="rounded-lg bg-emerald-50 px-3 py-3 text-sm text-emerald-900" role="status">If an account exists for that address, a reset link is on its way. The link works for 2 hours.</p>
      ) : (
        <form onSubmit={submit} className="space-y-4" noValidate>
          <TextField label="E-mail" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          {error && <p className="text-sm text-rose-700" role="alert">{error}</p>}
          <Button type="submit" className="w-full" busy={busy} disabled={!isEmail(email)}>Send reset link</Button>
        </form>
      )}
      <p className="mt-4 text-sm"><Link to="/login" className="font-medium text-indigo-700 hover:underline">Back to sign in</Link></p>
    </AuthShell>
  );
}

function PasswordPair({ password, confirm, setPassword, setConfirm, errors, touched }: {
  password: string; confirm: string; setPassword: (s: string) => void; setConfirm: (s: string) => void;
  errors: Record<string, string>; touched: boolean;
}) {
  return (
    <>
      <TextField label="New password" type="password" autoComplete="new-password" value={password}
        onChange={(e) => setPassword(e.target.value)} error={password && errors.password ? errors.password : null}
        hint="At least 10 characters. A few unrelated words make a strong password." />
      <TextField label="Confirm password" type="password" autoComplete="new-password" value={confirm}
        onChange={(e) => setConfirm(e.target.value)} error={(touched || confirm) && errors.confirm ? errors.confirm : null} />
    </>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const errors = validatePasswordPair(password, confirm);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/auth/reset-password', { body: { token, new_password: password }, auth: false });
      navigate('/login', { state: { notice: 'Your password was changed. Sign in with the new one.' } });
    } catch (err) {
      setError(fieldErrors(err).new_password ? 'Choose a stronger password: ' + fieldErrors(err).new_password : humanError(err));
    } finally {
      setBusy(false);
    }
  };
  if (!token) return <AuthShell title="Reset your password"><ErrorState message="This reset link is incomplete. Open the link from the e-mail again." /></AuthShell>;
  return (
    <AuthShell title="Choose a new password">
      <form onSubmit={submit} className="space-y-4" noValidate>
        <PasswordPair password={password} confirm={confirm} setPassword={setPassword} setConfirm={setConfirm} errors={errors} touched={false} />
        {error && <p className="text-sm text-rose-700" role="alert">{error}</p>}
        <Button type="submit" className="w-full" busy={busy} disabled={Object.keys(errors).length > 0}>Set new password</Button>
      </form>
    </AuthShell>
  );
}

interface Invitation { email: string; full_name?: string; workspace_name?: string; role?: string; role_label?: string; inviter_name?: string; expires_at?: string }

export function ActivatePage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const toast = useToast();
  const [invite, setInvite] = useState<Invitation | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!token) return;
    api<Invitation>('GET', '/auth/invitation', { query: { token }, auth: false })
      .then(setInvite, (e) => setLoadError(humanError(e)));
  }, [token]);

  const errors = validatePasswordPair(password, confirm, personalWords(invite?.email, invite?.full_name));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/auth/activate-account', { body: { token, password }, auth: false });
      toast.success('Your account is active. Sign in with your new password.');
      navigate('/login', { state: { notice: 'Your account is active. Sign in with your new password.' } });
    } catch (err) {
      const f = fieldErrors(err);
      setError(f.password ? 'Choose a stronger password: ' + f.password : humanError(err));
    } finally {
      setBusy(false);
    }
  };
  if (!token) return <AuthShell title="Activate your account"><ErrorState message="This invitation link is incomplete. Open the link from the e-mail again." /></AuthShell>;
  return (
    <AuthShell title="Activate your account" subtitle={invite ? <>Welcome{invite.full_name ? `, ${invite.full_name}` : ''}! Set a password for <strong>{invite.email}</strong>{invite.workspace_name ? <> to join <strong>{invite.workspace_name}</strong></> : null}.</> : 'Set the password you will sign in with.'}>
      {loadError ? <ErrorState message={loadError} /> : (
        <form onSubmit={submit} className="space-y-4" noValidate>
          <PasswordPair password={password} confirm={confirm} setPassword={setPassword} setConfirm={setConfirm} errors={errors} touched={false} />
          {error && <p className="text-sm text-rose-700" role="alert">{error}</p>}
          <Button type="submit" className="w-full" busy={busy} disabled={!invite || Object.keys(errors).length > 0}>Activate account</Button>
        </form>
      )}
    </AuthShell>
  );
}

export function RegisterPage() {
  const { adopt } = useSession();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [refused, setDisabled] = useState(false);
  const signup = useSignupEnabled();
  const disabled = refused || signup === false;
  const errors = validatePasswordPair(password, confirm, personalWords(email, name));
  const valid = name.trim() !== '' && isEmail(email) && Object.keys(errors).length === 0;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const resp = await api<Parameters<typeof adopt>[0]>('POST', '/auth/register', { body: { full_name: name.trim(), email: email.trim(), password }, auth: false });
      adopt(resp);
      navigate(landingPage(resp.user.role), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setDisabled(true);
      else if (err instanceof ApiError && err.status === 409) setError('An account with this e-mail already exists. Sign in instead.');
      else setError(humanError(err));
    } finally {
      setBusy(false);
    }
  };
  if (disabled) {
    return <AuthShell title="Sign-up is closed"><p className="text-sm text-slate-700">New workspaces cannot be created here. Ask your administrator for an invitation.</p>
      <p className="mt-4 text-sm"><Link to="/login" className="font-medium text-indigo-700 hover:underline">Back to sign in</Link></p></AuthShell>;
  }
  return (
    <AuthShell title="Create your workspace" subtitle="You will be its administrator.">
      <form onSubmit={submit} className="space-y-4" noValidate>
        <TextField label="Full name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        <TextField label="Work e-mail" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={email && !isEmail(email) ? 'Enter a valid e-mail address.' : null} />
        <PasswordPair password={password} confirm={confirm} setPassword={setPassword} setConfirm={setConfirm} errors={errors} touched={false} />
        {error && <p className="text-sm text-rose-700" role="alert">{error}</p>}
        <Button type="submit" className="w-full" busy={busy} disabled={!valid}>Create workspace</Button>
      </form>
      <p className="mt-4 text-sm"><Link to="/login" className="font-medium text-indigo-700 hover:underline">I already have an account</Link></p>
    </AuthShell>
  );
}

export function UnauthorizedPage() {
  const { user } = useSession();
  return (
    <div className="mx-auto max-w-lg py-16 text-center" data-testid="unauthorized">
      <p className="text-sm font-semibold uppercase tracking-wide text-rose-700">Access denied</p>
      <h2 className="mt-2 text-2xl font-semibold text-slate-900">You do not have access to this page</h2>
      <p className="mt-2 text-sm text-slate-600">Your role does not include this area. If you think it should, ask your administrator.</p>
      <Link to={landingPage(user?.role)} className="mt-6 inline-flex rounded-lg bg-indigo-700 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-800">Go to my dashboard</Link>
    </div>
  );
}

export function NotFoundPage() {
  const { user } = useSession();
  return (
    <div className="mx-auto max-w-lg py-16 text-center">
      <h2 className="text-2xl font-semibold text-slate-900">Page not found</h2>
      <p className="mt-2 text-sm text-slate-600">The address may be mistyped, or the page has moved.</p>
      <Link to={landingPage(user?.role)} className="mt-6 inline-flex rounded-lg bg-indigo-700 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-800">Go to my dashboard</Link>
    </div>
  );
}
