// `test` with the portal started by global-setup.ts: overrides `baseURL`
// (so page.goto('/login') and request.get('/login') hit it) and adds a
// `portal` fixture with the state and the server's stdout.
import * as fs from 'node:fs';
import { test as base } from '@playwright/test';
import { readPortalState, type PortalState } from '../portal-state';

export type Role = 'admin' | 'viewer' | 'auditor';

export interface Account {
  email: string;
  password: string;
}

export interface Portal extends PortalState {
  /** The server's stdout so far (the demo prints sign-in credentials there). */
  stdout(): string;
  /** The demo's accounts, read from the lines it prints at start. */
  account(role: Role): Account;
}

/** `  admin    admin@demo.example  demo-0a1b…` */
function parseAccount(stdout: string, role: Role): Account {
  const line = stdout.split('\n').find((l) => l.trim().startsWith(`${role} `));
  const parts = line?.trim().split(/\s+/) ?? [];
  if (parts.length < 3) {
    throw new Error(`the demo printed no ${role} account:\n${stdout}`);
  }
  return { email: parts[1], password: parts[2] };
}

export const test = base.extend<{ portal: Portal }>({
  baseURL: async ({}, use) => {
    await use(readPortalState().baseURL);
  },
  portal: async ({}, use) => {
    const state = readPortalState();
    const stdout = () => fs.readFileSync(state.stdoutPath, 'utf8');
    await use({ ...state, stdout, account: (role: Role) => parseAccount(stdout(), role) });
  },
});

export { expect } from '@playwright/test';
