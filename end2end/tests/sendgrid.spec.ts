import { expect, test } from './fixtures';
import { signIn } from './sign-in';

// The demo's SendGrid simulator: a subuser with bounces, acted for through on-behalf-of.
const SUBUSER = 'acme-mail';
const BOUNCED = 'jane.doe@acme-customers.example';

test('SendGrid: find a subuser, act for it, search its bounces, remove one in write mode, stop', async ({ page, portal }, testInfo) => {
  await signIn(page, portal.account('admin'));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SendGrid subusers' }).click();
  await page.getByLabel('Search by username (from its start)').fill('acme');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/search=acme/);
  await page.screenshot({ path: testInfo.outputPath('subusers.png'), fullPage: true });
  await page.getByRole('link', { name: SUBUSER }).click();
  await expect(page.getByRole('heading', { name: SUBUSER, level: 1 })).toBeVisible();
  await expect(page.getByRole('table').filter({ hasText: 'Delivered' })).toBeVisible();

  await page.getByLabel('Reason').fill('Customer says mail to Jane bounces since her mailbox filled up');
  await page.getByRole('button', { name: 'Start acting for this subuser' }).click();
  await expect(page).toHaveURL(/\/sendgrid\/acting$/);
  const banner = page.getByRole('region', { name: 'Acting for a SendGrid sub-account' });
  await expect(banner).toContainText(`Acting for ${SUBUSER} (ops@acme.example)`);
  await expect(banner).toContainText('SendGrid');
  await expect(banner).toContainText('read-only mode');

  const tabs = page.getByRole('navigation', { name: 'SendGrid sub-account' });
  await tabs.getByRole('link', { name: 'Bounces' }).click();
  await page.getByLabel('Search by email address (from its start)').fill('jane');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('cell', { name: BOUNCED })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'bounced01@acme-customers.example' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: `Remove ${BOUNCED}` })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('bounces-read-only.png'), fullPage: true });

  await page.getByLabel('Why you need to make changes').fill('Removing the bounce the customer asked about');
  await page.getByRole('button', { name: 'Switch to write mode' }).click();
  await expect(banner).toContainText('write mode');
  await page.getByLabel('Search by email address (from its start)').fill('jane');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: `Remove ${BOUNCED}` }).click();
  await expect(page.getByRole('status').filter({ hasText: `${BOUNCED} was removed from the list` })).toBeVisible();
  await expect(page.getByRole('cell', { name: BOUNCED })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('bounce-removed.png'), fullPage: true });

  await banner.getByRole('button', { name: 'Stop acting' }).click();
  await expect(page).toHaveURL(new RegExp(`/sendgrid/subusers/${SUBUSER}\\?stopped=1$`));
  await expect(page.getByRole('status').filter({ hasText: 'You stopped acting for this subuser.' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Acting for a SendGrid sub-account' })).toHaveCount(0);
});
