import { expect, test } from './fixtures';
import { signIn } from './sign-in';

// Sub-organization 0062 of the demo is "Northwind Traders 62".
const SUB_ORG = 'sub_org_demo0062';
const SUB_ORG_NAME = 'Northwind Traders 62';

test('an auditor reads the log as sentences, filters by clicking, and reads times in their zone', async ({ page, portal }, testInfo) => {
  // An admin acts for the sub-organization and lists its contacts: one call to read.
  await signIn(page, portal.account('admin'));
  await page.goto(`/sub-orgs/${SUB_ORG}`);
  await page.getByLabel('Reason').fill('Looking into a contact the customer reported');
  await page.getByRole('button', { name: 'Start acting for this sub-organization' }).click();
  await page.goto('/impersonation/contacts');
  await page.getByRole('region', { name: 'Acting for a sub-organization' }).getByRole('button', { name: 'Stop acting' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, portal.account('auditor'));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/audit');
  const call = page.getByRole('row').filter({ hasText: 'listed the contacts of' }).filter({ hasText: SUB_ORG_NAME }).first();
  await expect(call).toContainText(/: 200 in \d+ ms/);
  await expect(call).toContainText('while acting for them');

  // Clicking the sub-organization's name adds it as a filter, shown as a chip.
  await call.getByRole('link', { name: SUB_ORG_NAME }).click();
  await expect(page).toHaveURL(new RegExp(`sub_org=${SUB_ORG}`));
  const chip = page.getByRole('link', { name: `Remove the filter Sub-organization: ${SUB_ORG}` });
  await expect(chip).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /events? match/ })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('audit-1280.png'), fullPage: true });

  // Removing the chip shows the whole log again.
  await chip.click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole('region', { name: 'Filters in use' })).toHaveCount(0);

  // A call's row opens its events.
  const row = page.getByRole('row').filter({ hasText: 'listed the contacts of' }).filter({ hasText: SUB_ORG_NAME }).first();
  await row.getByRole('link', { name: /^#\d+$/ }).last().click();
  await expect(page.getByRole('heading', { name: /postgrid\.response/ })).toBeVisible();

  // Times follow the zone chosen on the account page.
  await page.goto('/account');
  await page.getByLabel('Show times in').fill('Asia/Tokyo');
  await page.getByRole('button', { name: 'Save time zone' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  await page.goto(`/audit?sub_org=${SUB_ORG}`);
  const when = page.getByRole('row').nth(1).locator('time').first();
  await expect(when).toContainText('JST');
  await expect(when).toHaveAttribute('title', / UTC$/);

  // On a phone the rows stack as cards (each cell under the one before) within the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/audit?sub_org=${SUB_ORG}`);
  const table = await page.getByRole('region', { name: 'Audit events' }).boundingBox();
  expect(table).not.toBeNull();
  expect((table?.x ?? 0) + (table?.width ?? 0)).toBeLessThanOrEqual(390);
  const cell = await page.getByRole('row').nth(1).getByRole('cell').first().boundingBox();
  const next = await page.getByRole('row').nth(1).getByRole('cell').nth(1).boundingBox();
  expect((next?.y ?? 0)).toBeGreaterThan(cell?.y ?? 0);
  await page.screenshot({ path: testInfo.outputPath('audit-390.png'), fullPage: true });

  // Back to UTC, for the other tests on this demo.
  await page.goto('/account');
  await page.getByLabel('Show times in').fill('');
  await page.getByRole('button', { name: 'Save time zone' }).click();
});
