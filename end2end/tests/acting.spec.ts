import { expect, test, type Page } from './fixtures';
import { signIn } from './sign-in';

// A seeded sub-organization with contacts, templates and letters that no other spec changes;
// its name is markup, shown as text.
const ORG = 'sub_org_demo0063';
const NAME = "<script>alert('x')</script> Printing 63";

async function actInWriteMode(page: Page) {
  await page.goto(`/sub-orgs/${ORG}`);
  await page.getByLabel('Reason').fill('Customer asked us to resend their welcome letter');
  await page.getByRole('button', { name: 'Start acting for this sub-organization' }).click();
  await page.goto('/impersonation');
  await page.getByLabel('Why you need to make changes').fill('Resending the welcome letter the customer asked for');
  await page.getByRole('button', { name: 'Switch to write mode' }).click();
  const banner = page.getByRole('region', { name: 'Acting for a sub-organization' });
  await expect(banner).toContainText(`Acting for ${NAME}`);
  await expect(banner).toContainText('write mode');
}

test('support toolkit: find a template by metadata, send a letter with merge variables, cancel it, delete a contact', async ({ page, portal }, testInfo) => {
  await signIn(page, portal.account('admin'));
  await actInWriteMode(page);
  const tabs = page.getByRole('navigation', { name: 'Sub-organization resources' });

  // Templates by metadata: the seeded welcome template carries campaign: onboarding.
  await tabs.getByRole('link', { name: 'Templates' }).click();
  await page.getByLabel('Metadata key').fill('campaign');
  await page.getByLabel('Metadata value').fill('onboarding');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/meta_key=campaign&meta_value=onboarding/);
  await expect(page.getByRole('link', { name: 'Welcome letter (demo0063)' })).toBeVisible();
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(2); // the header and one template
  await page.screenshot({ path: testInfo.outputPath('templates-by-metadata.png'), fullPage: true });
  await page.getByLabel('Metadata value').fill('no-such-campaign');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('link', { name: 'Welcome letter (demo0063)' })).toHaveCount(0);

  // A letter from that template: choosing it (a GET) offers its merge variable.
  await tabs.getByRole('link', { name: 'Letters' }).click();
  await page.goto('/impersonation/letters/new');
  await page.getByLabel('Template', { exact: true }).selectOption({ label: 'Welcome letter (demo0063)' });
  await page.getByRole('button', { name: 'Show these choices' }).click();
  await expect(page.getByText('Template: Welcome letter (demo0063)')).toBeVisible();
  await page.getByLabel('To', { exact: true }).selectOption({ label: 'Riley Example (Customer & Co)' });
  await page.getByLabel('From', { exact: true }).selectOption({ label: 'Sam Example (Sender <Ltd>)' });
  await page.getByLabel('Description').fill('Welcome letter, sent again');
  // The browser itself asks for the variable (the server refuses it too; see tests/api).
  await expect(page.getByLabel('{{plan}}')).toHaveAttribute('required', '');
  await page.getByLabel('{{plan}}').fill('Premium');
  await page.screenshot({ path: testInfo.outputPath('letter-form.png'), fullPage: true });
  await page.getByRole('button', { name: 'Create letter' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The letter was created.' })).toBeVisible();

  // It is in the list; its page shows the preview link and where it stands.
  await tabs.getByRole('link', { name: 'Letters' }).click();
  await page.getByRole('link', { name: 'Welcome letter, sent again' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome letter, sent again' })).toBeVisible();
  const preview = page.getByRole('link', { name: 'PDF preview' });
  await expect(preview).toHaveAttribute('href', /^https:\/\//);
  await expect(page.getByRole('list', { name: 'Status' }).locator('[aria-current="step"]')).toHaveText('Ready');
  await expect(page.getByText('Premium')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('letter.png'), fullPage: true });

  // Cancelled with a note, on its confirmation page.
  await page.getByRole('link', { name: 'Cancel this letter…' }).click();
  await expect(page.getByRole('heading', { name: `Cancel “Welcome letter, sent again” of ${NAME}?` })).toBeVisible();
  await page.getByLabel('Why it is cancelled').fill('The customer changed the plan before printing');
  await page.screenshot({ path: testInfo.outputPath('letter-cancel.png'), fullPage: true });
  await page.getByRole('button', { name: 'Cancel letter' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The letter was cancelled.' })).toBeVisible();
  await expect(page.getByText('The customer changed the plan before printing')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Cancel this letter…' })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('letter-cancelled.png'), fullPage: true });

  // A contact deleted after its confirmation page.
  await tabs.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('link', { name: /Sam Example/ }).click();
  await page.getByRole('link', { name: 'Delete this contact…' }).click();
  await expect(page.getByRole('heading', { name: /^Delete Sam Example/ })).toContainText(`from ${NAME}?`);
  await page.screenshot({ path: testInfo.outputPath('contact-delete.png'), fullPage: true });
  await page.getByRole('button', { name: 'Delete contact' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The contact was deleted.' })).toBeVisible();
  await expect(page.getByRole('link', { name: /Sam Example/ })).toHaveCount(0);
  await expect(page.getByRole('link', { name: /Riley Example/ })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('contact-deleted.png'), fullPage: true });

  // Stop, so the specs after this one may act for others.
  await page.getByRole('region', { name: 'Acting for a sub-organization' }).getByRole('button', { name: 'Stop acting' }).click();
  await expect(page.getByRole('region', { name: 'Acting for a sub-organization' })).toHaveCount(0);
});
