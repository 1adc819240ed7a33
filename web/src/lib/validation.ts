// Client-side form rules that mirror the server's (the server stays the authority):
// password policy (spec 02 §1: >= 10 characters, <= 72 bytes, not common, not personal),
// e-mail shape, leave requests (spec 05 §2), shifts and breaks. Each validator returns a map
// field -> message; an empty map means valid.

export type Errors = Record<string, string>;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_BYTES = 72;

// The most common passwords and the words they are built from; the server's list is longer.
const COMMON = new Set([
  'password', 'passw0rd', 'qwerty', 'qwertyuiop', 'letmein', 'welcome', 'admin', 'administrator',
  'iloveyou', 'monkey', 'dragon', 'football', 'baseball', 'sunshine', 'princess', 'master',
  'shadow', 'superman', 'trustno1', 'abc123', 'login', 'starwars', 'whatever', 'secret',
  'changeme', 'default', 'computer', 'internet', 'pakistan', 'football', 'michael', 'jessica',
]);

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's', '!': 'i' };

function unleet(s: string): string {
  return s.replace(/[013457@$!]/g, (c) => LEET[c] ?? c);
}

function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

const RUNS = ['01234567890123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm'];

/** A straight run such as "abcdefgh", "1234567890123" or "9876543210" (4+ characters). */
function isRun(s: string): boolean {
  if (s.length < 4) return false;
  return RUNS.some((r) => {
    const twice = r + r;
    const rev = [...twice].reverse().join('');
    return s.length <= twice.length && (twice.includes(s) || rev.includes(s));
  });
}

function isRepeat(s: string): boolean {
  for (let n = 1; n <= s.length / 2; n++) {
    if (s.length % n === 0 && s.slice(0, n).repeat(s.length / n) === s) return true;
  }
  return false;
}

/** The first broken password rule as a message, or null when the password passes. */
export function passwordProblem(password: string, personal: string[] = []): string | null {
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  }
  if (utf8Bytes(password) > PASSWORD_MAX_BYTES) {
    return `Use at most ${PASSWORD_MAX_BYTES} bytes (long non-Latin text counts more).`;
  }
  const lower = password.toLowerCase();
  // The letters with the digits and symbols around them removed, l33t undone inside.
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  if (COMMON.has(lower) || COMMON.has(core) || COMMON.has(unleet(core)) || COMMON.has(unleet(lower))) {
    return 'This password is too common. Choose something less predictable.';
  }
  if (isRepeat(lower) || isRun(lower)) {
    return 'This password is too predictable. Avoid repeats and sequences.';
  }
  for (const p of personal) {
    const word = p.toLowerCase().replace(/\s+/g, '');
    if (word.length >= 4 && unleet(lower).replace(/[^a-z]/g, '').includes(word.replace(/[^a-z]/g, ''))
        && word.replace(/[^a-z]/g, '').length >= 4) {
      return 'Do not use your name or e-mail address in the password.';
    }
  }
  return null;
}

/** Personal words the policy forbids: the e-mail, its local part and the name. */
export function personalWords(email?: string | null, name?: string | null): string[] {
  const out: string[] = [];
  if (email) {
    out.push(email);
    out.push(email.split('@')[0]);
  }
  if (name) {
    out.push(name);
    out.push(...name.split(/\s+/).filter((w) => w.length >= 4));
  }
  return out;
}

export function validatePasswordPair(password: string, confirm: string, personal: string[] = []): Errors {
  const e: Errors = {};
  const p = passwordProblem(password, personal);
  if (p) e.password = p;
  if (confirm !== password) e.confirm = 'The passwords do not match.';
  return e;
}

export function isEmail(s: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s.trim()) && s.trim().length <= 254;
}

export const LEAVE_TYPES = ['sick', 'casual', 'annual', 'half_day', 'wfh'] as const;
export type LeaveType = (typeof LEAVE_TYPES)[number];

export interface LeaveForm {
  leave_type: string;
  start_date: string;
  end_date: string;
  half_day_period: string;
  reason: string;
}

export function isHalfDay(f: Pick<LeaveForm, 'leave_type'>): boolean {
  return f.leave_type === 'half_day';
}

/** Spec 05 §2 steps 1-4, field by field. */
export function validateLeave(f: LeaveForm): Errors {
  const e: Errors = {};
  const date = /^\d{4}-\d{2}-\d{2}$/;
  if (!(LEAVE_TYPES as readonly string[]).includes(f.leave_type)) e.leave_type = 'Choose a request type.';
  if (!date.test(f.start_date)) e.start_date = 'Choose a start date.';
  if (!isHalfDay(f) && !date.test(f.end_date)) e.end_date = 'Choose an end date.';
  if (!e.start_date && !e.end_date && !isHalfDay(f) && f.start_date > f.end_date) {
    e.end_date = 'The end date must be on or after the start date.';
  }
  if (isHalfDay(f) && f.half_day_period !== 'first_half' && f.half_day_period !== 'second_half') {
    e.half_day_period = 'Choose the first or the second half.';
  }
  if (f.reason.trim() === '') e.reason = 'Give a reason.';
  else if (f.reason.length > 2000) e.reason = 'Keep the reason under 2000 characters.';
  return e;
}

/** The request body for POST /leaves built from a valid form. */
export function leaveBody(f: LeaveForm) {
  const half = isHalfDay(f);
  return {
    leave_type: f.leave_type,
    start_date: f.start_date,
    end_date: half ? f.start_date : f.end_date,
    is_half_day: half,
    half_day_period: half ? f.half_day_period : null,
    reason: f.reason.trim(),
  };
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export interface ShiftForm {
  name: string;
  start_time: string;
  end_time: string;
  grace_period_minutes: string;
  working_days: number[];
}

export function validateShift(f: ShiftForm): Errors {
  const e: Errors = {};
  if (f.name.trim() === '') e.name = 'Give the shift a name.';
  if (!HHMM.test(f.start_time)) e.start_time = 'Use a time like 09:00.';
  if (!HHMM.test(f.end_time)) e.end_time = 'Use a time like 17:00.';
  if (!e.start_time && f.start_time === f.end_time) e.end_time = 'The end time must differ from the start time.';
  const g = Number(f.grace_period_minutes);
  if (!Number.isInteger(g) || g < 0 || g > 240) e.grace_period_minutes = 'Use 0 to 240 minutes.';
  if (f.working_days.length === 0) e.working_days = 'Pick at least one working day.';
  return e;
}

/** An overnight shift ends on the next day: its end time is at or before its start time. */
export function isOvernight(start: string, end: string): boolean {
  return HHMM.test(start) && HHMM.test(end) && end <= start;
}

export function validateBreak(type: string, note: string): Errors {
  const e: Errors = {};
  if (!['dinner', 'prayer', 'other'].includes(type)) e.break_type = 'Choose a break type.';
  if (type === 'other' && note.trim() === '') e.note = 'Say what the break is for.';
  return e;
}

export function validateEarlyCheckout(reason: string): Errors {
  return reason.trim().length >= 5 ? {} : { reason: 'Give a reason of at least 5 characters.' };
}
