//! `GET /graphql/ws`: GraphQL over WebSocket, the `graphql-transport-ws` protocol of
//! graphql-ws (<https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md>).
//!
//! The protocol is served here rather than by async-graphql's `WebSocket`, which closes
//! with other codes than the protocol names (a refused `connection_init` with 1002
//! instead of 4403, a `subscribe` before the acknowledgement with 1011 instead of 4401)
//! and cannot end a connection whose token expires.
//!
//! - The caller is who the token says: `Authorization: Bearer …` in the payload of
//!   `connection_init` (`{"Authorization": "Bearer …"}`, also `authorization` or
//!   `token`), or the upgrade request's `Authorization` header (a gateway forwards it).
//!   Without either the caller is anonymous and sees the public catalogue. A token that
//!   cannot be verified is refused: close 4403. When the token expires, or no longer
//!   verifies at one of the periodic checks (a revoked client), the hub closes the
//!   connection with 4401; the client connects again with a new one.
//! - Each operation runs with the row rules of that caller, with loaders of its own;
//!   personal data an event shows is written to the audit log before the event is sent
//!   (an event whose reads cannot be recorded is replaced by an error).
//! - Limits (`LiveLimits`): subscriptions per connection and per client (a refusal is an
//!   `error` message with `extensions.code` `TOO_MANY_SUBSCRIPTIONS`), `connection_init`
//!   within `ws_init_secs` (else 4408), a `ping` every `ws_ping_secs`, and a close with
//!   1001 after `ws_idle_secs` without any message from the client, or when a message
//!   waits that long for a client that stopped reading.

use crate::auth::Principal;
use crate::config::LiveLimits;
use crate::graphql::loader::Loaders;
use crate::graphql::loader::batch::{BatchedStream, Scheduler};
use crate::graphql::{CostBudget, Usage};
use crate::graphql::{OverWebSocket, RequestData};
use crate::http::client_addr::ClientAddr;
use crate::http::state::AppState;
use crate::service::audit::AuditCollector;
use async_graphql::Request;
use axum::Extension;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

/// The subprotocol served.
pub const PROTOCOL: &str = "graphql-transport-ws";

/// Read buffer of a connection; longer messages are read in several steps.
const READ_BUFFER: usize = 8 * 1024;

/// Close codes of the protocol.
mod close {
    pub const BAD_REQUEST: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const SUBPROTOCOL: u16 = 4406;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const DUPLICATE: u16 = 4409;
    pub const TOO_MANY_INITS: u16 = 4429;
    /// WebSocket's "going away": the idle limit was reached.
    pub const GOING_AWAY: u16 = 1001;
}

/// The subscriptions each client runs on this replica, for the per-client limit.
#[derive(Default)]
pub struct LiveClients {
    running: Mutex<HashMap<String, usize>>,
}

impl LiveClients {
    /// Takes a place for `client` if it runs fewer than `limit`.
    fn enter(self: &Arc<Self>, client: &str, limit: usize) -> Option<Place> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let n = running.entry(client.to_owned()).or_default();
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(Place {
            clients: self.clone(),
            client: client.to_owned(),
        })
    }
}

/// A running subscription's place in [`LiveClients`], given back when dropped.
struct Place {
    clients: Arc<LiveClients>,
    client: String,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut running = self
            .clients
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = running.get_mut(&self.client) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                running.remove(&self.client);
            }
        }
    }
}

/// The upgrade to the protocol.
pub async fn upgrade(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let max_message = state.limits.max_body_bytes;
    ws.protocols([PROTOCOL])
        .max_message_size(max_message)
        // Messages of this protocol are small; tungstenite's default read buffer (128 KiB,
        // allocated up front) would be most of what an idle subscriber costs.
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| async move {
            Connection::new(state, addr.0, authorization)
                .run(socket)
                .await;
        })
}

/// A message of the protocol from the client.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<Value>,
    },
    Pong {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<Value>,
    },
    Subscribe {
        id: String,
        payload: Box<Request>,
    },
    Complete {
        id: String,
    },
}

/// What the operation tasks send to the connection.
enum Outgoing {
    Message(Value),
    /// The last message of operation `id` (`complete` or `error`): the connection
    /// forgets the operation as it sends it, so the client may reuse the id at once.
    Last(String, Value),
}

/// The authenticated caller of a connection.
struct Session {
    principal: Principal,
    /// When the token expires.
    expires: Option<Instant>,
    /// The `Authorization` value it was verified from, to check it again.
    authorization: Option<String>,
}

/// One connection.
struct Connection {
    state: AppState,
    addr: Option<IpAddr>,
    /// The upgrade request's `Authorization` header.
    authorization: Option<String>,
    limits: LiveLimits,
    session: Option<Session>,
    operations: HashMap<String, JoinHandle<()>>,
}

/// The end of a connection: a close code and its reason.
type Closing = (u16, String);

impl Connection {
    fn new(state: AppState, addr: Option<IpAddr>, authorization: Option<String>) -> Connection {
        let limits = state.limits.live.clone();
        Connection {
            state,
            addr,
            authorization,
            limits,
            session: None,
            operations: HashMap::new(),
        }
    }

    async fn run(mut self, socket: WebSocket) {
        // The upgrade selects the protocol only when the client offers it.
        let offered = socket.protocol().is_some();
        let (mut sink, mut stream) = socket.split();
        if !offered {
            let _ = sink
                .send(close_message(
                    close::SUBPROTOCOL,
                    "Subprotocol not acceptable: use graphql-transport-ws",
                ))
                .await;
            return;
        }
        let _gauge = Gauged::new("knotenpunkt_live_connections");
        let (tx, mut rx) = mpsc::channel::<Outgoing>(64);
        let init_deadline = Instant::now() + Duration::from_secs(self.limits.ws_init_secs);
        let ping_every = Duration::from_secs(self.limits.ws_ping_secs.max(1));
        let idle_after = Duration::from_secs(self.limits.ws_idle_secs.max(1));
        let mut last_heard = Instant::now();
        let mut next_ping = Instant::now() + ping_every;
        let closing: Option<Closing> = loop {
            let expires = self.session.as_ref().and_then(|s| s.expires);
            tokio::select! {
                incoming = stream.next() => {
                    let text = match incoming {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Binary(_))) => {
                            break Some((close::BAD_REQUEST, "Binary messages are not supported".into()));
                        }
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                            last_heard = Instant::now();
                            continue;
                        }
                        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break None,
                    };
                    last_heard = Instant::now();
                    match self.receive(&text, &tx).await {
                        Ok(Some(reply)) => {
                            if !send(&mut sink, &reply, idle_after).await {
                                break None;
                            }
                        }
                        Ok(None) => {}
                        Err(closing) => break Some(closing),
                    }
                }
                Some(out) = rx.recv() => {
                    let message = match out {
                        Outgoing::Message(message) => message,
                        Outgoing::Last(id, message) => {
                            self.operations.remove(&id);
                            message
                        }
                    };
                    if !send(&mut sink, &message, idle_after).await {
                        break None;
                    }
                }
                _ = sleep_until(init_deadline), if self.session.is_none() => {
                    break Some((close::INIT_TIMEOUT, "Connection initialisation timeout".into()));
                }
                _ = sleep_until(expires.unwrap_or(init_deadline)), if expires.is_some() => {
                    break Some((close::UNAUTHORIZED, "Unauthorized: the token has expired".into()));
                }
                _ = sleep_until(next_ping) => {
                    if last_heard.elapsed() >= idle_after {
                        break Some((close::GOING_AWAY, "Idle: no message from the client".into()));
                    }
                    // The client may have been revoked since it connected: its token
                    // stops working on a live connection too.
                    if let Err(closing) = self.recheck().await {
                        break Some(closing);
                    }
                    next_ping = Instant::now() + ping_every;
                    if !send(&mut sink, &json!({"type": "ping"}), idle_after).await {
                        break None;
                    }
                }
            }
        };
        for (_, task) in self.operations.drain() {
            task.abort();
        }
        if let Some((code, reason)) = closing {
            let _ = tokio::time::timeout(idle_after, sink.send(close_message(code, &reason))).await;
        }
        let _ = tokio::time::timeout(idle_after, sink.close()).await;
    }

    /// Handles one message: a reply to send, nothing, or the end of the connection.
    async fn receive(
        &mut self,
        text: &str,
        tx: &mpsc::Sender<Outgoing>,
    ) -> Result<Option<Value>, Closing> {
        let message: ClientMessage = serde_json::from_str(text)
            .map_err(|e| (close::BAD_REQUEST, format!("Invalid message received: {e}")))?;
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if self.session.is_some() {
                    return Err((
                        close::TOO_MANY_INITS,
                        "Too many initialisation requests".into(),
                    ));
                }
                let session = self.authenticate(payload.as_ref()).await?;
                self.session = Some(session);
                Ok(Some(json!({"type": "connection_ack"})))
            }
            ClientMessage::Ping { .. } => Ok(Some(json!({"type": "pong"}))),
            ClientMessage::Pong { .. } => Ok(None),
            ClientMessage::Subscribe { id, payload } => {
                let Some(session) = &self.session else {
                    return Err((close::UNAUTHORIZED, "Unauthorized".into()));
                };
                if self.operations.get(&id).is_some_and(|t| !t.is_finished()) {
                    return Err((
                        close::DUPLICATE,
                        format!("Subscriber for {id} already exists"),
                    ));
                }
                let running = self
                    .operations
                    .values()
                    .filter(|t| !t.is_finished())
                    .count();
                if running >= self.limits.subscriptions_per_connection {
                    return Ok(Some(refusal(
                        &id,
                        format!(
                            "at most {} subscriptions run at once on one connection",
                            self.limits.subscriptions_per_connection
                        ),
                    )));
                }
                let client = match session.principal.client() {
                    Some(c) => format!("client:{}", c.client_id),
                    None => format!(
                        "address:{}",
                        self.addr.map(|a| a.to_string()).unwrap_or_default()
                    ),
                };
                let Some(place) = self
                    .state
                    .live_clients
                    .enter(&client, self.limits.subscriptions_per_client)
                else {
                    return Ok(Some(refusal(
                        &id,
                        format!(
                            "at most {} subscriptions run at once for one client",
                            self.limits.subscriptions_per_client
                        ),
                    )));
                };
                let task = tokio::spawn(operation(
                    self.state.clone(),
                    session.principal.clone(),
                    self.addr,
                    id.clone(),
                    *payload,
                    tx.clone(),
                    place,
                ));
                self.operations.insert(id, task);
                Ok(None)
            }
            ClientMessage::Complete { id } => {
                if let Some(task) = self.operations.remove(&id) {
                    task.abort();
                }
                Ok(None)
            }
        }
    }

    /// The caller a `connection_init` names, or the refusal (4403).
    async fn authenticate(&self, payload: Option<&Value>) -> Result<Session, Closing> {
        let from_payload = payload.and_then(|p| {
            ["Authorization", "authorization", "token"]
                .iter()
                .find_map(|k| p.get(*k).and_then(Value::as_str))
                .map(|v| {
                    if v.contains(' ') {
                        v.to_owned()
                    } else {
                        format!("Bearer {v}")
                    }
                })
        });
        let authorization = from_payload.or_else(|| self.authorization.clone());
        let principal = self
            .state
            .auth
            .principal(&self.state.db, authorization.as_deref())
            .await
            .map_err(|e| (close::FORBIDDEN, format!("Forbidden: {}", e.0)))?;
        let expires = principal
            .client()
            .and_then(|c| c.expires_at)
            .and_then(|exp| {
                let left = (exp - chrono::Utc::now().timestamp()).max(0) as u64;
                Instant::now().checked_add(Duration::from_secs(left))
            });
        Ok(Session {
            principal,
            expires,
            authorization,
        })
    }

    /// Checks the connection's token again (a revoked client, an introspected token the
    /// IdP no longer vouches for): the close when it no longer holds.
    async fn recheck(&self) -> Result<(), Closing> {
        let Some(session) = &self.session else {
            return Ok(());
        };
        if session.principal.client().is_none() {
            return Ok(());
        }
        self.state
            .auth
            .principal(&self.state.db, session.authorization.as_deref())
            .await
            .map(drop)
            .map_err(|e| (close::UNAUTHORIZED, format!("Unauthorized: {}", e.0)))
    }
}

/// A gauge raised while the value lives.
struct Gauged(&'static str);

impl Gauged {
    fn new(name: &'static str) -> Gauged {
        metrics::gauge!(name).increment(1.0);
        Gauged(name)
    }
}

impl Drop for Gauged {
    fn drop(&mut self) {
        metrics::gauge!(self.0).decrement(1.0);
    }
}

/// Sends `value`, unless the client takes longer than `within` to accept it (a client
/// that stopped reading): `false` ends the connection.
async fn send(
    sink: &mut futures::stream::SplitSink<WebSocket, Message>,
    value: &Value,
    within: Duration,
) -> bool {
    matches!(
        tokio::time::timeout(within, sink.send(text_message(value))).await,
        Ok(Ok(()))
    )
}

fn text_message(value: &Value) -> Message {
    Message::Text(Utf8Bytes::from(value.to_string()))
}

fn close_message(code: u16, reason: &str) -> Message {
    // A close reason is at most 123 bytes.
    let mut reason = reason.to_owned();
    while reason.len() > 123 {
        reason.pop();
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from(reason),
    }))
}

/// An `error` message refusing operation `id` for a limit.
fn refusal(id: &str, message: String) -> Value {
    json!({
        "type": "error",
        "id": id,
        "payload": [{"message": message, "extensions": {"code": "TOO_MANY_SUBSCRIPTIONS"}}],
    })
}

/// Runs one operation and sends its results: `next` for each, then `complete`; an
/// operation refused before it ran (a document that does not parse or validate) gets
/// one `error` message instead.
async fn operation(
    state: AppState,
    principal: Principal,
    addr: Option<IpAddr>,
    id: String,
    request: Request,
    tx: mpsc::Sender<Outgoing>,
    _place: Place,
) {
    let scheduler = Arc::new(Scheduler::default());
    let audit = Arc::new(AuditCollector::default());
    let loaders = Loaders::new(
        state.db.clone(),
        state.reference.clone(),
        principal.clone(),
        &scheduler,
    );
    let budget = state
        .limiters
        .graphql_budget(&principal, addr)
        .map(|b| b as Arc<dyn CostBudget>);
    let data = RequestData {
        principal: principal.clone(),
        loaders: Arc::new(loaders),
        audit: audit.clone(),
        budget,
        usage: Arc::new(Usage::default()),
        operation_name: request.operation_name.clone(),
    };
    let responses = state
        .graphql
        .guarded
        .execute_stream(request.data(data).data(OverWebSocket));
    let mut responses = BatchedStream::new(responses, scheduler);
    let mut first = true;
    let _gauge = Gauged::new("knotenpunkt_live_subscriptions");
    while let Some(response) = responses.next().await {
        // Validation and other refusals before execution: one `error`, no `complete`.
        if first && response.data == async_graphql::Value::Null && !response.errors.is_empty() {
            let last = json!({"type": "error", "id": id, "payload": response.errors});
            let _ = tx.send(Outgoing::Last(id, last)).await;
            return;
        }
        first = false;
        let message = match audit.flush(&state.db, &principal).await {
            Ok(_) => json!({"type": "next", "id": id, "payload": response}),
            Err(err) => {
                tracing::error!(error = ?err, "audit log write failed; event withheld");
                json!({"type": "next", "id": id, "payload": {"data": null, "errors": [{
                    "message": "the access could not be recorded in the audit log, so no data is sent",
                    "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                }]}})
            }
        };
        if tx.send(Outgoing::Message(message)).await.is_err() {
            break;
        }
    }
    let last = json!({"type": "complete", "id": id});
    let _ = tx.send(Outgoing::Last(id, last)).await;
}
