// Toasts: one for every mutation's result (spec 13 §5.6). Polite live region, auto-dismiss
// after 6 s (errors 10 s), closable with a button.
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { humanError } from '../lib/api';
import { Icon } from './icons';

type Kind = 'success' | 'error' | 'info';
interface Toast { id: number; kind: Kind; text: string; extra?: ReactNode }
interface Toaster {
  success(text: string): void;
  error(errOrText: unknown, extra?: ReactNode): void;
  info(text: string): void;
}

const Ctx = createContext<Toaster | null>(null);
let next = 1;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const remove = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const push = useCallback((kind: Kind, text: string, extra?: ReactNode) => {
    const id = next++;
    setToasts((t) => [...t.slice(-3), { id, kind, text, extra }]);
    window.setTimeout(() => remove(id), kind === 'error' ? 10000 : 6000);
  }, [remove]);
  const [api] = useState<Toaster>(() => ({
    success: (text) => push('success', text),
    info: (text) => push('info', text),
    error: (e, extra) => push('error', typeof e === 'string' ? e : humanError(e), extra),
  }));
  return (
    <Ctx.Provider value={api}>
      {children}
      <div className="pointer-events-none fixed inset-x-0 bottom-4 z-[60] flex flex-col items-center gap-2 px-4 sm:items-end" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} role={t.kind === 'error' ? 'alert' : 'status'} data-toast={t.kind}
            className={`pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-lg border px-4 py-3 text-sm shadow-lg ${t.kind === 'error' ? 'border-rose-200 bg-rose-50 text-rose-900' : t.kind === 'success' ? 'border-emerald-200 bg-emerald-50 text-emerald-900' : 'border-slate-200 bg-white text-slate-900'}`}>
            <div className="flex-1"><p>{t.text}</p>{t.extra}</div>
            <button type="button" onClick={() => remove(t.id)} aria-label="Dismiss notification" className="rounded p-0.5 hover:bg-black/5"><Icon name="x" className="h-4 w-4" /></button>
          </div>
        ))}
      </div>
    </Ctx.Provider>
  );
}

export function useToast(): Toaster {
  const t = useContext(Ctx);
  if (!t) throw new Error('useToast outside ToastProvider');
  return t;
}
