import { expect, test } from './fixtures';
import { signIn } from './sign-in';

test.describe('login page', () => {
  test('renders a plain HTML form with email and password, and no script', async ({ page, request }, testInfo) => {
    const response = await page.goto('/login');
    expect(response, 'navigation to /login got a response').not.toBeNull();
    expect(response!.status()).toBe(200);

    const email = page.getByLabel('Email', { exact: true });
    const password = page.getByLabel('Password', { exact: true });
    await expect(email).toBeVisible();
    await expect(email).toBeEditable();
    await expect(password).toBeVisible();
    await expect(password).toBeEditable();
    await expect(password).toHaveAttribute('type', 'password');

    // Both inputs sit in one form.
    const form = page.locator('form').filter({ has: email }).filter({ has: password });
    await expect(form).toHaveCount(1);

    // No JavaScript at all: neither in the DOM Chromium built ...
    expect(await page.content()).not.toMatch(/<script/i);
    // ... nor in the bytes the server sent.
    const raw = await request.get('/login');
    expect(raw.status()).toBe(200);
    expect(await raw.text()).not.toMatch(/<script/i);

    await page.screenshot({ path: testInfo.outputPath('login.png'), fullPage: true });
  });
});

test('an unknown path answers 404 with a "not found" heading', async ({ page, portal }, testInfo) => {
  await signIn(page, portal.account('viewer'));
  const response = await page.goto('/definitely-not-here');
  expect(response, 'navigation got a response').not.toBeNull();
  expect(response!.status()).toBe(404);
  await expect(page.getByRole('heading', { name: /not found/i })).toBeVisible();

  const raw = await page.request.get('/definitely-not-here');
  expect(raw.status()).toBe(404);

  await page.screenshot({ path: testInfo.outputPath('not-found.png'), fullPage: true });
});

test('signing in, a wrong password, and signing out', async ({ page, portal }, testInfo) => {
  const admin = portal.account('admin');
  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(admin.email);
  await page.getByLabel('Password', { exact: true }).fill('not the right password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('The email or password is not right');
  // The email typed is kept, the password is not.
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue(admin.email);
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  await page.screenshot({ path: testInfo.outputPath('wrong-password.png'), fullPage: true });

  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: /Welcome/ })).toBeVisible();
  await expect(page.locator('header')).toContainText('Admin');
  await page.screenshot({ path: testInfo.outputPath('signed-in.png'), fullPage: true });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByText('You are signed out.')).toBeVisible();
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
});

test('an auditor sees no sub-organization navigation', async ({ page, portal }, testInfo) => {
  await signIn(page, portal.account('auditor'));
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Audit log' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Sub-organizations' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Staff' })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('auditor-header.png'), fullPage: true });
});
