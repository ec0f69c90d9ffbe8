// A second demo portal for the staff identity tests, with what the shared one leaves off:
// admins must use two-step sign-in, write mode needs a second admin, and single sign-on runs
// against a real OpenID provider (oidc-provider, see oidc/provider.mjs) started beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, resolveBinary, tail, waitForHealthy } from './global-setup';

export interface IdentityPortal {
  baseURL: string;
  /** The demo's admin account, as it printed it. */
  admin: { email: string; password: string };
  stop(): Promise<void>;
}

async function startProvider(redirectUri: string): Promise<{ child: ChildProcess; issuer: string }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'oidc', 'provider.mjs')], {
    env: { ...process.env, OIDC_REDIRECT_URIS: redirectUri },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const issuer = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const line = seen.split('\n').find((l) => l.startsWith('listening '));
      if (line) resolve(line.slice('listening '.length).trim());
    });
    child.on('exit', (code) => reject(new Error(`oidc-provider exited (${code}): ${seen}`)));
  });
  return { child, issuer };
}

export async function startIdentityPortal(): Promise<IdentityPortal> {
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const provider = await startProvider(`${baseURL}/login/sso/callback`);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'suborg-portal-identity-'));
  const stdoutPath = path.join(tmpDir, 'stdout.log');
  const outFd = fs.openSync(stdoutPath, 'w');
  const portal = spawn(resolveBinary(), ['demo'], {
    cwd: tmpDir,
    env: {
      ...process.env,
      PORTAL_ADDR: `127.0.0.1:${port}`,
      PORTAL_PUBLIC_URL: baseURL,
      PORTAL_MFA: 'admins',
      PORTAL_WRITE_APPROVAL: 'required',
      PORTAL_OIDC_ISSUER: provider.issuer,
      PORTAL_OIDC_CLIENT_ID: 'suborg-portal',
      PORTAL_OIDC_CLIENT_SECRET: 'test-client-secret',
      PORTAL_OIDC_ROLE_CLAIM: 'groups',
      PORTAL_OIDC_TRUST_MFA: 'true',
    },
    stdio: ['ignore', outFd, 'ignore'],
  });
  fs.closeSync(outFd);
  let exited: string | null = null;
  portal.on('exit', (code) => {
    exited = `exit code ${code}`;
  });
  const stop = async () => {
    portal.kill('SIGTERM');
    provider.child.kill('SIGTERM');
    fs.rmSync(tmpDir, { recursive: true, force: true });
  };
  try {
    await waitForHealthy(baseURL, portal, () => exited);
  } catch (e) {
    await stop();
    throw new Error(`${e instanceof Error ? e.message : e}\n${tail(stdoutPath)}`);
  }
  const line = fs
    .readFileSync(stdoutPath, 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith('admin '));
  const [, email, password] = line?.trim().split(/\s+/) ?? [];
  return { baseURL, admin: { email, password }, stop };
}

/** The RFC 6238 code an authenticator app shows for a base32 `secret` at `unixSeconds`. */
export function totp(secret: string, unixSeconds = Date.now() / 1000): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, '0');
}
