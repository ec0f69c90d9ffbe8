import { expect, test } from './fixtures';
import { signIn } from './sign-in';

test('search, page forward and back, open a sub-organization and its users', async ({ page, portal }, testInfo) => {
  await signIn(page, portal.account('viewer'));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sub-organizations' }).click();
  await expect(page.getByRole('heading', { name: 'Sub-organizations' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Showing 1–20 of');
  await page.screenshot({ path: testInfo.outputPath('sub-org-list.png'), fullPage: true });

  await page.getByRole('link', { name: 'Next →' }).click();
  await expect(page).toHaveURL(/skip=20/);
  await expect(page.getByRole('status')).toContainText('Showing 21–40 of');
  await page.getByRole('link', { name: '← Previous' }).click();
  await expect(page.getByRole('status')).toContainText('Showing 1–20 of');

  await page.getByLabel('Search by name, id or country').fill('Zürich');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/search=Z%C3%BCrich/);
  const row = page.getByRole('row').filter({ hasText: 'Zürich Druck AG' }).first();
  await expect(row).toBeVisible();
  // A name with markup is shown as text.
  await page.goto('/sub-orgs?search=script');
  await expect(page.getByRole('link', { name: "<script>alert('x')</script> Printing", exact: false }).first()).toBeVisible();

  await page.goto('/sub-orgs?search=Zürich');
  await page.getByRole('link', { name: 'Zürich Druck AG', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Zürich Druck AG' })).toBeVisible();
  await expect(page.getByText('Mailings this month')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('sub-org-detail.png'), fullPage: true });

  await page.getByRole('link', { name: 'Users of this sub-organization' }).click();
  await expect(page.getByRole('heading', { name: 'Users of Zürich Druck AG' })).toBeVisible();
  await expect(page.getByRole('table')).toContainText('@customer7.example');
});

test('an admin creates a sub-organization after fixing a mistake', async ({ page, portal }, testInfo) => {
  await signIn(page, portal.account('admin'));
  await page.goto('/sub-orgs/new');
  await expect(page.getByText(/^Test mode:/)).toBeVisible();
  await page.getByLabel('Organization name').fill('Playwright Pottery');
  await page.getByLabel("First user's name").fill('Pat Potter');
  await page.getByLabel("First user's email").fill('pat@pottery');
  await page.getByLabel("First user's password").fill('a sturdy clay passphrase');
  await page.getByLabel('Country').selectOption('CA');
  await page.getByRole('button', { name: 'Create sub-organization' }).click();

  // The mistake is named beside its field; everything else was kept, but not the password.
  await expect(page.getByText("Enter the first user's email")).toBeVisible();
  await expect(page.getByLabel('Organization name')).toHaveValue('Playwright Pottery');
  await expect(page.getByLabel('Country')).toHaveValue('CA');
  await expect(page.getByLabel("First user's password")).toHaveValue('');
  await page.screenshot({ path: testInfo.outputPath('sub-org-new-error.png'), fullPage: true });

  await page.getByLabel("First user's email").fill('pat@pottery.example');
  await page.getByLabel("First user's password").fill('a sturdy clay passphrase');
  await page.getByRole('button', { name: 'Create sub-organization' }).click();
  await expect(page.getByRole('heading', { name: 'Playwright Pottery' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('was created');
  await page.screenshot({ path: testInfo.outputPath('sub-org-created.png'), fullPage: true });
});
