//! The caller's network address, which keys the rate limits of anonymous callers and of
//! the token endpoint: the peer of the connection, or — when that peer is a proxy the
//! operator trusts (`--trusted-proxies`) — the address the proxy forwarded.
//!
//! The forwarding header is read from the right, the hop nearest to the hub first:
//! every address a trusted proxy added is skipped, and the first one that is not a
//! trusted proxy is the caller. Entries left of it were written by the caller itself and
//! could say anything, so they are never used. The header is a plain list (or RFC 7239
//! `for=` pairs); no crate parses it with this walk, hence the few lines here.

use crate::config::ForwardedHeader;
use crate::http::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The caller's address, attached to every request; `None` when the router is driven
/// without a connection (in-process, as the tests and benchmarks do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

/// Middleware: resolves the caller's address once and attaches it as `ClientAddr`.
pub async fn attach(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let rate = &state.limits.rate;
    let addr = client_address(
        peer,
        request.headers(),
        &rate.trusted_proxies,
        rate.forwarded_header,
    );
    request.extensions_mut().insert(ClientAddr(addr));
    next.run(request).await
}

/// The caller's address given the connection's peer, the request's headers and the
/// trusted proxies.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpNet],
    header: ForwardedHeader,
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut caller = peer?.to_canonical();
    if !is_trusted(&caller) {
        return Some(caller);
    }
    for hop in forwarded_chain(headers, header).into_iter().rev() {
        match hop {
            Some(ip) => {
                caller = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // `unknown` or an obfuscated identifier: nothing beyond this hop can be
            // known, so the last trusted hop stands for the caller.
            None => break,
        }
    }
    Some(caller)
}

/// The addresses of the forwarding header, caller first, nearest hop last (`None` for an
/// entry that is not an address). Repeated headers are one list, in order.
fn forwarded_chain(headers: &HeaderMap, header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let name = match header {
        ForwardedHeader::XForwardedFor => "x-forwarded-for",
        ForwardedHeader::Forwarded => "forwarded",
    };
    let mut chain = Vec::new();
    for value in headers.get_all(name) {
        let Ok(value) = value.to_str() else {
            chain.push(None);
            continue;
        };
        for element in value.split(',') {
            let node = match header {
                ForwardedHeader::XForwardedFor => Some(element),
                ForwardedHeader::Forwarded => element.split(';').find_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    key.trim().eq_ignore_ascii_case("for").then_some(value)
                }),
            };
            // An element without `for=` says nothing about the sender.
            if let Some(node) = node {
                chain.push(parse_node(node));
            }
        }
    }
    chain
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]:4711`, optionally in double quotes.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    node.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(ip, _)| ip.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}
