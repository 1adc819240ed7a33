import { describe, expect, it } from 'vitest';
import {
  addDays, businessToday, formatDate, formatDateRange, formatDateTime, formatTime, hhmm, hhmmss, label,
  looksLikeUuid, minutesBetween, utcToZonedInput, weekStart, zonedToUtc,
} from './format';

describe('durations', () => {
  it('formats whole minutes as HH:mm', () => {
    expect(hhmm(0)).toBe('00:00');
    expect(hhmm(5)).toBe('00:05');
    expect(hhmm(525)).toBe('08:45');
    expect(hhmm(61.9)).toBe('01:01');
    expect(hhmm(6000)).toBe('100:00');
  });
  it('reads missing and negative minutes as 00:00', () => {
    expect(hhmm(null)).toBe('00:00');
    expect(hhmm(undefined)).toBe('00:00');
    expect(hhmm(-30)).toBe('00:00');
  });
  it('formats live timers as HH:MM:SS', () => {
    expect(hhmmss(0)).toBe('00:00:00');
    expect(hhmmss(59.9)).toBe('00:00:59');
    expect(hhmmss(3723)).toBe('01:02:03');
  });
  it('counts minutes between instants, floor', () => {
    expect(minutesBetween('2026-06-25T10:00:00Z', '2026-06-25T10:59:59Z')).toBe(59);
    expect(minutesBetween('2026-06-25T10:00:00Z', null, Date.parse('2026-06-25T12:30:00Z'))).toBe(150);
  });
});

describe('workspace timezone', () => {
  const iso = '2026-06-25T12:10:00Z';
  it('formats date-times in the workspace zone, not the browser zone', () => {
    expect(formatDateTime(iso, 'Asia/Karachi')).toBe('Jun 25, 2026, 05:10 PM');
    expect(formatDateTime(iso, 'America/New_York')).toBe('Jun 25, 2026, 08:10 AM');
    expect(formatTime(iso, 'Asia/Karachi')).toBe('05:10 PM');
  });
  it('moves late-evening instants to the next day east of UTC', () => {
    expect(formatDateTime('2026-06-25T20:30:00Z', 'Asia/Karachi')).toBe('Jun 26, 2026, 01:30 AM');
    expect(businessToday('Asia/Karachi', new Date('2026-06-25T20:30:00Z'))).toBe('2026-06-26');
    expect(businessToday('America/Los_Angeles', new Date('2026-06-25T03:00:00Z'))).toBe('2026-06-24');
  });
  it('shows business dates as they are, in any zone', () => {
    expect(formatDate('2026-06-25')).toBe('Jun 25, 2026');
    expect(formatDate('2026-01-01')).toBe('Jan 1, 2026');
    expect(formatDateRange('2026-06-25', '2026-06-25')).toBe('Jun 25, 2026');
    expect(formatDateRange('2026-06-25', '2026-06-27')).toBe('Jun 25, 2026 – Jun 27, 2026');
  });
  it('shows a dash for missing or unreadable values', () => {
    expect(formatDateTime(null, 'Asia/Karachi')).toBe('—');
    expect(formatDateTime('not a date', 'Asia/Karachi')).toBe('—');
    expect(formatDate('25/06/2026')).toBe('—');
  });
  it('falls back to UTC for an unknown zone instead of throwing', () => {
    expect(formatDateTime(iso, 'Mars/Olympus')).toBe('Jun 25, 2026, 12:10 PM');
  });
  it('converts wall-clock input in the zone to UTC and back', () => {
    expect(zonedToUtc('2026-06-25T17:10', 'Asia/Karachi')).toBe('2026-06-25T12:10:00.000Z');
    expect(zonedToUtc('2026-03-09T03:30', 'America/New_York')).toBe('2026-03-09T07:30:00.000Z');
    expect(zonedToUtc('2026-01-15T09:00', 'America/New_York')).toBe('2026-01-15T14:00:00.000Z');
    expect(utcToZonedInput('2026-06-25T12:10:00Z', 'Asia/Karachi')).toBe('2026-06-25T17:10');
    expect(zonedToUtc('garbage', 'Asia/Karachi')).toBeNull();
  });
  it('does calendar arithmetic on business dates', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(weekStart('2026-06-25')).toBe('2026-06-22');
    expect(weekStart('2026-06-22')).toBe('2026-06-22');
    expect(weekStart('2026-06-28')).toBe('2026-06-22');
  });
});

describe('labels never show ids', () => {
  it('detects UUID-shaped text', () => {
    expect(looksLikeUuid('2e40f3b4-d65f-4dd8-97f7-d7c540f093ef')).toBe(true);
    expect(looksLikeUuid('dept 2E40F3B4-D65F-4DD8-97F7-D7C540F093EF')).toBe(true);
    expect(looksLikeUuid('Engineering')).toBe(false);
  });
  it('replaces ids and blanks with the fallback', () => {
    expect(label('2e40f3b4-d65f-4dd8-97f7-d7c540f093ef', 'Unnamed Department')).toBe('Unnamed Department');
    expect(label('  ', 'Unknown user')).toBe('Unknown user');
    expect(label(null)).toBe('Unknown');
    expect(label('Night Shift', 'Unnamed Shift')).toBe('Night Shift');
  });
});
