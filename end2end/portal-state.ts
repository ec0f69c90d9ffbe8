// Shared between global-setup.ts, global-teardown.ts and tests/fixtures.ts.
// Describes the portal process that global setup started; it is written as
// JSON to `<tmpDir>/portal.json`, whose path global setup puts in
// process.env.PORTAL_STATE (worker processes inherit it).
import * as fs from 'node:fs';

export interface PortalState {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  baseURL: string;
  port: number;
  /** pid of the `suborg-portal demo` process */
  pid: number;
  /** absolute path of the binary that was started */
  bin: string;
  /** fresh temp dir, the process's working directory (removed at teardown) */
  tmpDir: string;
  /** file receiving the process's stdout (the demo prints sign-in credentials there) */
  stdoutPath: string;
  /** file receiving the process's stderr */
  stderrPath: string;
  /** stdout as it was when /healthz first answered 200 */
  stdoutAtStartup: string;
}

export const STATE_ENV = 'PORTAL_STATE';

/** globalThis key under which global setup keeps the ChildProcess for global
 * teardown (both run in the same runner process). */
export const CHILD_KEY = '__suborgPortalChild';

export function readPortalState(): PortalState {
  const statePath = process.env[STATE_ENV];
  if (!statePath) {
    throw new Error(
      `${STATE_ENV} is not set: the portal is started by global-setup.ts; ` +
        'run the tests with `npx playwright test` from the end2end directory.',
    );
  }
  return JSON.parse(fs.readFileSync(statePath, 'utf8')) as PortalState;
}
