// A chamber's exam-results subgraph (Apollo Federation v2, @apollo/subgraph) on loopback.
// It extends the hub's Candidate with `examResults` and the hub's ExamSession with
// `passRate`, and checks the caller's bearer token itself against the hub's JWKS.
//
// Routes:
//   POST /graphql  the subgraph (also `_service` and `_entities`)
//   GET  /seen     JSON array of every Authorization header value received on /graphql,
//                  in order (null where the request had none)
//
// Configuration comes from the environment:
//   PARTNER_PORT  port on 127.0.0.1
//   HUB_URL       the hub's base URL; its keys are read from HUB_URL/.well-known/jwks.json
//   HUB_ISSUER    expected `iss` of the tokens (optional: unchecked when unset)
//   PARTNER_DATA  JSON {"results": {"<candidate code>": [{exam, sittingOn, passed, points}]},
//                       "passRates": {"<exam session id>": 0.75}}
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { GraphQLError } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createHandler } from 'graphql-http/lib/use/http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { typeDefs } from './partner-schema.mjs';

function unauthenticated(message) {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

function resolvers(data) {
  const results = data.results ?? {};
  const passRates = data.passRates ?? {};
  const sittings = data.sittings ?? [];
  return {
    Query: {
      sittings: () =>
        sittings.map((s) => ({ candidate: { code: s.code }, session: { id: s.sessionId }, passed: s.passed })),
    },
    Candidate: {
      __resolveReference: (ref) => ({ code: ref.code }),
      examResults: async (candidate, _args, context) => {
        await context.verify();
        return results[candidate.code] ?? [];
      },
    },
    ExamSession: {
      __resolveReference: (ref) => ({ id: ref.id }),
      passRate: (session) => passRates[session.id] ?? null,
    },
  };
}

// Verifies `Authorization: Bearer <jwt>` against the hub's published keys; the answer is
// the token's claims, or an UNAUTHENTICATED error.
function verifier({ hubUrl, issuer }) {
  const jwks = createRemoteJWKSet(new URL(`${hubUrl.replace(/\/+$/, '')}/.well-known/jwks.json`));
  return async (authorization) => {
    if (!authorization) throw unauthenticated('exam results need a bearer token');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw unauthenticated('the Authorization header is not a bearer token');
    try {
      const { payload } = await jwtVerify(match[1], jwks, issuer ? { issuer } : {});
      return payload;
    } catch (err) {
      throw unauthenticated(`the bearer token was refused (${err.code ? `${err.code}: ` : ''}${err.message})`);
    }
  };
}

// Starts the partner on 127.0.0.1:port; resolves to { url, seen, close }.
export async function startPartner({ port, hubUrl, issuer, data }) {
  const schema = buildSubgraphSchema([{ typeDefs, resolvers: resolvers(data) }]);
  const verify = verifier({ hubUrl, issuer });
  const seen = [];
  const graphql = createHandler({
    schema,
    context: (req) => {
      const authorization = req.raw.headers.authorization ?? null;
      let verified;
      // Verified at most once per request, and only when a protected field asks.
      return { verify: () => (verified ??= verify(authorization)) };
    },
  });

  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    if (path === '/graphql') {
      seen.push(req.headers.authorization ?? null);
      return graphql(req, res);
    }
    if (path === '/seen' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const partner = await startPartner({
    port: Number(process.env.PARTNER_PORT),
    hubUrl: process.env.HUB_URL,
    issuer: process.env.HUB_ISSUER || undefined,
    data: JSON.parse(process.env.PARTNER_DATA || '{}'),
  });
  console.error(`partner subgraph on ${partner.url}/graphql`);
}
