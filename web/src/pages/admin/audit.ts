// Audit rows as sentences for people: "Test Admin changed role from Employee to Manager for
// Sam Lee". Values that look like ids are never shown; roles read as their labels.
import { label, looksLikeUuid } from '../../lib/format';
import { roleLabel } from '../../lib/roles';

export interface AuditRow {
  id: string; seq: number; actor_name: string | null; action_type: string; entity_type: string; entity_label: string | null;
  old_value: Record<string, unknown> | null; new_value: Record<string, unknown> | null; extra_metadata: Record<string, unknown> | null;
  ip_address: string | null; created_at: string;
}

const VERBS: Record<string, string> = {
  LOGIN: 'signed in', LOGOUT: 'signed out', LOGIN_FAILED: 'failed to sign in', USER_INVITED: 'invited', USER_CREATED: 'created the account of',
  ACCOUNT_ACTIVATED: 'activated their account', PASSWORD_RESET_REQUEST: 'asked for a password reset', PASSWORD_RESET_COMPLETE: 'reset their password',
  created: 'created', updated: 'updated', deleted: 'deleted', deactivated: 'deactivated', activated: 'reactivated', suspended: 'suspended',
  archived: 'archived', resolved: 'resolved', dismissed: 'dismissed', approved: 'approved', rejected: 'rejected', cancelled: 'cancelled',
  clarified: 'asked for clarification on', escalated: 'escalated', check_in: 'checked in', check_out: 'checked out', retried: 'retried',
  role_changed: 'changed the role of', permissions_changed: 'changed the permissions of', password_changed: 'changed their password',
  profile_updated: 'updated their profile', registered: 'registered', logout_all: 'signed out everywhere', session_revoked: 'ended a session',
  refresh_reuse: 'reused a refresh token (session ended)', admin_created: 'created the first administrator', auto_closed: 'closed an open session automatically for',
};

const FIELD: Record<string, string> = {
  role: 'role', status: 'status', department_id: 'department', department: 'department', department_name: 'department', shift_id: 'shift', shift_name: 'shift',
  manager_id: 'manager', manager_name: 'manager', full_name: 'name', designation: 'designation', phone: 'phone', name: 'name', is_active: 'active',
  start_time: 'start time', end_time: 'end time', grace_period_minutes: 'grace period', working_days: 'working days', holiday_date: 'date', title: 'title',
  priority: 'priority', value: 'value', head_name: 'head', permission_keys: 'permissions',
};

function show(key: string, v: unknown): string | null {
  if (v === null || v === undefined || v === '') return 'none';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length > 6 ? `${v.length} items` : v.map((x) => String(x)).join(', ');
  if (typeof v === 'object') return null;
  if (looksLikeUuid(v)) return null;
  if (key === 'role') return roleLabel(String(v));
  if (key === 'status') return String(v).replace(/_/g, ' ');
  return String(v);
}

/** "changed role from Employee to Manager, status from active to suspended". */
export function changes(oldV: Record<string, unknown> | null, newV: Record<string, unknown> | null): string[] {
  if (!oldV || !newV) return [];
  const out: string[] = [];
  for (const key of Object.keys(newV)) {
    if (key.endsWith('_id') && (`${key.slice(0, -3)}_name` in newV)) continue;
    if (JSON.stringify(oldV[key]) === JSON.stringify(newV[key])) continue;
    if (!(key in oldV)) continue;
    const name = FIELD[key] ?? key.replace(/_/g, ' ');
    const a = show(key, oldV[key]);
    const b = show(key, newV[key]);
    out.push(a !== null && b !== null ? `${name} from ${a} to ${b}` : `${name}`);
  }
  return out;
}

function verbOf(action: string): string {
  if (VERBS[action]) return VERBS[action];
  const last = action.split('.').pop() ?? action;
  return VERBS[last] ?? last.replace(/_/g, ' ');
}

export function sentence(r: AuditRow): string {
  const actor = label(r.actor_name, 'System');
  const type = r.entity_type.replace(/_/g, ' ');
  const name = label(r.entity_label, '');
  const diff = changes(r.old_value, r.new_value);
  if (diff.length > 0) return `${actor} changed ${diff.join(', ')} for ${name || 'an unnamed ' + type}`;
  const verb = verbOf(r.action_type);
  const selfish = /their|signed|registered|everywhere|reused|ended a session|first administrator/.test(verb);
  if (selfish || name === actor) return `${actor} ${verb}`;
  const object = name ? (r.entity_type === 'auth' ? name : `${type} ${name}`) : `an unnamed ${type}`;
  return `${actor} ${verb} ${object}`;
}
