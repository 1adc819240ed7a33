import { describe, expect, it } from 'vitest';
import {
  isEmail, isOvernight, leaveBody, passwordProblem, personalWords, validateBreak, validateEarlyCheckout,
  validateLeave, validatePasswordPair, validateShift,
} from './validation';

describe('password rules (spec 02 §1)', () => {
  it('accepts a long passphrase', () => {
    expect(passwordProblem('Velvet-Harbor-Compass-38')).toBeNull();
    expect(passwordProblem('correct horse battery staple')).toBeNull();
  });
  it('needs at least 10 characters, counted as code points', () => {
    expect(passwordProblem('Sh0rt-pw!')).toMatch(/at least 10/);
    expect(passwordProblem('ŽluťoučkýK')).toBeNull();
  });
  it('refuses more than 72 bytes instead of truncating', () => {
    expect(passwordProblem('Velvet-Harbor-Compass-38'.padEnd(72, ' river stone'))).toBeNull();
    expect(passwordProblem('Velvet-Harbor-Compass-38'.padEnd(73, ' river stone'))).toMatch(/72 bytes/);
    expect(passwordProblem('é'.repeat(37))).toMatch(/72 bytes/);
  });
  it('refuses common passwords, also with digits, symbols and l33t around them', () => {
    expect(passwordProblem('password12345')).toMatch(/too common/);
    expect(passwordProblem('P@ssw0rd2024!')).toMatch(/too common/);
    expect(passwordProblem('!!qwertyuiop')).toMatch(/too common/);
  });
  it('refuses repeats and straight runs', () => {
    expect(passwordProblem('abababababab')).toMatch(/predictable/);
    expect(passwordProblem('abcdefghijkl')).toMatch(/predictable/);
    expect(passwordProblem('1234567890')).toMatch(/predictable/);
  });
  it('refuses the e-mail or the name', () => {
    const words = personalWords('omar.siddiqui@example.test', 'Omar Siddiqui');
    expect(passwordProblem('Siddiqui-2026!', words)).toMatch(/name or e-mail/);
    expect(passwordProblem('Velvet-Harbor-Compass-38', words)).toBeNull();
  });
  it('checks that both entries match', () => {
    expect(validatePasswordPair('Velvet-Harbor-Compass-38', 'Velvet-Harbor-Compass-39')).toEqual({ confirm: 'The passwords do not match.' });
    expect(validatePasswordPair('Velvet-Harbor-Compass-38', 'Velvet-Harbor-Compass-38')).toEqual({});
  });
});

describe('leave form rules (spec 05 §2)', () => {
  const base = { leave_type: 'casual', start_date: '2026-07-01', end_date: '2026-07-02', half_day_period: '', reason: 'Family event' };
  it('accepts a valid range', () => {
    expect(validateLeave(base)).toEqual({});
  });
  it('needs a type, dates in order and a non-blank reason', () => {
    expect(validateLeave({ ...base, leave_type: '' }).leave_type).toBeDefined();
    expect(validateLeave({ ...base, end_date: '2026-06-30' }).end_date).toMatch(/on or after/);
    expect(validateLeave({ ...base, reason: '   ' }).reason).toBeDefined();
    expect(validateLeave({ ...base, start_date: '' }).start_date).toBeDefined();
  });
  it('needs the period for a half day and sends one date', () => {
    const half = { ...base, leave_type: 'half_day' };
    expect(validateLeave(half).half_day_period).toBeDefined();
    const ok = { ...half, half_day_period: 'second_half' };
    expect(validateLeave(ok)).toEqual({});
    expect(leaveBody(ok)).toEqual({ leave_type: 'half_day', start_date: '2026-07-01', end_date: '2026-07-01', is_half_day: true, half_day_period: 'second_half', reason: 'Family event' });
  });
  it('sends full days without a period and with the reason trimmed', () => {
    expect(leaveBody({ ...base, leave_type: 'wfh', half_day_period: 'first_half', reason: '  Plumber visit ' })).toEqual({
      leave_type: 'wfh', start_date: '2026-07-01', end_date: '2026-07-02', is_half_day: false, half_day_period: null, reason: 'Plumber visit',
    });
  });
});

describe('shift, break and check-out rules', () => {
  const shift = { name: 'Night Shift', start_time: '22:00', end_time: '06:00', grace_period_minutes: '15', working_days: [1, 2, 3, 4, 5] };
  it('knows overnight shifts end on the next day', () => {
    expect(isOvernight('22:00', '06:00')).toBe(true);
    expect(isOvernight('17:00', '02:00')).toBe(true);
    expect(isOvernight('09:00', '17:00')).toBe(false);
  });
  it('validates shift fields', () => {
    expect(validateShift(shift)).toEqual({});
    expect(validateShift({ ...shift, start_time: '25:00' }).start_time).toBeDefined();
    expect(validateShift({ ...shift, end_time: '22:00' }).end_time).toMatch(/differ/);
    expect(validateShift({ ...shift, grace_period_minutes: '-1' }).grace_period_minutes).toBeDefined();
    expect(validateShift({ ...shift, working_days: [] }).working_days).toBeDefined();
    expect(validateShift({ ...shift, name: ' ' }).name).toBeDefined();
  });
  it('needs a note only for "other" breaks', () => {
    expect(validateBreak('prayer', '')).toEqual({});
    expect(validateBreak('other', ' ').note).toBeDefined();
    expect(validateBreak('nap', '').break_type).toBeDefined();
  });
  it('needs an early check-out reason of at least 5 characters', () => {
    expect(validateEarlyCheckout('sick')).toHaveProperty('reason');
    expect(validateEarlyCheckout(' Doctor ')).toEqual({});
  });
  it('recognises e-mail addresses', () => {
    expect(isEmail('omar.siddiqui@example.test')).toBe(true);
    expect(isEmail('not-an-email')).toBe(false);
    expect(isEmail('a b@c.d')).toBe(false);
  });
});
