// Display formatting: every date and time in the workspace timezone, durations as HH:mm,
// live timers as HH:MM:SS, and labels that never show a raw UUID (spec 13 §5 rules 1-3).
// Pure functions: the timezone is always an argument, the browser's own zone is never used.

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export function looksLikeUuid(value: unknown): boolean {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** A label for display: the fallback when the value is empty or looks like a UUID. */
export function label(value: unknown, fallback = 'Unknown'): string {
  if (value === null || value === undefined) return fallback;
  const text = String(value).trim();
  if (text === '' || looksLikeUuid(text)) return fallback;
  return text;
}

/** Whole minutes as HH:mm (negative and missing values read as 00:00). */
export function hhmm(minutes: number | null | undefined): string {
  const m = Math.max(0, Math.floor(Number(minutes) || 0));
  const h = Math.floor(m / 60);
  return `${String(h).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Seconds as HH:MM:SS for live timers. */
export function hhmmss(seconds: number): string {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [h, m, s % 60].map((n) => String(n).padStart(2, '0')).join(':');
}

function toDate(value: string | number | Date): Date | null {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(tz: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = tz + JSON.stringify(opts);
  let f = cache.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: tz, ...opts });
    } catch {
      f = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', ...opts });
    }
    cache.set(key, f);
  }
  return f;
}

/** "Jun 25, 2026, 05:10 PM" in tz; "—" for a missing or unreadable value. */
export function formatDateTime(value: string | null | undefined, tz: string): string {
  if (!value) return '—';
  const d = toDate(value);
  if (!d) return '—';
  return fmt(tz, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    hour12: true,
  }).format(d);
}

/** "05:10 PM" in tz. */
export function formatTime(value: string | null | undefined, tz: string): string {
  if (!value) return '—';
  const d = toDate(value);
  if (!d) return '—';
  return fmt(tz, { hour: '2-digit', minute: '2-digit', hour12: true }).format(d);
}

/**
 * A business date ("2026-06-25", already in the business timezone) as "Jun 25, 2026".
 * The date is formatted at noon UTC in UTC so no zone can move it to another day.
 */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return '—';
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], 12));
  return fmt('UTC', { year: 'numeric', month: 'short', day: 'numeric' }).format(d);
}

/** A date range of business dates: "Jun 25, 2026" or "Jun 25, 2026 – Jun 27, 2026". */
export function formatDateRange(start: string, end: string): string {
  return start === end ? formatDate(start) : `${formatDate(start)} – ${formatDate(end)}`;
}

/** Today's date (YYYY-MM-DD) in tz at the instant now. */
export function businessToday(tz: string, now: Date = new Date()): string {
  const parts = fmt(tz, { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** YYYY-MM-DD shifted by n days (calendar arithmetic, no zone involved). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}

/** Monday of the ISO week holding date (YYYY-MM-DD). */
export function weekStart(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return addDays(date, -((dow + 6) % 7));
}

/**
 * The UTC instant of a wall-clock time ("YYYY-MM-DDTHH:mm") in tz, as an ISO string.
 * Used for correction requests typed in workspace time. Two passes settle DST edges.
 */
export function zonedToUtc(local: string, tz: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return null;
  const want = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let guess = want;
  for (let i = 0; i < 2; i++) {
    guess = want - zoneOffsetMs(new Date(guess), tz);
  }
  return new Date(guess).toISOString();
}

/** Offset of tz from UTC at instant d, in milliseconds (east positive). */
export function zoneOffsetMs(d: Date, tz: string): number {
  const parts = fmt(tz, {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    second: '2-digit', hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24,
    get('minute'), get('second'));
  return asUtc - Math.floor(d.getTime() / 1000) * 1000;
}

/** An instant as "YYYY-MM-DDTHH:mm" wall-clock in tz (for datetime-local inputs). */
export function utcToZonedInput(value: string | null | undefined, tz: string): string {
  if (!value) return '';
  const d = toDate(value);
  if (!d) return '';
  const local = new Date(d.getTime() + zoneOffsetMs(d, tz));
  return local.toISOString().slice(0, 16);
}

/** Minutes between two instants (floor), or between start and now when end is missing. */
export function minutesBetween(start: string, end?: string | null, now = Date.now()): number {
  const a = new Date(start).getTime();
  const b = end ? new Date(end).getTime() : now;
  if (Number.isNaN(a) || Number.isNaN(b)) return 0;
  return Math.max(0, Math.floor((b - a) / 60000));
}

/** "snake_case" or "kebab" words as "Sentence case". */
export function humanize(value: string | null | undefined): string {
  if (!value) return '';
  const s = value.replace(/[_.-]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}
