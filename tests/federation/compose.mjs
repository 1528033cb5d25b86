// Composes the supergraph of the hub and the partner subgraph with
// @theguild/federation-composition, from the hub's live SDL (`{ _service { sdl } }`)
// and the partner's type definitions.
//
//   node compose.mjs <supergraph file>
//
// Environment: HUB_URL (the hub's base URL; its subgraph is HUB_URL/graphql),
// HUB_TOKEN (optional bearer token for reading the hub's SDL), PARTNER_URL (optional,
// where the gateway reaches the partner; default http://127.0.0.1:PARTNER_PORT/graphql).
// Exits 0 with the supergraph written, or 1 with the composition errors on stderr.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { composeServices } from '@theguild/federation-composition';
import { sdl as partnerSdl } from './partner-schema.mjs';

// The hub's subgraph SDL, as its `_service { sdl }` answers.
export async function fetchHubSdl(hubUrl, token) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const url = `${hubUrl.replace(/\/+$/, '')}/graphql`;
  let res;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
  } catch (err) {
    throw new Error(`${url}: ${err.cause?.code ?? err.cause?.message ?? err.message}`);
  }
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`the hub answered ${res.status} without JSON: ${text.slice(0, 200)}`);
  }
  const sdl = body?.data?._service?.sdl;
  if (typeof sdl !== 'string') {
    throw new Error(`the hub gave no SDL (${res.status}): ${JSON.stringify(body.errors ?? body)}`);
  }
  return sdl;
}

// Composes the given subgraph SDLs. Answers { supergraphSdl } or { errors: [string] }.
export function composeSupergraph({ hubSdl, hubUrl, partnerUrl }) {
  let services;
  try {
    services = [
      { name: 'hub', typeDefs: parse(hubSdl), url: `${hubUrl.replace(/\/+$/, '')}/graphql` },
      { name: 'partner', typeDefs: parse(partnerSdl), url: partnerUrl },
    ];
  } catch (err) {
    return { errors: [`a subgraph SDL does not parse: ${err.message}`] };
  }
  const result = composeServices(services);
  if (result.errors?.length) {
    return { errors: result.errors.map((e) => (e.extensions?.code ? `[${e.extensions.code}] ${e.message}` : e.message)) };
  }
  return { supergraphSdl: result.supergraphSdl };
}

// Fetches the hub's SDL, composes and writes the supergraph to `out`.
// Answers { ok: true } or { ok: false, errors: [string] }.
export async function composeToFile({ hubUrl, hubToken, partnerUrl, out }) {
  let hubSdl;
  try {
    hubSdl = await fetchHubSdl(hubUrl, hubToken);
  } catch (err) {
    return { ok: false, errors: [`could not read the hub's SDL: ${err.message}`] };
  }
  const { supergraphSdl, errors } = composeSupergraph({ hubSdl, hubUrl, partnerUrl });
  if (errors) return { ok: false, errors };
  await writeFile(out, supergraphSdl);
  return { ok: true };
}

export function partnerUrlFromEnv(env = process.env) {
  return env.PARTNER_URL || `http://127.0.0.1:${env.PARTNER_PORT || 4001}/graphql`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out || !process.env.HUB_URL) {
    console.error('usage: HUB_URL=http://127.0.0.1:PORT node compose.mjs <supergraph file>');
    process.exit(2);
  }
  const result = await composeToFile({
    hubUrl: process.env.HUB_URL,
    hubToken: process.env.HUB_TOKEN || undefined,
    partnerUrl: partnerUrlFromEnv(),
    out,
  });
  if (!result.ok) {
    for (const e of result.errors) console.error(e);
    process.exit(1);
  }
  console.error(`supergraph written to ${out}`);
}
