// A graphql-ws client driver: opens one or many independent WebSocket clients
// (graphql-transport-ws protocol), starts the given subscriptions on each and prints one
// JSON line per event to stdout.
//
// Environment:
//   WS_URL         e.g. ws://127.0.0.1:1234/graphql/ws
//   TOKEN          optional; sent as connectionParams {"Authorization": "Bearer <TOKEN>"}
//   SUBSCRIPTIONS  JSON array [{"name": "seats", "query": "subscription …", "variables": {}}]
//   COPIES         number of independent clients (separate sockets), default 1
//
// Lines (copy is the client's index, from 0):
//   {"event":"connected","copy":i}                        the server acknowledged (COPIES = 1)
//   {"event":"next","name":…,"copy":i,"payload":{…}}      an execution result (COPIES = 1)
//   {"event":"all-connected","count":N}                   every client acknowledged (COPIES > 1)
//   {"event":"fanout","name":…,"k":k,"count":N,"spreadMs":…}
//                                                         every client has received its k-th
//                                                         result of that subscription (COPIES > 1);
//                                                         spreadMs: first to last arrival
//   {"event":"error","name":…,"copy":i,"errors":[…]}      the subscription failed
//   {"event":"complete","name":…,"copy":i}                the subscription completed
//   {"event":"closed","copy":i,"code":…,"reason":"…"}     a socket closed
//   {"event":"ready"}                                     every subscribe message was sent
//
// Stdin takes commands, one per line: `exit` closes every client and exits 0. When stdin
// is a pipe and its writer closes it, the driver exits as on `exit`.
import { fstatSync } from 'node:fs';
import readline from 'node:readline';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.env.WS_URL;
const token = process.env.TOKEN || '';
const copies = Math.max(1, Number(process.env.COPIES || 1));
let subscriptions;
try {
  subscriptions = JSON.parse(process.env.SUBSCRIPTIONS || '[]');
} catch (err) {
  console.error(`SUBSCRIPTIONS is not JSON: ${err.message}`);
  process.exit(2);
}
if (!url || !Array.isArray(subscriptions)) {
  console.error('usage: WS_URL=ws://… SUBSCRIPTIONS=\'[{"name":…,"query":…}]\' [TOKEN=…] [COPIES=N] node subscriber.mjs');
  process.exit(2);
}
const fanout = copies > 1;
let exiting = false;

function emit(line) {
  if (!exiting) process.stdout.write(`${JSON.stringify(line)}\n`);
}

// The errors of a failed subscription as a JSON array: the server's GraphQL errors as
// they are, a close of the socket or any other failure as one error.
function errorsOf(err) {
  if (Array.isArray(err)) return err;
  if (err && typeof err === 'object' && 'code' in err && 'reason' in err) {
    return [{ message: `socket closed: ${err.code}${err.reason ? ` ${err.reason}` : ''}`, code: err.code, reason: err.reason }];
  }
  // An Error, or the socket's ErrorEvent (e.g. the connection was refused).
  const message = err?.message ?? err?.error?.message;
  return [{ message: typeof message === 'string' && message ? message : String(err) }];
}

// Subscribe messages written to the sockets; `ready` follows the last one.
const expectedSubscribes = copies * subscriptions.length;
let sentSubscribes = 0;
let allConnected = false;
function maybeReady() {
  if (allConnected && sentSubscribes === expectedSubscribes) emit({ event: 'ready' });
}
class CountingWebSocket extends WebSocket {
  send(data, ...rest) {
    super.send(data, ...rest);
    if (typeof data === 'string' && JSON.parse(data).type === 'subscribe') {
      sentSubscribes += 1;
      maybeReady();
    }
  }
}

// COPIES > 1: for each subscription, how many clients have received their k-th result,
// and when the first of them did.
const arrivals = new Map(subscriptions.map((s) => [s.name, []]));
function arrived(name, k) {
  const list = arrivals.get(name);
  const entry = (list[k - 1] ??= { count: 0, first: performance.now() });
  entry.count += 1;
  if (entry.count === copies) {
    emit({
      event: 'fanout',
      name,
      k,
      count: copies,
      spreadMs: Math.round((performance.now() - entry.first) * 10) / 10,
    });
  }
}

let connectedCount = 0;
let openSockets = 0;
let allClosed = null;
const clients = [];
for (let copy = 0; copy < copies; copy += 1) {
  let acked = false;
  const client = createClient({
    url,
    webSocketImpl: CountingWebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : undefined,
    onNonLazyError: (err) => {
      if (!exiting) console.error(`client ${copy}: ${errorsOf(err)[0].message}`);
    },
    on: {
      connected: () => {
        if (!fanout) emit({ event: 'connected', copy });
        if (acked) return;
        acked = true;
        connectedCount += 1;
        if (connectedCount === copies) {
          allConnected = true;
          if (fanout) emit({ event: 'all-connected', count: copies });
          maybeReady();
        }
      },
      opened: () => {
        openSockets += 1;
      },
      closed: (event) => {
        if (openSockets > 0) openSockets -= 1;
        if (openSockets === 0) allClosed?.();
        emit({ event: 'closed', copy, code: event?.code, reason: event?.reason ?? '' });
      },
    },
  });
  for (const { name, query, variables, operationName } of subscriptions) {
    let received = 0;
    client.subscribe(
      { query, variables: variables ?? {}, ...(operationName ? { operationName } : {}) },
      {
        next: (payload) => {
          received += 1;
          if (fanout) arrived(name, received);
          else emit({ event: 'next', name, copy, payload });
        },
        error: (err) => emit({ event: 'error', name, copy, errors: errorsOf(err) }),
        complete: () => emit({ event: 'complete', name, copy }),
      },
    );
  }
  clients.push(client);
}

// Closes every socket (1000 Normal Closure), waits up to 3 s for the closes to finish
// and exits 0. Nothing more is printed once this started.
async function exit() {
  if (exiting) return;
  exiting = true;
  const closed = new Promise((resolve) => {
    allClosed = resolve;
    if (openSockets === 0) resolve();
  });
  setTimeout(() => process.exit(0), 3000).unref();
  clients.forEach((c) => c.dispose().catch(() => {}));
  await closed;
  process.exit(0);
}

const input = readline.createInterface({ input: process.stdin });
input.on('line', (line) => {
  const command = line.trim();
  if (command === 'exit') exit();
  else if (command) console.error(`unknown command: ${command}`);
});
let stdinIsPipe = false;
try {
  stdinIsPipe = fstatSync(0).isFIFO();
} catch {
  // no stdin
}
input.on('close', () => {
  if (stdinIsPipe) exit();
});
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
