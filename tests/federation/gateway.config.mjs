// Hive Gateway in front of the Knotenpunkt hub and a partner subgraph.
//
//   hive-gateway supergraph supergraph.graphql --config-path gateway.config.mjs
//
// The supergraph is composed beforehand (see compose.mjs) from the hub's
// `{ _service { sdl } }` and the partner's schema. The caller's bearer token goes to
// every subgraph unchanged: the hub and each partner check it themselves, against the
// hub's keys at /.well-known/jwks.json.
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  // The composed supergraph; a path given on the command line takes precedence.
  supergraph: process.env.SUPERGRAPH_PATH || './supergraph.graphql',

  // Forward the client's Authorization header to each subgraph request.
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const authorization = request.headers.get('authorization');
      return authorization ? { authorization } : {};
    },
  },

  // No GraphiQL page and no browser landing page: this gateway serves the API only.
  graphiql: false,
  landingPage: false,
});
