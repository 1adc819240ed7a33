import { describe, expect, it } from 'vitest';
import { changes, sentence, type AuditRow } from './audit';

const row = (over: Partial<AuditRow>): AuditRow => ({
  id: 'r', seq: 1, actor_name: 'Test Admin', action_type: 'USER_UPDATED', entity_type: 'user', entity_label: 'Sam Lee',
  old_value: null, new_value: null, extra_metadata: null, ip_address: null, created_at: '2026-06-25T12:00:00Z', ...over,
});

describe('audit sentences', () => {
  it('reads a role change with role labels', () => {
    expect(sentence(row({ old_value: { role: 'employee' }, new_value: { role: 'manager' } })))
      .toBe('Test Admin changed role from Employee to Manager for Sam Lee');
  });
  it('names a changed reference by its label and never shows ids', () => {
    const s = sentence(row({
      old_value: { department_id: '2e40f3b4-d65f-4dd8-97f7-d7c540f093ef', department_name: 'Sales', status: 'active' },
      new_value: { department_id: '9c409144-4129-4a9d-95f7-a199e141cd1c', department_name: 'Engineering', status: 'suspended' },
    }));
    expect(s).toBe('Test Admin changed department from Sales to Engineering, status from active to suspended for Sam Lee');
  });
  it('hides id values it cannot name', () => {
    expect(changes({ shift_id: '2e40f3b4-d65f-4dd8-97f7-d7c540f093ef' }, { shift_id: '9c409144-4129-4a9d-95f7-a199e141cd1c' })).toEqual(['shift']);
  });
  it('reads actions without a diff', () => {
    expect(sentence(row({ action_type: 'USER_INVITED', entity_label: 'Omar Siddiqui' }))).toBe('Test Admin invited user Omar Siddiqui');
    expect(sentence(row({ action_type: 'LOGIN', entity_type: 'auth', entity_label: 'Test Admin' }))).toBe('Test Admin signed in');
    expect(sentence(row({ action_type: 'department.created', entity_type: 'department', entity_label: 'Engineering', new_value: { name: 'Engineering' } })))
      .toBe('Test Admin created department Engineering');
  });
  it('falls back to System and to the object type', () => {
    expect(sentence(row({ actor_name: null, action_type: 'attendance.auto_closed', entity_type: 'attendance_session', entity_label: '2e40f3b4-d65f-4dd8-97f7-d7c540f093ef' })))
      .toBe('System closed an open session automatically for an unnamed attendance session');
  });
});
