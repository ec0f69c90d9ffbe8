import { expect, test } from './fixtures';

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

test('an unknown path answers 404 with a "not found" heading', async ({ page, request }, testInfo) => {
  const response = await page.goto('/definitely-not-here');
  expect(response, 'navigation got a response').not.toBeNull();
  expect(response!.status()).toBe(404);
  await expect(page.getByRole('heading', { name: /not found/i })).toBeVisible();

  const raw = await request.get('/definitely-not-here');
  expect(raw.status()).toBe(404);

  await page.screenshot({ path: testInfo.outputPath('not-found.png'), fullPage: true });
});
