// A real OpenID provider (oidc-provider) on loopback, configured as the external IdP of
// Knotenpunkt's integration tests: client credentials, JWT access tokens for the hub's
// audience (resource indicators), an organisation claim, opaque tokens for clients marked
// `opaque` (to exercise introspection), and key rotation on request (POST /__rotate).
// The organisation claim goes into JWTs and, for opaque tokens, into the RFC 7662
// introspection answer (oidc-provider returns `extraTokenClaims` there).
//
// Configuration comes from the environment:
//   IDP_PORT        port on 127.0.0.1
//   HUB_AUDIENCE    the hub's audience (resource indicator)
//   IDP_CLIENTS     JSON array of {client_id, client_secret, organisation?, opaque?, scope}
import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const port = Number(process.env.IDP_PORT);
const audience = process.env.HUB_AUDIENCE;
const clients = JSON.parse(process.env.IDP_CLIENTS || '[]');
const issuer = `http://127.0.0.1:${port}`;
const scopes = [...new Set(clients.flatMap((c) => (c.scope || '').split(' ').filter(Boolean)))];

async function newKey(kid) {
  const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid, alg: 'ES256', use: 'sig' };
}

function build(keys) {
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: c.scope,
      id_token_signed_response_alg: 'ES256',
    })),
    jwks: { keys },
    scopes,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => audience,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resource, client) => {
          if (resource !== audience) throw new Error('unknown resource');
          const opaque = clients.find((c) => c.client_id === client.clientId)?.opaque;
          return {
            scope: scopes.join(' '),
            audience,
            accessTokenTTL: 900,
            accessTokenFormat: opaque ? 'opaque' : 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    extraTokenClaims: async (ctx, token) => {
      const org = clients.find((c) => c.client_id === token.clientId)?.organisation;
      return org ? { organisation: org } : undefined;
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  return provider;
}

let keys = [await newKey('key-1')];
let callback = build(keys).callback();

const server = http.createServer(async (req, res) => {
  if (req.method === 'POST' && req.url === '/__rotate') {
    // The new key signs from now on; the old one stays published.
    keys = [await newKey(`key-${keys.length + 1}`), ...keys];
    callback = build(keys).callback();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kid: keys[0].kid }));
    return;
  }
  callback(req, res);
});

server.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, issuer }));
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
