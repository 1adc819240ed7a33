// The API client: JSON over fetch to /api/v1 with the access token in Authorization.
// Tokens: the access token lives in memory only; the refresh token in localStorage so a reload
// or a new tab stays signed in (trade-off in docs/ui.md). A 401 triggers ONE refresh shared by
// every caller in the tab (single flight) and serialised across tabs with the Web Locks API:
// the server rotates refresh tokens with reuse detection, so two tabs presenting the same token
// would end the session. Inside the lock the token is re-read from storage, so a tab that lost
// the race uses the token the winner stored.

export const REFRESH_KEY = 'wos.refresh_token';
const BASE = '/api/v1';

export interface ErrorDetail { field?: string; message?: string; [k: string]: unknown }

export class ApiError extends Error {
  status: number;
  code: string;
  details: ErrorDetail[];
  retryAfter: number | null = null;
  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const FALLBACK: Record<number, string> = {
  0: 'Unable to reach the API server. Check your connection and try again.',
  401: 'Your session has expired. Please sign in again.',
  403: 'You do not have permission to update this item.',
  404: 'This item was not found or has been archived.',
  409: 'This action conflicts with the current state.',
  422: 'Validation failed. Please check the form fields and try again.',
  429: 'Too many attempts. Please wait and try again.',
  500: 'An unexpected internal server error occurred. Please try again or contact support.',
};

/** A sentence for a person: the server's message, validation details as "field: message". */
export function humanError(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = err.details.filter((d) => d && d.field && d.message && d.field !== 'request');
    if (err.status === 422 && fields.length > 0) {
      return fields.map((d) => `${String(d.field).replace(/_/g, ' ')}: ${d.message}`).join('; ');
    }
    if (err.status === 422 && err.details[0]?.message && err.message === 'Request validation failed.') {
      return String(err.details[0].message);
    }
    if (err.status === 401 && err.code === 'SESSION_EXPIRED') return FALLBACK[401];
    if (err.message) return err.message;
    return FALLBACK[err.status] ?? FALLBACK[err.status >= 500 ? 500 : 422];
  }
  return FALLBACK[0];
}

/** The field-keyed messages of a 422, for showing beside inputs. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) {
    for (const d of err.details) {
      if (d && d.field && d.message) out[String(d.field)] = String(d.message);
    }
  }
  return out;
}

export interface TokenPair { access_token: string; refresh_token: string }

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
let onExpired: (() => void) | null = null;

export function setAccessToken(t: string | null) { accessToken = t; }
export function hasAccessToken() { return accessToken !== null; }
export function setSessionExpiredHandler(fn: (() => void) | null) { onExpired = fn; }

export function storeTokens(pair: TokenPair) {
  accessToken = pair.access_token;
  try { localStorage.setItem(REFRESH_KEY, pair.refresh_token); } catch { /* private mode */ }
}

export function clearTokens() {
  accessToken = null;
  try { localStorage.removeItem(REFRESH_KEY); } catch { /* private mode */ }
}

export function storedRefreshToken(): string | null {
  try { return localStorage.getItem(REFRESH_KEY); } catch { return null; }
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return text; }
}

function toError(status: number, body: unknown): ApiError {
  const e = (body && typeof body === 'object' && 'error' in body) ? (body as { error: Record<string, unknown> }).error : null;
  if (e) {
    return new ApiError(status, String(e.code ?? 'API_ERROR'), String(e.message ?? FALLBACK[status] ?? ''),
      Array.isArray(e.details) ? (e.details as ErrorDetail[]) : []);
  }
  return new ApiError(status, status >= 500 ? 'INTERNAL_ERROR' : 'API_ERROR', FALLBACK[status] ?? FALLBACK[500]);
}

async function doRefresh(): Promise<boolean> {
  const token = storedRefreshToken();
  if (!token) return false;
  let res: Response;
  try {
    res = await fetch(BASE + '/auth/refresh', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: token }),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', FALLBACK[0]);
  }
  if (!res.ok) {
    // Another tab may have rotated the token meanwhile: only a token still current is dropped.
    if (storedRefreshToken() === token) clearTokens();
    return false;
  }
  storeTokens((await parse(res)) as TokenPair);
  return true;
}

/** Exchanges the stored refresh token for a new pair; concurrent calls share one exchange. */
export function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
    const run = locks ? locks.request('wos-refresh', doRefresh) : doRefresh();
    refreshing = Promise.resolve(run).finally(() => { refreshing = null; });
  }
  return refreshing;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  auth?: boolean;
}

function url(path: string, query?: RequestOptions['query']): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return BASE + path + (s ? '?' + s : '');
}

async function send(method: string, path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.auth !== false && accessToken) headers.Authorization = 'Bearer ' + accessToken;
  try {
    return await fetch(url(path, opts.query), {
      method, headers, body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'NETWORK', FALLBACK[0]);
  }
}

/** One API call; a 401 on an authenticated call refreshes once and retries once. */
export async function api<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  let res = await send(method, path, opts);
  if (res.status === 401 && opts.auth !== false) {
    if (await refreshSession()) {
      res = await send(method, path, opts);
    } else {
      onExpired?.();
      throw new ApiError(401, 'SESSION_EXPIRED', FALLBACK[401]);
    }
  }
  const body = await parse(res);
  if (!res.ok) {
    const err = toError(res.status, body);
    const ra = Number(res.headers.get('Retry-After'));
    if (Number.isFinite(ra) && ra > 0) err.retryAfter = ra;
    throw err;
  }
  return body as T;
}

export const get = <T = unknown>(path: string, query?: RequestOptions['query']) => api<T>('GET', path, { query });
export const post = <T = unknown>(path: string, body?: unknown, query?: RequestOptions['query']) => api<T>('POST', path, { body, query });
export const patch = <T = unknown>(path: string, body?: unknown) => api<T>('PATCH', path, { body });
export const put = <T = unknown>(path: string, body?: unknown) => api<T>('PUT', path, { body });
export const del = <T = unknown>(path: string) => api<T>('DELETE', path);

/** Lists come either bare or as {items,...}; this returns the array either way. */
export function items<T>(data: unknown): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === 'object' && Array.isArray((data as { items?: unknown }).items)) {
    return (data as { items: T[] }).items;
  }
  return [];
}

/** The largest page the server gives ({items, total, limit, offset} lists: limit 1..200). */
export const PAGE_MAX = 200;

/**
 * Every row of a paged list, PAGE_MAX rows per request, for pickers and admin tables that show
 * the whole (small) set: departments, shifts, holidays, workspaces. Stops at maxRows, so a list
 * that grew huge costs a bounded number of requests.
 */
export async function getAll<T>(path: string, query: RequestOptions['query'] = {}, maxRows = 2000): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const page = await get<unknown>(path, { ...query, limit: PAGE_MAX, offset: out.length });
    const rows = items<T>(page);
    out.push(...rows);
    const total = page && typeof page === 'object' && 'total' in page ? Number((page as { total: unknown }).total) : out.length;
    if (rows.length === 0 || out.length >= total || out.length >= maxRows) return out.slice(0, maxRows);
  }
}
