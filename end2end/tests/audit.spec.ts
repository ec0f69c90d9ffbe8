import * as fs from 'node:fs';
import { expect, test } from './fixtures';
import { signIn } from './sign-in';

test('an auditor filters to one impersonation, opens its timeline and exports CSV', async ({ page, portal }, testInfo) => {
  // An admin acts for a sub-organization, so there is something to review.
  await signIn(page, portal.account('admin'));
  await page.goto('/sub-orgs/sub_org_demo0062');
  await page.getByLabel('Reason').fill('Checking the letters the customer asked about');
  await page.getByRole('button', { name: 'Start acting for this sub-organization' }).click();
  await page.goto('/impersonation/letters');
  await page.getByRole('region', { name: 'Acting for a sub-organization' }).getByRole('button', { name: 'Stop acting' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, portal.account('auditor'));
  await page.goto('/audit');
  await page.getByLabel('Action').selectOption('impersonation.started');
  await page.getByRole('button', { name: 'Filter' }).click();
  const started = page.getByRole('row').filter({ hasText: 'impersonation.started' }).first();
  await expect(started).toContainText('sub_org_demo0062');
  await started.getByRole('link', { name: 'Timeline' }).click();

  await expect(page.getByRole('heading', { name: /acting for sub_org_demo0062/ })).toBeVisible();
  await expect(page.getByText('Checking the letters the customer asked about')).toBeVisible();
  await expect(page.locator('.timeline li')).toContainText(['impersonation.started', 'postgrid.request letters.list', 'impersonation.ended']);
  await page.screenshot({ path: testInfo.outputPath('timeline.png'), fullPage: true });

  await page.getByRole('link', { name: 'These events in the log' }).click();
  await expect(page.getByLabel('Impersonation id')).not.toHaveValue('');
  await page.screenshot({ path: testInfo.outputPath('audit-filtered.png'), fullPage: true });
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^audit-.*\.csv$/);
  const file = testInfo.outputPath('export.csv');
  await download.saveAs(file);
  const lines = fs.readFileSync(file, 'utf8').trim().split('\r\n');
  expect(lines[0]).toBe('seq,id,at,action,outcome,actor_id,actor_email,actor_role,sub_org_id,impersonation_id,reason,call_id,operation,method,upstream_path,upstream_status,upstream_request_id,duration_ms,client_ip,user_agent,request_id,detail,prev_hash,hash,provider');
  expect(lines.slice(1).every((l) => l.endsWith(',postgrid'))).toBe(true);
  expect(lines.length).toBeGreaterThanOrEqual(5);
  expect(lines.slice(1).every((l) => l.includes('sub_org_demo0062'))).toBe(true);
});
