// Stops the portal started by global-setup.ts (SIGTERM, then SIGKILL after
// 10 s), copies its stdout/stderr into test-results/portal/ for inspection,
// and removes the temp dir.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { CHILD_KEY, STATE_ENV, type PortalState } from './portal-state';

const STOP_TIMEOUT_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(pid: number, child: ChildProcess | undefined): Promise<void> {
  if (child && (child.exitCode !== null || child.signalCode !== null)) return;
  if (!child && !alive(pid)) return;
  const exited = child
    ? new Promise<void>((r) => child.once('exit', () => r()))
    : (async () => {
        while (alive(pid)) await new Promise((r) => setTimeout(r, 100));
      })();
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), STOP_TIMEOUT_MS).unref()),
  ]);
  if (timedOut) {
    console.warn(`suborg-portal (pid ${pid}) ignored SIGTERM for ${STOP_TIMEOUT_MS / 1000}s; sending SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export default async function globalTeardown(config: FullConfig): Promise<void> {
  const statePath = process.env[STATE_ENV];
  if (!statePath || !fs.existsSync(statePath)) return;
  const state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as PortalState;
  const child = (globalThis as Record<string, unknown>)[CHILD_KEY] as ChildProcess | undefined;

  await stop(state.pid, child);

  // Keep the server's output next to the other artifacts.
  const outputDir = config.projects[0]?.outputDir ?? path.join(__dirname, 'test-results');
  try {
    const dest = path.join(outputDir, 'portal');
    fs.mkdirSync(dest, { recursive: true });
    for (const f of [state.stdoutPath, state.stderrPath]) {
      if (fs.existsSync(f)) fs.copyFileSync(f, path.join(dest, path.basename(f)));
    }
  } catch (e) {
    console.warn(`could not keep portal logs: ${String(e)}`);
  }

  fs.rmSync(state.tmpDir, { recursive: true, force: true });
  delete process.env[STATE_ENV];
}
