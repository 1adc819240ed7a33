// Browser scenarios of the web UI against a running `wos serve` + `wos worker` (started by
// tests/e2e/run). Drives Debian's Chromium through playwright-core, headless.
//
// Environment: E2E_BASE_URL (server), E2E_MAIL_DIR (JSON files of received e-mails),
// E2E_SHOTS (screenshot dir), E2E_CHROMIUM (browser path).
// Output: one line per scenario, "E2E-RESULT {json}", and exit 0. Scenarios build on each
// other (the employee of (2) is invited in (1)); when one fails, the ones needing it fail
// with "needs: ...". After every page visit the visible text is checked for UUID-shaped
// strings; each step saves a screenshot.
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(join(here, '../../web/package.json'));
const { chromium } = require('playwright-core');

const BASE = process.env.E2E_BASE_URL;
const MAIL = process.env.E2E_MAIL_DIR;
const SHOTS = process.env.E2E_SHOTS;
const ADMIN = { email: 'admin@example.com', password: 'Test-Admin-Passw0rd!' };
const MANAGER = { name: 'Maya Qureshi', email: 'maya.qureshi@example.test', password: 'Copper-Lantern-Meadow-71' };
const EMPLOYEE = { name: 'Omar Siddiqui', email: 'omar.siddiqui@example.test', password: 'Velvet-Harbor-Compass-38' };
const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

mkdirSync(SHOTS, { recursive: true });
let shotNo = 0;
const visited = new Set();
const uuidHits = [];

function report(name, ok, detail = '') {
  console.log('E2E-RESULT ' + JSON.stringify({ name, ok, detail }));
}

async function shot(page, name) {
  shotNo += 1;
  const file = join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

/** Records the page and fails the scenario when its visible text holds a UUID. */
async function checkNoUuid(page) {
  const url = new URL(page.url());
  visited.add(url.pathname);
  const text = await page.evaluate(() => document.body.innerText);
  const m = UUID_RE.exec(text);
  if (m) {
    uuidHits.push(`${url.pathname}: ${m[0]}`);
    throw new Error(`UUID-shaped text on ${url.pathname}: ${m[0]}`);
  }
}

async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForFunction(() => !document.querySelector('[aria-label="Loading"]'), null, { timeout: 10000 }).catch(() => {});
}

async function visit(page, path) {
  await page.goto(BASE + path);
  await settle(page);
  await checkNoUuid(page);
}

async function expectToast(page, re) {
  const toast = page.locator('[data-toast]').filter({ hasText: re }).first();
  await toast.waitFor({ timeout: 10000 });
  return toast;
}

async function login(page, who) {
  await page.goto(BASE + '/login');
  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15000 });
  await settle(page);
  await checkNoUuid(page);
}

async function logout(page) {
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/login'), { timeout: 10000 });
}

/** Waits for the invitation e-mail to `to` and returns the activation link in it. */
async function invitationLink(to, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const f of readdirSync(MAIL).filter((n) => n.endsWith('.json')).sort()) {
      const msg = JSON.parse(readFileSync(join(MAIL, f), 'utf8'));
      if (msg.to.includes(to)) {
        const m = /(https?:\/\/\S+\/activate\?token=[A-Za-z0-9_\-]+)/.exec(msg.text);
        if (m) return m[1];
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no invitation e-mail to ${to} within ${timeoutMs / 1000} s`);
}

async function inviteMember(page, who, role, { department, shift, manager } = {}) {
  await page.getByRole('button', { name: 'Invite member' }).click();
  const dlg = page.getByRole('dialog', { name: 'Invite a member' });
  await dlg.getByLabel('Full name').fill(who.name);
  await dlg.getByLabel('E-mail').fill(who.email);
  await dlg.getByLabel('Role').selectOption({ label: role });
  if (department) await dlg.getByLabel('Department').selectOption({ label: department });
  if (shift) await dlg.getByLabel('Work shift').selectOption({ label: shift });
  if (manager) await dlg.getByLabel('Reporting manager').selectOption({ label: manager });
  await dlg.getByRole('button', { name: 'Send invitation' }).click();
  await expectToast(page, new RegExp(`Invitation sent to ${who.email.replace('.', '\\.')}`));
  await page.getByTestId('member-row').filter({ hasText: who.email }).waitFor();
}

async function activate(page, who) {
  const link = await invitationLink(who.email);
  if (!link.startsWith(BASE)) throw new Error(`the invitation link points elsewhere: ${new URL(link).origin}`);
  await page.goto(link);
  await page.getByRole('heading', { name: 'Activate your account' }).waitFor();
  await page.getByText(who.email).waitFor();
  // Never sent to login before the password is set.
  if (new URL(page.url()).pathname !== '/activate') throw new Error('activation page redirected to ' + page.url());
  await checkNoUuid(page);
  await page.getByLabel('New password').fill(who.password);
  await page.getByLabel('Confirm password').fill(who.password);
  await shot(page, `activate-${who.name.split(' ')[0].toLowerCase()}`);
  await page.getByRole('button', { name: 'Activate account' }).click();
  await page.waitForURL((u) => u.pathname === '/login', { timeout: 15000 });
  await page.getByText('Your account is active').first().waitFor();
}

/** Pixels by which the page or its scrolling main area is wider than the viewport. */
async function sideways(page) {
  return page.evaluate(() => {
    const main = document.querySelector('main');
    const doc = document.documentElement.scrollWidth - window.innerWidth;
    return Math.max(doc, main ? main.scrollWidth - main.clientWidth : 0);
  });
}

async function checkOut(page) {
  await page.getByRole('button', { name: 'Check out' }).click();
  // With a shift the server wants a reason: early before the end, a note after it.
  const dlg = page.getByRole('dialog');
  const done = page.locator('[data-toast]').filter({ hasText: /Checked out/ }).first();
  const which = await Promise.race([
    dlg.waitFor({ timeout: 10000 }).then(() => 'dialog'),
    done.waitFor({ timeout: 10000 }).then(() => 'done'),
  ]);
  if (which === 'dialog') {
    const title = await dlg.getByRole('heading').first().innerText();
    if (/before the shift ends/.test(title)) {
      await dlg.getByLabel('Reason for leaving early').fill('Doctor appointment this evening');
    } else {
      await dlg.getByLabel('Reason').selectOption('overtime');
      await dlg.getByLabel('Explanation').fill('Release night: stayed to finish the deployment');
    }
    await shot(page, 'checkout-dialog');
    await dlg.getByRole('button', { name: 'Check out' }).click();
    await done.waitFor({ timeout: 10000 });
  }
}

const state = {};
const scenarios = [
  ['admin creates a department and the overnight shift, invites a manager and an employee', [], async (browser) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await ctx.newPage();
    await login(page, ADMIN);
    if (new URL(page.url()).pathname !== '/admin/dashboard') throw new Error('admin landed on ' + page.url());
    await shot(page, 'admin-dashboard');

    await visit(page, '/admin/organization?tab=departments');
    await page.getByRole('button', { name: 'New department' }).click();
    let dlg = page.getByRole('dialog', { name: 'New department' });
    await dlg.getByLabel('Name').fill('Engineering');
    await dlg.getByLabel('Description').fill('Product and platform engineering');
    await dlg.getByRole('button', { name: 'Save' }).click();
    await expectToast(page, /Department "Engineering" created/);
    await page.getByRole('cell', { name: /Engineering/ }).first().waitFor();
    await checkNoUuid(page);
    await shot(page, 'departments');

    await page.getByRole('tab', { name: 'Work shifts' }).click();
    await settle(page);
    await page.getByRole('button', { name: 'New shift' }).click();
    dlg = page.getByRole('dialog', { name: 'New shift' });
    await dlg.getByLabel('Name').fill('Night Shift');
    await dlg.getByLabel('Starts').fill('22:00');
    await dlg.getByLabel('Ends').fill('06:00');
    await dlg.getByText('Overnight: ends on the next day.').waitFor();
    await shot(page, 'shift-form');
    await dlg.getByRole('button', { name: 'Save shift' }).click();
    await expectToast(page, /Shift "Night Shift" saved/);
    await page.getByRole('row', { name: /Night Shift/ }).getByText('Overnight').waitFor();
    await checkNoUuid(page);
    await shot(page, 'shifts');

    await visit(page, '/admin/users');
    await inviteMember(page, MANAGER, 'Manager', { department: 'Engineering' });
    await inviteMember(page, EMPLOYEE, 'Employee', { department: 'Engineering', shift: 'Night Shift (10:00 PM - 06:00 AM)', manager: `${MANAGER.name} · Manager (invited)` });
    const row = page.getByTestId('member-row').filter({ hasText: EMPLOYEE.email });
    await row.getByText('Night Shift').waitFor();
    await row.getByText(MANAGER.name).waitFor();
    await checkNoUuid(page);
    await shot(page, 'members-invited');
    await visit(page, '/admin/audit-logs');
    await page.getByText(`Test Admin invited user ${EMPLOYEE.name}`).waitFor();
    await page.getByText('Test Admin created shift Night Shift').waitFor();
    await shot(page, 'audit-log');
    await ctx.close();
  }],
  ['manager and employee activate from the e-mailed links; the employee checks in, takes a prayer break, checks out', ['admin'], async (browser) => {
    const mctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await activate(await mctx.newPage(), MANAGER);
    await mctx.close();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    state.employeeCtx = ctx;
    const page = await ctx.newPage();
    state.employeePage = page;
    await activate(page, EMPLOYEE);
    await login(page, EMPLOYEE);
    if (new URL(page.url()).pathname !== '/employee/dashboard') throw new Error('employee landed on ' + page.url());
    await shot(page, 'employee-dashboard');
    await visit(page, '/employee/attendance');
    await page.getByText('Work from home').click();
    await page.getByRole('button', { name: 'Check in' }).click();
    await expectToast(page, /Checked in/);
    await page.getByTestId('session-panel').waitFor();
    await checkNoUuid(page);
    await shot(page, 'checked-in');

    await page.getByRole('button', { name: 'Start a break' }).click();
    const dlg = page.getByRole('dialog', { name: 'Start a break' });
    await dlg.getByLabel('Break type').selectOption('prayer');
    await dlg.getByRole('button', { name: 'Start break' }).click();
    await expectToast(page, /Prayer break started/);
    await page.getByTestId('break-pill').waitFor();
    await page.getByTestId('break-panel').getByText(/Prayer break/).waitFor();
    // The pill's timer runs: within a few seconds it shows a non-zero time.
    await page.waitForFunction(() => /On Break\s+00:0\d:(0[1-9]|[1-5]\d)/.test(document.querySelector('[data-testid="break-pill"]')?.textContent ?? ''), null, { timeout: 8000 })
      .catch(async () => { throw new Error('break pill does not run: ' + await page.getByTestId('break-pill').innerText()); });
    await checkNoUuid(page);
    await shot(page, 'on-break');
    await page.getByRole('button', { name: 'End break' }).click();
    await expectToast(page, /Break ended/);
    await page.getByTestId('break-pill').waitFor({ state: 'detached' });

    await checkOut(page);
    await page.getByTestId('checkin-panel').waitFor();
    const history = page.getByRole('table', { name: 'Attendance history' });
    await history.getByText('WFH').first().waitFor();
    await history.getByText(/Prayer 00:0\d/).first().waitFor();
    await checkNoUuid(page);
    await shot(page, 'checked-out');
  }],
  ['employee requests WFH, then an overlapping request, and sees the conflict', ['employee'], async (browser) => {
    const page = state.employeePage;
    await visit(page, '/employee/leaves');
    const form = page.getByTestId('leave-form');
    const start = await form.getByLabel('From').inputValue();
    const d = new Date(start + 'T12:00:00Z');
    d.setUTCDate(d.getUTCDate() + 7);
    const wfhDay = d.toISOString().slice(0, 10);
    await form.getByLabel('Type').selectOption('wfh');
    await form.getByLabel('From').fill(wfhDay);
    await form.getByLabel('To').fill(wfhDay);
    await form.getByLabel('Reason').fill('Internet installation at home in the morning');
    await form.getByRole('button', { name: 'Submit request' }).click();
    await expectToast(page, /Work from home request submitted/);
    await page.getByTestId('leave-row').filter({ hasText: 'Work from home' }).getByText('Pending').waitFor();
    await shot(page, 'wfh-submitted');

    const e2 = new Date(d);
    e2.setUTCDate(e2.getUTCDate() + 1);
    await form.getByLabel('Type').selectOption('casual');
    await form.getByLabel('From').fill(wfhDay);
    await form.getByLabel('To').fill(e2.toISOString().slice(0, 10));
    await form.getByLabel('Reason').fill('Family wedding out of town');
    await form.getByRole('button', { name: 'Submit request' }).click();
    const box = form.getByRole('alert');
    await box.waitFor({ timeout: 10000 });
    const text = await box.innerText();
    if (!/already have an approved or pending wfh request/i.test(text)) throw new Error('conflict text: ' + text);
    if (!/Conflicting request: Work from home/.test(text)) throw new Error('the conflicting request is not shown: ' + text);
    await checkNoUuid(page);
    await shot(page, 'leave-conflict');
    state.wfhDay = wfhDay;
  }],
  ['the manager approves on the approvals page and the employee sees it approved', ['wfh'], async (browser) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await ctx.newPage();
    await login(page, MANAGER);
    if (new URL(page.url()).pathname !== '/manager/dashboard') throw new Error('manager landed on ' + page.url());
    await page.getByText(EMPLOYEE.name).first().waitFor();
    await shot(page, 'manager-team-today');
    await page.getByTestId('approvals-count').waitFor();
    await visit(page, '/manager/approvals');
    const item = page.getByTestId('approval-item').filter({ hasText: EMPLOYEE.name });
    await item.getByText('WFH Request').waitFor();
    await shot(page, 'approvals');
    await item.getByRole('button', { name: 'Approve' }).click();
    await expectToast(page, new RegExp(`WFH Request of ${EMPLOYEE.name} approved`));
    await page.getByText('Nothing waiting for you').waitFor();
    await checkNoUuid(page);
    await shot(page, 'approved');
    await ctx.close();

    const epage = state.employeePage;
    await visit(epage, '/employee/leaves');
    const row = epage.getByTestId('leave-row').filter({ hasText: 'Work from home' });
    await row.getByText('Approved').waitFor();
    await row.getByRole('button', { name: 'Timeline' }).click();
    await epage.getByRole('dialog').getByText(`${MANAGER.name} approved the request`).waitFor();
    await checkNoUuid(epage);
    await shot(epage, 'employee-sees-approved');
    await epage.keyboard.press('Escape');
  }],
  ['an employee opening an admin URL lands on unauthorized', ['employee'], async () => {
    const page = state.employeePage;
    for (const path of ['/admin/users', '/admin/audit-logs', '/hr/dashboard']) {
      await page.goto(BASE + path);
      await page.waitForURL((u) => u.pathname === '/unauthorized', { timeout: 10000 });
      await page.getByTestId('unauthorized').waitFor();
    }
    await checkNoUuid(page);
    await shot(page, 'unauthorized');
    await page.getByRole('link', { name: 'Go to my dashboard' }).click();
    await page.waitForURL((u) => u.pathname === '/employee/dashboard');
  }],
  ['check-in and check-out work on a 375x812 phone', ['employee'], async (browser) => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    await login(page, EMPLOYEE);
    await shot(page, 'mobile-dashboard');
    await visit(page, '/employee/attendance');
    const btn = page.getByRole('button', { name: 'Check in' });
    await btn.waitFor();
    const box = await btn.boundingBox();
    if (!box || box.width < 200 || box.height < 40) throw new Error('check-in button too small: ' + JSON.stringify(box));
    const overflow = await sideways(page);
    if (overflow > 0) throw new Error(`the attendance page is ${overflow}px wider than the phone`);
    await shot(page, 'mobile-checkin');
    await btn.tap();
    await expectToast(page, /Checked in/);
    await page.getByTestId('session-panel').waitFor();
    await shot(page, 'mobile-checked-in');
    await checkOut(page);
    await page.getByTestId('checkin-panel').waitFor();
    await page.getByRole('button', { name: 'Open menu' }).tap();
    await page.getByRole('link', { name: 'Leaves' }).tap();
    await page.waitForURL((u) => u.pathname === '/employee/leaves');
    await settle(page);
    await page.waitForFunction(() => (document.querySelector('aside')?.getBoundingClientRect().right ?? 0) <= 0);
    await checkNoUuid(page);
    const overflow2 = await sideways(page);
    if (overflow2 > 0) throw new Error(`the leaves page is ${overflow2}px wider than the phone`);
    await shot(page, 'mobile-leaves');
    await ctx.close();
  }],
  ['no UUID-shaped text on any visited page', [], async () => {
    if (visited.size < 8) throw new Error(`only ${visited.size} pages were visited`);
    if (uuidHits.length) throw new Error(uuidHits.join('; '));
  }],
];

const provides = ['admin', 'employee', 'wfh', 'manager', 'unauthorized', 'mobile', 'uuid'];
const ok = new Set();
const browser = await chromium.launch({
  executablePath: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  // playwright-core gives every launch a fresh temporary --user-data-dir of its own.
});
for (let i = 0; i < scenarios.length; i++) {
  const [name, needs, fn] = scenarios[i];
  const missing = needs.filter((n) => !ok.has(n));
  if (missing.length) { report(name, false, 'needs: ' + missing.join(', ')); continue; }
  const started = Date.now();
  try {
    await fn(browser);
    ok.add(provides[i]);
    report(name, true, `${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (e) {
    report(name, false, String(e && e.message ? e.message : e).split('\n').slice(0, 6).join(' | '));
  }
}
await browser.close();
