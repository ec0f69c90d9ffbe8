import { expect, test } from './fixtures';
import { signIn } from './sign-in';

// What a hostile customer would put in their template: close the text area and the form, open
// a form of their own that makes an admin, and send the browser elsewhere.
const HOSTILE =
  '</textarea></form><form method="post" action="/staff">' +
  '<input type="hidden" name="email" value="mallory@evil.example">' +
  '<input type="hidden" name="role" value="admin">' +
  '<input type="hidden" name="password" value="mallory owns the portal now">' +
  '<meta http-equiv="refresh" content="0;url=https://evil.example/"> "quoted" \'single\' & &amp; end';

test('hostile text stays text in every text area, from PostGrid and as typed', async ({ page, portal }, testInfo) => {
  await signIn(page, portal.account('admin'));
  await page.goto('/sub-orgs?search=Z%C3%BCrich');
  await page.getByRole('link', { name: 'Zürich Druck AG', exact: true }).click();
  await page.getByLabel('Reason').fill('Customer asked us to check their template');
  await page.getByRole('button', { name: 'Start acting for this sub-organization' }).click();
  await page.getByLabel('Why you need to make changes').fill('Fixing the customer template');
  await page.getByRole('button', { name: 'Switch to write mode' }).click();

  // PostGrid's data: the template's HTML is the attack.
  await page.goto('/impersonation/templates/new');
  await page.getByLabel('Description').fill('Hostile welcome');
  await page.getByLabel('HTML').fill(HOSTILE);
  await page.getByRole('button', { name: 'Create template' }).click();
  await expect(page.getByRole('status')).toContainText('The template was saved.');
  await page.goto(page.url().replace('?saved=1', ''));
  await expect(page.getByLabel('HTML')).toHaveValue(HOSTILE);
  await expect(page.locator('form[action="/staff"]')).toHaveCount(0);
  await expect(page.locator('meta[http-equiv="refresh"]')).toHaveCount(0);
  await expect(page.locator('form')).toHaveCount(3); // sign out, stop acting, the editor
  await page.screenshot({ path: testInfo.outputPath('hostile-template-editor.png'), fullPage: true });
  const editor = page.url();
  await page.getByRole('button', { name: 'Save template' }).click();
  await expect(page).toHaveURL(`${editor}?saved=1`);
  await expect(page.getByLabel('HTML')).toHaveValue(HOSTILE);

  // Typed input shown again: a second start is refused (already acting) and keeps the reason.
  await page.goto('/sub-orgs?search=Copper%20Kettle%20Bakery%2060');
  await page.getByRole('link', { name: 'Copper Kettle Bakery 60' }).click();
  await page.getByLabel('Reason').fill(HOSTILE);
  await page.getByRole('button', { name: 'Start acting for this sub-organization' }).click();
  await expect(page.getByRole('alert')).toContainText('already acting');
  await expect(page.getByLabel('Reason')).toHaveValue(HOSTILE);
  await expect(page.locator('form[action="/staff"]')).toHaveCount(0);
  await expect(page.locator('meta[http-equiv="refresh"]')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('hostile-reason-kept.png'), fullPage: true });

  const banner = page.getByRole('region', { name: 'Acting for a sub-organization' });
  await banner.getByRole('button', { name: 'Stop acting' }).click();
  await expect(page.getByRole('status')).toContainText('You stopped acting');
  // Nobody was made an admin along the way.
  await page.goto('/staff');
  await expect(page.getByText('mallory@evil.example')).toHaveCount(0);
});

test('the dashboard hand-off opens a page with a plain link to PostGrid, JavaScript off', async ({ page, portal }, testInfo) => {
  await signIn(page, portal.account('admin'));
  await page.goto('/sub-orgs?search=Z%C3%BCrich');
  await page.getByRole('link', { name: 'Zürich Druck AG', exact: true }).click();
  await page.getByRole('link', { name: 'Users of this sub-organization' }).click();
  const row = page.getByRole('row').filter({ hasText: '@customer7.example' }).first();
  const email = (await row.getByRole('cell').nth(1).innerText()).trim();
  await row.getByRole('button', { name: 'Open as this user' }).click();
  await expect(page.getByRole('heading', { name: "Open PostGrid's dashboard as a user" })).toBeVisible();
  await expect(page.getByText(email, { exact: true })).toBeVisible();
  const link = page.getByRole('link', { name: "Open PostGrid's dashboard impersonation login" });
  await expect(link).toHaveAttribute('href', 'https://dashboard.postgrid.com/login/impersonate');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  await page.screenshot({ path: testInfo.outputPath('dashboard-handoff.png'), fullPage: true });
});
