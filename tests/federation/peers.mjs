// Federation peers of the hub for the integration tests: the partner subgraph, the
// composed supergraph and Hive Gateway in front of both, all on 127.0.0.1.
//
// Environment:
//   HUB_URL          the hub's base URL (subgraph at HUB_URL/graphql, keys at
//                    HUB_URL/.well-known/jwks.json)
//   HUB_ISSUER       expected `iss` of bearer tokens at the partner (optional)
//   HUB_TOKEN        bearer token for reading the hub's SDL (optional)
//   PARTNER_PORT     the partner subgraph's port
//   GATEWAY_PORT     the gateway's port
//   PARTNER_DATA     the partner's exam results and pass rates (see partner.mjs)
//   SUPERGRAPH_PATH  where the composed supergraph is written
//
// Stdout carries exactly one JSON line:
//   {"ready":true,"gateway":"http://127.0.0.1:<port>/graphql","partner":"http://127.0.0.1:<port>"}
// or, when composition or start-up fails, {"ready":false,"errors":[...]} and exit code 1.
// Everything else goes to stderr. Runs until SIGTERM/SIGINT; the gateway process ends
// with this one, however this one ends.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startPartner } from './partner.mjs';
import { composeToFile } from './compose.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;

// A start-up failure with the messages that go into {"ready":false,"errors":[...]}.
class StartError extends Error {
  constructor(errors) {
    super(errors.join('; '));
    this.errors = errors;
  }
}

function required(name) {
  const value = env[name];
  if (!value) throw new StartError([`${name} is not set`]);
  return value;
}

let partner = null;
let gateway = null;
let gatewayEnded = null;
let ready = false;
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  if (gateway && gateway.exitCode === null && gateway.signalCode === null) {
    gateway.kill('SIGTERM');
    const timer = setTimeout(() => gateway.kill('SIGKILL'), 3000);
    await gatewayEnded;
    clearTimeout(timer);
  }
  if (partner) await partner.close().catch(() => {});
  process.exit(code);
}

process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
process.on('exit', () => {
  if (gateway && gateway.exitCode === null && gateway.signalCode === null) gateway.kill('SIGKILL');
});

async function main() {
  const hubUrl = required('HUB_URL');
  const partnerPort = Number(required('PARTNER_PORT'));
  const gatewayPort = Number(required('GATEWAY_PORT'));
  const supergraphPath = resolve(required('SUPERGRAPH_PATH'));
  let partnerData;
  try {
    partnerData = JSON.parse(env.PARTNER_DATA || '{}');
  } catch (err) {
    throw new StartError([`PARTNER_DATA is not JSON: ${err.message}`]);
  }

  try {
    partner = await startPartner({
      port: partnerPort,
      hubUrl,
      issuer: env.HUB_ISSUER || undefined,
      data: partnerData,
    });
  } catch (err) {
    throw new StartError([`the partner subgraph did not start: ${err.message}`]);
  }
  console.error(`partner subgraph on ${partner.url}/graphql`);

  const composed = await composeToFile({
    hubUrl,
    hubToken: env.HUB_TOKEN || undefined,
    partnerUrl: `${partner.url}/graphql`,
    out: supergraphPath,
  });
  if (!composed.ok) {
    for (const e of composed.errors) console.error(`composition: ${e}`);
    throw new StartError(composed.errors);
  }
  console.error(`supergraph written to ${supergraphPath}`);

  // The gateway gets only what it needs from the environment: no registry, usage
  // reporting or telemetry settings (HIVE_*, APOLLO_*, OTEL_*) can reach it.
  // Its log goes to stderr without colours; LOG_LEVEL and DEBUG pass through.
  const gatewayEnv = { SUPERGRAPH_PATH: supergraphPath, NO_COLOR: '1' };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'LOG_LEVEL', 'DEBUG']) {
    if (env[name] !== undefined) gatewayEnv[name] = env[name];
  }
  const gatewayBin = join(here, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
  gateway = spawn(
    process.execPath,
    [
      '--import', pathToFileURL(join(here, 'exit-with-parent.mjs')).href,
      gatewayBin,
      'supergraph', supergraphPath,
      '--config-path', join(here, 'gateway.config.mjs'),
      '--host', '127.0.0.1',
      '--port', String(gatewayPort),
      '--fork', '1',
      '--disable-websockets',
    ],
    { cwd: here, env: gatewayEnv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  gateway.stdout.pipe(process.stderr);
  gateway.stderr.pipe(process.stderr);
  gatewayEnded = new Promise((res) => gateway.once('exit', (code, signal) => res({ code, signal })));
  gatewayEnded.then(({ code, signal }) => {
    if (stopping || !ready) return;
    console.error(`the gateway ended (code ${code}, signal ${signal})`);
    shutdown(1);
  });

  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gateway.exitCode !== null || gateway.signalCode !== null) {
      throw new StartError([`the gateway ended before it answered (code ${gateway.exitCode}, signal ${gateway.signalCode})`]);
    }
    try {
      const res = await fetch(gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        // ExamResult exists only in the composed supergraph, so no other server on this
        // port passes for the gateway.
        body: JSON.stringify({ query: '{ __type(name: "ExamResult") { name } }' }),
      });
      const body = await res.json();
      if (res.ok && body?.data?.__type?.name === 'ExamResult') break;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new StartError(['the gateway did not answer within 60 s']);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { gateway: gatewayUrl, partner: partner.url };
}

try {
  const urls = await main();
  ready = true;
  process.stdout.write(`${JSON.stringify({ ready: true, ...urls })}\n`);
} catch (err) {
  const errors = err instanceof StartError ? err.errors : [String(err?.stack ?? err)];
  process.stdout.write(`${JSON.stringify({ ready: false, errors })}\n`);
  await shutdown(1);
}
