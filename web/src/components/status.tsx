// Today's attendance status of the signed-in member, shared by the header's "On Break" pill
// and the check-in pages. Refreshed on load, every 60 s, and whenever a page calls refresh()
// after a mutation.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { get } from '../lib/api';

export interface Break { id: string; break_type: string; started_at: string; ended_at: string | null; duration_minutes: number | null; note: string | null }
export interface AttendanceSession {
  id: string; check_in_at: string; check_out_at: string | null; work_mode: string; session_status: string;
  business_date: string; worked_minutes: number | null; breaks: Break[]; active_break: Break | null;
  is_late_login: boolean; late_minutes: number; is_early_logout: boolean; is_overtime: boolean;
  is_corrected: boolean; correction_requested: boolean; correction_reason?: string | null;
  total_break_minutes: number; dinner_break_minutes: number; prayer_break_minutes: number; other_break_minutes: number;
  expected_shift_start_at: string | null; expected_shift_end_at: string | null;
  checkout_after_shift_reason: string | null; attendance_classification: string | null; user_full_name?: string;
  user_id?: string; correction_status?: string | null;
}
export interface Today {
  business_date: string; status: string; checked_in: boolean; on_break: boolean; worked_minutes: number;
  break_minutes: number; session: AttendanceSession | null; active_break: Break | null;
  shift: { name?: string; start_at?: string; end_at?: string; start_time?: string; end_time?: string; timing?: string } | null;
}

interface StatusCtx { today: Today | null; error: boolean; refresh: () => Promise<Today | null> }
const Ctx = createContext<StatusCtx>({ today: null, error: false, refresh: async () => null });

export function StatusProvider({ children }: { children: ReactNode }) {
  const [today, setToday] = useState<Today | null>(null);
  const [error, setError] = useState(false);
  const refresh = useCallback(async () => {
    try {
      const t = await get<Today>('/attendance/today');
      setToday(t);
      setError(false);
      return t;
    } catch {
      setError(true);
      return null;
    }
  }, []);
  useEffect(() => {
    refresh();
    const id = window.setInterval(refresh, 60000);
    const onFocus = () => refresh();
    window.addEventListener('focus', onFocus);
    return () => { window.clearInterval(id); window.removeEventListener('focus', onFocus); };
  }, [refresh]);
  return <Ctx.Provider value={{ today, error, refresh }}>{children}</Ctx.Provider>;
}

export function useAttendanceStatus() { return useContext(Ctx); }
