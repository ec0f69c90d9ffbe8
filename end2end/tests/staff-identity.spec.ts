// Staff identity (issue #17), on a portal of its own (identity-portal.ts): an admin enrols a
// second factor and signs in with it, another admin signs in through the OpenID provider, and
// approves the first one's request for write mode. JavaScript off, as everywhere.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startIdentityPortal, totp, type IdentityPortal } from '../identity-portal';

test.describe.configure({ mode: 'serial' });

let portal: IdentityPortal;
let secret = '';
let recoveryCodes: string[] = [];

test.beforeAll(async () => {
  portal = await startIdentityPortal();
});

test.afterAll(async () => {
  await portal?.stop();
});

async function fresh(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ baseURL: portal.baseURL, javaScriptEnabled: false });
  return context.newPage();
}

/** Signs the enrolled admin in; `code` defaults to the next step's code from their app. */
async function signInWithCode(page: Page, code?: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(portal.admin.email);
  await page.getByLabel('Password', { exact: true }).fill(portal.admin.password);
  await page.getByRole('button', { name: 'Sign in with a password' }).click();
  await expect(page.getByRole('heading', { name: 'Type your code' })).toBeVisible();
  // The next step's code: the one of this step may have been used a moment ago.
  await page.getByRole('textbox', { name: 'Code' }).fill(code ?? totp(secret, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

test('an admin enrols a second factor, signs out and signs in with a code', async ({ browser }, testInfo) => {
  const page = await fresh(browser);
  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(portal.admin.email);
  await page.getByLabel('Password', { exact: true }).fill(portal.admin.password);
  await page.getByRole('button', { name: 'Sign in with a password' }).click();
  // Admins enrol before anything else.
  await page.goto('/sub-orgs');
  await expect(page).toHaveURL(/\/account\/mfa\?required=1$/);
  await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
  await expect(page.getByRole('img', { name: 'QR code to scan with your authenticator app' })).toBeVisible();
  secret = (await page.locator('#mfa-secret').textContent()) ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.screenshot({ path: testInfo.outputPath('enrol.png'), fullPage: true });
  await page.getByLabel('The 6-digit code your app shows').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.getByRole('heading', { name: 'Your recovery codes' })).toBeVisible();
  await expect(page.locator('.recovery-codes li')).toHaveCount(10);
  recoveryCodes = await page.locator('.recovery-codes li').allTextContents();
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signInWithCode(page);
  await page.goto('/sub-orgs');
  await expect(page.getByRole('heading', { name: 'Sub-organizations' })).toBeVisible();
  await page.goto('/account/mfa');
  await expect(page.getByText('Two-step sign-in is on for your account.')).toBeVisible();
  await expect(page.getByText(secret)).toHaveCount(0);
});

test('another admin signs in through the OpenID provider', async ({ browser }) => {
  const page = await fresh(browser);
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with your company account' }).click();
  await expect(page.getByRole('heading', { name: 'Company sign-in' })).toBeVisible();
  await page.getByLabel('Username').fill('sso-admin');
  await page.getByLabel('Password').fill('password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).click();
  // The portal continues on its own origin (a refresh, no script) and the person is in.
  await expect(page.getByRole('link', { name: 'Sam SSO Admin' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Approvals' })).toBeVisible();
});

test('a request for write mode is approved by a second admin', async ({ browser }, testInfo) => {
  const requester = await fresh(browser);
  // Codes are used once each, and the app's next one went a moment ago: a recovery code.
  await signInWithCode(requester, recoveryCodes[0]);
  await requester.goto('/sub-orgs/sub_org_demo0063');
  await requester.getByLabel('Reason').fill('Customer asked us to fix their welcome letter');
  await requester.getByRole('button', { name: 'Start acting for this sub-organization' }).click();
  await requester.goto('/impersonation');
  await requester.getByLabel('Why you need to make changes').fill('Fixing the typo the customer reported');
  await requester.getByRole('button', { name: 'Switch to write mode' }).click();
  await expect(requester.getByText('Waiting for another admin to approve write mode')).toBeVisible();

  const approver = await fresh(browser);
  await approver.goto('/login');
  await approver.getByRole('button', { name: 'Sign in with your company account' }).click();
  // The provider still knows this browser? A fresh context: it signs in again.
  await approver.getByLabel('Username').fill('sso-admin');
  await approver.getByLabel('Password').fill('password');
  await approver.getByRole('button', { name: 'Sign in' }).click();
  await approver.getByRole('button', { name: 'Allow' }).click();
  await expect(approver.getByRole('link', { name: 'Approvals' })).toBeVisible();
  await approver.getByRole('link', { name: 'Approvals' }).click();
  const row = approver.getByRole('row', { name: /Fixing the typo the customer reported/ });
  await expect(row).toBeVisible();
  await approver.screenshot({ path: testInfo.outputPath('approvals.png'), fullPage: true });
  await row.getByRole('button', { name: 'Grant' }).click();
  await expect(approver.getByRole('status')).toContainText('Granted');

  await requester.goto('/impersonation');
  await expect(requester.getByText('approved write mode for this impersonation')).toBeVisible();
  await requester.getByLabel('Why you need to make changes').fill('Fixing the typo the customer reported');
  await requester.getByRole('button', { name: 'Switch to write mode' }).click();
  await expect(requester.getByRole('status')).toContainText('Write mode is on');
  await requester.getByRole('region', { name: 'Acting for a sub-organization' }).getByRole('button', { name: 'Stop acting' }).click();
});
