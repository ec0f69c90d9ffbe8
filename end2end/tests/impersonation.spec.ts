import { expect, test } from './fixtures';
import { signIn } from './sign-in';

test('act for a sub-organization: start, banner, browse, write mode, create a template, stop', async ({ page, portal }, testInfo) => {
  await signIn(page, portal.account('admin'));
  await page.goto('/sub-orgs?search=Copper%20Kettle%20Bakery%2060');
  await page.getByRole('link', { name: 'Copper Kettle Bakery 60' }).click();
  await expect(page.getByRole('heading', { name: 'Act on behalf of this sub-organization' })).toBeVisible();

  await page.getByLabel('Reason').fill('Customer called: the welcome letter template has a typo');
  await page.getByLabel('Ticket (optional)').fill('SUP-1234');
  await page.getByRole('button', { name: 'Start acting for this sub-organization' }).click();

  const banner = page.getByRole('region', { name: 'Acting for a sub-organization' });
  await expect(banner).toContainText('Acting for Copper Kettle Bakery 60');
  await expect(banner).toContainText('read-only mode');
  await expect(banner).toContainText('min left');
  await page.screenshot({ path: testInfo.outputPath('banner-read-only.png'), fullPage: true });

  await page.getByRole('navigation', { name: 'Sub-organization resources' }).getByRole('link', { name: 'Templates' }).click();
  await expect(page.getByRole('heading', { name: 'Templates of Copper Kettle Bakery 60' })).toBeVisible();
  await expect(banner).toBeVisible();

  await page.goto('/impersonation');
  await page.getByLabel('Why you need to make changes').fill('Fixing the typo the customer reported');
  await page.getByRole('button', { name: 'Switch to write mode' }).click();
  await expect(banner).toContainText('write mode');
  await page.screenshot({ path: testInfo.outputPath('banner-write.png'), fullPage: true });

  await page.goto('/impersonation/templates/new');
  await page.getByLabel('Description').fill('Welcome letter, corrected');
  await page.getByLabel('HTML').fill('<p>Hello {{to.firstName}}, welcome aboard!</p>');
  await page.getByRole('button', { name: 'Create template' }).click();
  await expect(page.getByRole('status')).toContainText('The template was saved.');
  await expect(page.getByRole('heading', { name: 'Welcome letter, corrected' })).toBeVisible();

  await banner.getByRole('button', { name: 'Stop acting' }).click();
  await expect(page.getByRole('status')).toContainText('You stopped acting');
  await expect(page.getByRole('region', { name: 'Acting for a sub-organization' })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('stopped.png'), fullPage: true });
});
