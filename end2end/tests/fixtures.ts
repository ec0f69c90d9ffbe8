// `test` with the portal started by global-setup.ts: overrides `baseURL`
// (so page.goto('/login') and request.get('/login') hit it) and adds a
// `portal` fixture with the state and the server's stdout.
import * as fs from 'node:fs';
import { test as base } from '@playwright/test';
import { readPortalState, type PortalState } from '../portal-state';

export interface Portal extends PortalState {
  /** The server's stdout so far (the demo prints sign-in credentials there). */
  stdout(): string;
}

export const test = base.extend<{ portal: Portal }>({
  baseURL: async ({}, use) => {
    await use(readPortalState().baseURL);
  },
  portal: async ({}, use) => {
    const state = readPortalState();
    await use({ ...state, stdout: () => fs.readFileSync(state.stdoutPath, 'utf8') });
  },
});

export { expect } from '@playwright/test';
