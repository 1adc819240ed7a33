// Building blocks shared by every page: buttons, labelled fields, cards, status badges,
// skeletons, empty and error states, dialogs and the confirmation dialog. Colours follow the
// status rules of spec 13 §5.8 with text/background pairs that pass WCAG AA.
import { useEffect, useId, useRef, type ReactNode, type ButtonHTMLAttributes, type InputHTMLAttributes, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { Icon } from './icons';

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost' | 'success';
const VARIANTS: Record<Variant, string> = {
  primary: 'bg-indigo-700 text-white hover:bg-indigo-800 disabled:bg-indigo-300',
  secondary: 'bg-white text-slate-800 border border-slate-300 hover:bg-slate-50 disabled:text-slate-400',
  danger: 'bg-rose-700 text-white hover:bg-rose-800 disabled:bg-rose-300',
  success: 'bg-emerald-700 text-white hover:bg-emerald-800 disabled:bg-emerald-300',
  ghost: 'text-slate-700 hover:bg-slate-100 disabled:text-slate-400',
};

export function Button({ variant = 'primary', busy, className = '', children, ...rest }:
  ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean }) {
  return (
    <button type="button" {...rest} disabled={rest.disabled || busy}
      className={`inline-flex min-h-10 items-center justify-center gap-2 rounded-lg px-4 py-2 text-sm font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-600 focus-visible:ring-offset-2 disabled:cursor-not-allowed ${VARIANTS[variant]} ${className}`}>
      {busy && <span className="h-4 w-4 animate-spin rounded-full border-2 border-current border-t-transparent motion-reduce:animate-none" aria-hidden />}
      {children}
    </button>
  );
}

const inputClass = 'block w-full min-h-10 rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm placeholder:text-slate-500 focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-600/30 disabled:bg-slate-100';

interface FieldProps { label: string; error?: string | null; hint?: string; children?: ReactNode }

function FieldShell({ id, label, error, hint, children }: FieldProps & { id: string }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">{label}</label>
      {children}
      {hint && !error && <p id={id + '-hint'} className="text-xs text-slate-600">{hint}</p>}
      {error && <p id={id + '-err'} className="text-xs font-medium text-rose-700" role="alert">{error}</p>}
    </div>
  );
}

export function TextField({ label, error, hint, ...rest }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} error={error} hint={hint}>
      <input id={id} {...rest} aria-invalid={error ? true : undefined}
        aria-describedby={error ? id + '-err' : hint ? id + '-hint' : undefined} className={inputClass} />
    </FieldShell>
  );
}

export function SelectField({ label, error, hint, children, ...rest }: FieldProps & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} error={error} hint={hint}>
      <select id={id} {...rest} aria-invalid={error ? true : undefined}
        aria-describedby={error ? id + '-err' : undefined} className={inputClass}>{children}</select>
    </FieldShell>
  );
}

export function TextArea({ label, error, hint, ...rest }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} error={error} hint={hint}>
      <textarea id={id} rows={3} {...rest} aria-invalid={error ? true : undefined}
        aria-describedby={error ? id + '-err' : undefined} className={inputClass} />
    </FieldShell>
  );
}

export function Card({ title, actions, children, className = '' }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`rounded-xl border border-slate-200 bg-white shadow-sm ${className}`}>
      {(title || actions) && (
        <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 px-4 py-3">
          {title && <h2 className="text-base font-semibold text-slate-900">{title}</h2>}
          {actions && <div className="flex flex-wrap gap-2">{actions}</div>}
        </header>
      )}
      <div className="p-4">{children}</div>
    </section>
  );
}

type Tone = 'success' | 'warning' | 'danger' | 'neutral' | 'info';
const TONES: Record<Tone, string> = {
  success: 'bg-emerald-50 text-emerald-800 ring-emerald-600/25',
  warning: 'bg-amber-50 text-amber-900 ring-amber-600/30',
  danger: 'bg-rose-50 text-rose-800 ring-rose-600/25',
  neutral: 'bg-slate-100 text-slate-700 ring-slate-500/20',
  info: 'bg-indigo-50 text-indigo-800 ring-indigo-600/25',
};

const STATUS_TONE: Record<string, Tone> = {
  approved: 'success', completed: 'success', present: 'success', active: 'success', checked_out: 'success', resolved: 'success', succeeded: 'success',
  pending: 'warning', needs_clarification: 'warning', escalated: 'warning', on_break: 'warning', away: 'warning', invited: 'warning', open: 'warning', wfh: 'info', scheduled: 'neutral', queued: 'neutral', running: 'info',
  rejected: 'danger', blocked: 'danger', late: 'danger', overdue: 'danger', absent: 'danger', suspended: 'danger', dead: 'danger', failed: 'danger', critical: 'danger', high: 'danger',
  cancelled: 'neutral', draft: 'neutral', offline: 'neutral', inactive: 'neutral', dismissed: 'neutral', archived: 'neutral', on_leave: 'info', holiday: 'info', non_working_day: 'neutral', not_joined: 'neutral', medium: 'warning', low: 'neutral',
};

export function Badge({ tone = 'neutral', children }: { tone?: Tone; children: ReactNode }) {
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[tone]}`}>{children}</span>;
}

const STATUS_TEXT: Record<string, string> = {
  needs_clarification: 'Needs clarification', checked_out: 'Checked out', on_leave: 'On leave',
  non_working_day: 'Day off', not_joined: 'Not joined', wfh: 'WFH', on_break: 'On break',
};

export function StatusBadge({ status }: { status: string | null | undefined }) {
  const s = status ?? 'unknown';
  const text = STATUS_TEXT[s] ?? s.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
  return <Badge tone={STATUS_TONE[s] ?? 'neutral'}>{text}</Badge>;
}

export function Skeleton({ className = 'h-4 w-full' }: { className?: string }) {
  return <div className={`animate-pulse rounded bg-slate-200 motion-reduce:animate-none ${className}`} aria-hidden />;
}

export function SkeletonRows({ rows = 4, cols = 4 }: { rows?: number; cols?: number }) {
  return (
    <div className="space-y-3" role="status" aria-label="Loading">
      {Array.from({ length: rows }).map((_, r) => (
        <div key={r} className="grid gap-3" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))` }}>
          {Array.from({ length: cols }).map((__, c) => <Skeleton key={c} className="h-5" />)}
        </div>
      ))}
    </div>
  );
}

export function SkeletonCards({ count = 3 }: { count?: number }) {
  return (
    <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4" role="status" aria-label="Loading">
      {Array.from({ length: count }).map((_, i) => (
        <div key={i} className="rounded-xl border border-slate-200 bg-white p-4"><Skeleton className="mb-3 h-3 w-1/2" /><Skeleton className="h-7 w-2/3" /></div>
      ))}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 px-4 py-8 text-center">
      <p className="text-sm font-medium text-slate-800">{title}</p>
      {children && <div className="mt-1 text-sm text-slate-600">{children}</div>}
    </div>
  );
}

export function ErrorState({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3" role="alert">
      <p className="text-sm text-rose-800">{message}</p>
      {onRetry && <Button variant="secondary" onClick={onRetry}><Icon name="refresh" className="h-4 w-4" />Retry</Button>}
    </div>
  );
}

/** Loading / error / content switch with skeleton rows as the placeholder. */
export function Loadable<T>({ state, skeleton, children }: {
  state: { data: T | undefined; error: string | null; loading: boolean; reload: () => void };
  skeleton?: ReactNode; children: (data: T) => ReactNode;
}) {
  if (state.error) return <ErrorState message={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return <>{skeleton ?? <SkeletonRows />}</>;
  return <>{children(state.data)}</>;
}

export function Dialog({ open, title, onClose, children, footer, wide }: {
  open: boolean; title: string; onClose: () => void; children: ReactNode; footer?: ReactNode; wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} onClose={onClose} aria-labelledby="dlg-title"
      className={`m-auto w-[calc(100%-2rem)] ${wide ? 'max-w-3xl' : 'max-w-lg'} rounded-xl border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/50`}>
      {open && (
        <div className="flex max-h-[85vh] flex-col">
          <header className="flex items-center justify-between border-b border-slate-100 px-5 py-3">
            <h2 id="dlg-title" className="text-base font-semibold">{title}</h2>
            <button type="button" onClick={onClose} className="rounded p-1 text-slate-600 hover:bg-slate-100 focus-visible:ring-2 focus-visible:ring-indigo-600" aria-label="Close dialog"><Icon name="x" /></button>
          </header>
          <div className="overflow-y-auto px-5 py-4">{children}</div>
          {footer && <footer className="flex flex-wrap justify-end gap-2 border-t border-slate-100 px-5 py-3">{footer}</footer>}
        </div>
      )}
    </dialog>
  );
}

export function ConfirmDialog({ open, title, message, confirmLabel, onConfirm, onClose, busy, children, disabled }: {
  open: boolean; title: string; message: ReactNode; confirmLabel: string; onConfirm: () => void; onClose: () => void;
  busy?: boolean; children?: ReactNode; disabled?: boolean;
}) {
  return (
    <Dialog open={open} title={title} onClose={onClose} footer={<>
      <Button variant="secondary" onClick={onClose}>Cancel</Button>
      <Button variant="danger" onClick={onConfirm} busy={busy} disabled={disabled}>{confirmLabel}</Button>
    </>}>
      <div className="space-y-3 text-sm text-slate-700">{message}{children}</div>
    </Dialog>
  );
}

export function Stat({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-600">{label}</p>
      <p className="mt-1 text-2xl font-semibold text-slate-900 tabular-nums">{value}</p>
      {hint && <p className="mt-1 text-xs text-slate-600">{hint}</p>}
    </div>
  );
}

export function Tabs({ tabs, value, onChange }: { tabs: { id: string; label: string }[]; value: string; onChange: (id: string) => void }) {
  return (
    <div role="tablist" className="flex gap-1 overflow-x-auto border-b border-slate-200">
      {tabs.map((t) => (
        <button key={t.id} role="tab" type="button" aria-selected={value === t.id} onClick={() => onChange(t.id)}
          className={`whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium focus-visible:ring-2 focus-visible:ring-indigo-600 ${value === t.id ? 'border-indigo-700 text-indigo-800' : 'border-transparent text-slate-600 hover:text-slate-900'}`}>
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** A table that scrolls sideways on small screens; `hideSm` columns vanish below 640 px. */
export function Table({ head, children, caption }: { head: { label: string; hideSm?: boolean; className?: string }[]; children: ReactNode; caption?: string }) {
  return (
    <div className="-mx-4 overflow-x-auto px-4">
      <table className="min-w-full text-left text-sm">
        {caption && <caption className="sr-only">{caption}</caption>}
        <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-600">
          <tr>{head.map((h) => <th key={h.label} scope="col" className={`px-3 py-2 font-medium ${h.hideSm ? 'hidden sm:table-cell' : ''} ${h.className ?? ''}`}>{h.label}</th>)}</tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}

export function Td({ children, hideSm, className = '' }: { children: ReactNode; hideSm?: boolean; className?: string }) {
  return <td className={`px-3 py-2 align-top text-slate-800 ${hideSm ? 'hidden sm:table-cell' : ''} ${className}`}>{children}</td>;
}
