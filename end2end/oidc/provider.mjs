// A real OpenID provider for the tests: the certified npm package `oidc-provider`, on a
// loopback port, with one confidential client and a few people. Nothing of the protocol is
// written here; what is ours is the people, a sign-in page that works without JavaScript,
// and two test-only knobs that make the provider misbehave once (see `/__test/knobs`).
//
//   OIDC_REDIRECT_URIS  the portal's callback URLs, comma-separated (required)
//   OIDC_CLIENT_ID      default "suborg-portal"
//   OIDC_CLIENT_SECRET  default "test-client-secret"
//   OIDC_PORT           default 0 (any free port)
//
// Prints `listening <issuer>` on stdout once it answers.
import http from 'node:http';
import { Provider } from 'oidc-provider';

/** The people who can sign in (any of them with the password "password"). */
const PEOPLE = {
  // Signs in with a second factor at the provider: amr says so.
  'sso-admin': { email: 'sso-admin@idp.example', email_verified: true, name: 'Sam SSO Admin', groups: ['admin'], amr: ['pwd', 'otp', 'mfa'] },
  'sso-viewer': { email: 'sso-viewer@idp.example', email_verified: true, name: 'Val SSO Viewer', groups: ['viewer'], amr: ['pwd'] },
  // No group that names a role: only an existing staff member with this email gets in.
  'known': { email: 'known@idp.example', email_verified: true, name: 'Kim Known', groups: ['engineering'], amr: ['pwd'] },
  'unverified': { email: 'unverified@idp.example', email_verified: false, name: 'Uma Unverified', groups: ['admin'], amr: ['pwd'] },
  'disabled': { email: 'disabled@idp.example', email_verified: true, name: 'Dee Disabled', groups: [], amr: ['pwd'] },
};
const PASSWORD = 'password';

const redirectUris = (process.env.OIDC_REDIRECT_URIS ?? '').split(',').filter(Boolean);
if (redirectUris.length === 0) {
  console.error('OIDC_REDIRECT_URIS is required');
  process.exit(2);
}

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(process.env.OIDC_PORT ?? 0), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID ?? 'suborg-portal',
    client_secret: process.env.OIDC_CLIENT_SECRET ?? 'test-client-secret',
    redirect_uris: redirectUris,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true },
  // Email, groups and amr in the ID token itself, as the portal reads them.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub', 'amr'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const person = PEOPLE[id];
    if (!person) return undefined;
    const { amr, ...claims } = person;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});

// Test-only, one shot each: `?skew=SECONDS` issues the next tokens that far from now (an
// expired ID token), `?nonce=VALUE` answers the next authorization with another nonce.
const knobs = { skew: 0, nonce: null };
provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/knobs' && ctx.method === 'POST') {
    if (ctx.URL.searchParams.has('skew')) knobs.skew = Number(ctx.URL.searchParams.get('skew'));
    if (ctx.URL.searchParams.has('nonce')) knobs.nonce = ctx.URL.searchParams.get('nonce');
    ctx.body = knobs;
    return;
  }
  if (ctx.path === '/auth' && knobs.nonce) {
    const query = new URLSearchParams(ctx.querystring);
    query.set('nonce', knobs.nonce);
    ctx.querystring = query.toString();
    knobs.nonce = null;
  }
  if (ctx.path === '/token' && knobs.skew) {
    const realNow = Date.now;
    const skew = knobs.skew * 1000;
    knobs.skew = 0;
    Date.now = () => realNow() + skew;
    try {
      return await next();
    } finally {
      Date.now = realNow;
    }
  }
  return next();
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const readForm = (req) => new Promise((resolve) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(body))));
});

// The provider's pages: sign in, then allow the portal. Plain forms, no script.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { uid, prompt, params, session } = details;
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = prompt.name === 'login'
      ? `<!doctype html><title>Company sign-in</title><h1>Company sign-in</h1>
<form method="post" action="/interaction/${escape(uid)}"><input type="hidden" name="prompt" value="login">
<label for="login">Username</label><input id="login" name="login">
<label for="password">Password</label><input id="password" type="password" name="password">
<button type="submit">Sign in</button></form>`
      : `<!doctype html><title>Allow suborg-portal</title><h1>Allow suborg-portal</h1>
<form method="post" action="/interaction/${escape(uid)}"><input type="hidden" name="prompt" value="consent">
<button type="submit">Allow</button></form>`;
    return;
  }
  if (ctx.method !== 'POST') return next();
  const form = await readForm(ctx.req);
  if (form.prompt === 'login') {
    const person = PEOPLE[form.login];
    if (!person || form.password !== PASSWORD) {
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = '<!doctype html><title>Wrong</title><p>Wrong username or password.</p>';
      return;
    }
    return provider.interactionFinished(ctx.req, ctx.res,
      { login: { accountId: form.login, amr: person.amr } }, { mergeWithLastSubmission: false });
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  return provider.interactionFinished(ctx.req, ctx.res,
    { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
});

server.on('request', provider.callback());
console.log(`listening ${issuer}`);
