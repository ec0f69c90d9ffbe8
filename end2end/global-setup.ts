// Starts `suborg-portal demo` on a free loopback port in a fresh temp dir and
// waits until GET /healthz answers 200. See portal-state.ts for what it
// hands to the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { CHILD_KEY, STATE_ENV, type PortalState } from './portal-state';

const HEALTH_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 250;

export function resolveBinary(): string {
  const fromEnv = process.env.PORTAL_BIN;
  // PORTAL_BIN is taken relative to the current directory like any shell path;
  // the default is relative to this file (end2end/), i.e. the crate's target dir.
  const bin = fromEnv
    ? path.resolve(process.cwd(), fromEnv)
    : path.resolve(__dirname, '..', 'target', 'debug', 'suborg-portal');
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    throw new Error(
      `portal binary not found or not executable: ${bin}\n` +
        'Build it first (cargo build) or set PORTAL_BIN to its path.',
    );
  }
  return bin;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = addr;
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

export function tail(file: string, max = 4000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > max ? '…' + text.slice(-max) : text;
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitForHealthy(
  baseURL: string,
  child: ChildProcess,
  exited: () => string | null,
): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastError = 'no attempt yet';
  while (Date.now() < deadline) {
    const exit = exited();
    if (exit !== null) throw new Error(`suborg-portal exited before it was healthy (${exit})`);
    try {
      const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 200) return;
      lastError = `GET /healthz answered ${res.status}`;
    } catch (e) {
      lastError = e instanceof Error ? `${e.message}${e.cause ? ` (${String(e.cause)})` : ''}` : String(e);
    }
    await sleep(POLL_INTERVAL_MS);
  }
  child.kill('SIGKILL');
  throw new Error(
    `suborg-portal did not answer 200 on ${baseURL}/healthz within ${HEALTH_TIMEOUT_MS / 1000}s (last: ${lastError})`,
  );
}

export default async function globalSetup(_config: FullConfig): Promise<void> {
  const bin = resolveBinary();
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'suborg-portal-e2e-'));
  const stdoutPath = path.join(tmpDir, 'stdout.log');
  const stderrPath = path.join(tmpDir, 'stderr.log');
  const statePath = path.join(tmpDir, 'portal.json');

  // The child writes straight into the files, so nothing depends on this
  // process draining a pipe while the tests run.
  const outFd = fs.openSync(stdoutPath, 'w');
  const errFd = fs.openSync(stderrPath, 'w');
  const child = spawn(bin, ['demo'], {
    cwd: tmpDir,
    env: {
      ...process.env,
      PORTAL_ADDR: `127.0.0.1:${port}`,
      PORTAL_PUBLIC_URL: baseURL,
    },
    stdio: ['ignore', outFd, errFd],
  });
  fs.closeSync(outFd);
  fs.closeSync(errFd);

  let exitInfo: string | null = null;
  child.on('exit', (code, signal) => {
    exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  child.on('error', (err) => {
    exitInfo = `spawn error: ${err.message}`;
  });
  // Safety net: never leave the server behind if the runner dies abruptly.
  process.on('exit', () => {
    if (exitInfo === null) child.kill('SIGKILL');
  });
  (globalThis as Record<string, unknown>)[CHILD_KEY] = child;

  try {
    if (child.pid === undefined) {
      await sleep(100); // let the 'error' event arrive
      throw new Error(`could not start ${bin}: ${exitInfo ?? 'no pid'}`);
    }
    await waitForHealthy(baseURL, child, () => exitInfo);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const detail =
      `${msg}\n--- suborg-portal stdout ---\n${tail(stdoutPath)}` +
      `\n--- suborg-portal stderr ---\n${tail(stderrPath)}`;
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw new Error(detail);
  }

  const state: PortalState = {
    baseURL,
    port,
    pid: child.pid,
    bin,
    tmpDir,
    stdoutPath,
    stderrPath,
    stdoutAtStartup: fs.readFileSync(stdoutPath, 'utf8'),
  };
  fs.writeFileSync(statePath, JSON.stringify(state, null, 2));
  process.env[STATE_ENV] = statePath;
  process.env.BASE_URL = baseURL;
}
