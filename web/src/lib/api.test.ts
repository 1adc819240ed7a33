import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, PAGE_MAX, REFRESH_KEY, api, getAll, humanError, items, setAccessToken, setSessionExpiredHandler, storedRefreshToken } from './api';

// A Map-backed localStorage and a scripted fetch: the server accepts only the current access
// token and rotates the refresh token on every use, refusing a reused one (like the C server).
class Store { m = new Map<string, string>(); getItem(k: string) { return this.m.get(k) ?? null; } setItem(k: string, v: string) { this.m.set(k, v); } removeItem(k: string) { this.m.delete(k); } }

let refreshCalls = 0;
let valid = 'A1';
let currentRefresh = 'R1';

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

beforeEach(() => {
  refreshCalls = 0;
  valid = 'A1';
  currentRefresh = 'R1';
  vi.stubGlobal('localStorage', new Store());
  localStorage.setItem(REFRESH_KEY, 'R1');
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
    if (url.endsWith('/auth/refresh')) {
      refreshCalls += 1;
      await new Promise((r) => setTimeout(r, 20));
      const sent = JSON.parse(String(init.body)).refresh_token;
      if (sent !== currentRefresh) return json(401, { error: { code: 'AUTH_ERROR', message: 'Invalid refresh token.', details: [] } });
      currentRefresh = `R${refreshCalls + 1}`;
      valid = `A${refreshCalls + 1}`;
      return json(200, { access_token: valid, refresh_token: currentRefresh });
    }
    const auth = (init.headers as Record<string, string>).Authorization;
    if (auth !== `Bearer ${valid}`) return json(401, { error: { code: 'AUTH_ERROR', message: 'Token expired.', details: [] } });
    return json(200, { ok: url });
  }));
});
afterEach(() => { vi.unstubAllGlobals(); setSessionExpiredHandler(null); });

describe('token refresh', () => {
  it('refreshes once for many concurrent 401s and retries each call', async () => {
    setAccessToken('stale');
    const results = await Promise.all([api('GET', '/a'), api('GET', '/b'), api('GET', '/c')]);
    expect(results).toEqual([{ ok: '/api/v1/a' }, { ok: '/api/v1/b' }, { ok: '/api/v1/c' }]);
    expect(refreshCalls).toBe(1);
    expect(storedRefreshToken()).toBe('R2');
  });
  it('ends the session when the refresh is refused', async () => {
    setAccessToken('stale');
    localStorage.setItem(REFRESH_KEY, 'reused');
    let expired = 0;
    setSessionExpiredHandler(() => { expired += 1; });
    await expect(api('GET', '/a')).rejects.toMatchObject({ status: 401 });
    expect(expired).toBe(1);
    expect(storedRefreshToken()).toBeNull();
  });
  it('does not refresh for calls that need no token', async () => {
    setAccessToken(null);
    await expect(api('POST', '/auth/login', { body: {}, auth: false })).rejects.toBeInstanceOf(ApiError);
    expect(refreshCalls).toBe(0);
  });
});

describe('error messages', () => {
  it('lists validation details as field: message', () => {
    const e = new ApiError(422, 'VALIDATION_ERROR', 'Request validation failed.', [{ field: 'end_date', message: 'Start date must be before end date' }]);
    expect(humanError(e)).toBe('end date: Start date must be before end date');
  });
  it('uses the server message, and a fallback per status without one', () => {
    expect(humanError(new ApiError(409, 'CONFLICT', 'You already have a half-day request for 2026-07-01 (first_half).'))).toMatch(/half-day request/);
    expect(humanError(new ApiError(404, 'NOT_FOUND', ''))).toBe('This item was not found or has been archived.');
    expect(humanError(new TypeError('fetch failed'))).toMatch(/Unable to reach the API server/);
  });
});

describe('paged lists', () => {
  // A server-side list of `total` rows answered as {items, total, limit, offset}, like GET /users.
  function serve(total: number) {
    const asked: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      const q = new URL(url, 'http://x').searchParams;
      asked.push(q.toString());
      const limit = Number(q.get('limit') ?? 50);
      const offset = Number(q.get('offset') ?? 0);
      if (limit > PAGE_MAX) return json(422, { error: { code: 'VALIDATION_ERROR', message: 'Request validation failed.', details: [{ field: 'limit', message: 'Must be an integer between 1 and 200.' }] } });
      const rows = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => ({ id: offset + i }));
      return json(200, { items: rows, total, limit, offset });
    }));
    return asked;
  }

  it('fetches every page at the largest page size, in order', async () => {
    setAccessToken('A1');
    const asked = serve(450);
    const rows = await getAll<{ id: number }>('/departments', { only_active: true });
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 450 }, (_, i) => i));
    expect(asked).toEqual([
      'only_active=true&limit=200&offset=0',
      'only_active=true&limit=200&offset=200',
      'only_active=true&limit=200&offset=400',
    ]);
  });
  it('asks once for a short list, and once for an empty one', async () => {
    setAccessToken('A1');
    const asked = serve(3);
    expect((await getAll('/shifts')).length).toBe(3);
    expect(asked.length).toBe(1);
    serve(0);
    expect(await getAll('/shifts')).toEqual([]);
  });
  it('stops at maxRows however large the list', async () => {
    setAccessToken('A1');
    const asked = serve(100000);
    expect((await getAll('/holidays', {}, 500)).length).toBe(500);
    expect(asked.length).toBe(3);
  });
  it('reads a page or a bare array as rows', () => {
    expect(items<number>({ items: [1, 2], total: 9, limit: 2, offset: 0 })).toEqual([1, 2]);
    expect(items<number>([3])).toEqual([3]);
    expect(items<number>({ announcements: [] })).toEqual([]);
  });
});
