//! Running an operation: with the per-field guards, or directly when it provably needs
//! none.
//!
//! The schema's extensions (`extensions::RequestShape`, `input_guard::InputGuard`)
//! guard an operation while it runs: they count every produced value and byte against
//! the execution budget, yield so that the request timeout can interrupt work that
//! never waits, and check every argument before its field resolves. async-graphql
//! calls them around every field and every list item, which costs more CPU than the
//! fields themselves on a typical catalogue page (measured with `cargo bench --bench
//! load`).
//!
//! Most operations cannot trip any of those guards, and that is known before they run:
//! the operation is priced (its cost bounds the values it can produce), and its
//! arguments are checked along their types once. Such an operation runs on a second
//! schema without extensions; the response is then completed and coded exactly as the
//! extensions would, and its size is checked once at the end. Everything else (a
//! document the checks refuse, one that needs rewriting, an operation over
//! `Shape::direct_cost_limit`, an argument the guard refuses, an unknown operation)
//! runs with the guards, which report it as they always did.

use super::extensions::{self, Shape};
use super::{AppSchema, RequestData, completion, input_guard, plan};
use crate::service::Reference;
use async_graphql::parser::types::DocumentOperations;
use async_graphql::{Request, Response, ServerError, Value};
use std::sync::Arc;

/// The two ways to run an operation, and what decides between them.
#[derive(Clone)]
pub struct Executor {
    /// The schema with the per-field guards.
    pub guarded: AppSchema,
    /// The same schema without extensions.
    direct: AppSchema,
    shape: Arc<Shape>,
    reference: Arc<Reference>,
}

impl Executor {
    pub(crate) fn new(
        guarded: AppSchema,
        direct: AppSchema,
        shape: Arc<Shape>,
        reference: Arc<Reference>,
    ) -> Executor {
        Executor {
            guarded,
            direct,
            shape,
            reference,
        }
    }

    /// Runs one request for the caller and loaders in `data`.
    pub async fn execute(&self, mut request: Request, data: RequestData) -> Response {
        match self.prepare(&mut request) {
            Ok(Some(prepared)) => self.run_direct(request, data, prepared).await,
            Ok(None) => self.guarded.execute(request.data(data)).await,
            Err(errors) => Response::from_errors(errors),
        }
    }

    /// Checks the request as the guarded schema would before it runs: `Err` with the
    /// same errors where that refuses it, `Ok(None)` where it must run guarded.
    fn prepare(&self, request: &mut Request) -> Result<Option<Direct>, Vec<ServerError>> {
        // The schema is known once a first request went through the guarded one.
        let Some(env) = self.shape.env() else {
            return Ok(None);
        };
        let registry = &env.registry;
        let doc = async_graphql::parser::parse_query(&request.query)
            .map_err(|e| vec![extensions::parse_error(e)])?;
        self.shape.check(&doc).map_err(|e| vec![e])?;
        let expanded = extensions::expansion(&doc, &request.variables).map_err(|e| vec![e])?;
        let wanted = request.operation_name.as_deref();
        let (costs, fields) = self
            .shape
            .price(registry, &self.reference, wanted, &doc, &request.variables)
            .map_err(|e| vec![e])?;
        if expanded > fields {
            // Repeats itself: the guarded schema rewrites it first.
            return Ok(None);
        }
        let Some(op) = plan::select_operation(&doc, wanted) else {
            return Ok(None);
        };
        let name = match (&doc.operations, wanted) {
            (_, Some(name)) => Some(name.to_owned()),
            (DocumentOperations::Multiple(ops), None) => ops.keys().next().map(|n| n.to_string()),
            (DocumentOperations::Single(_), None) => None,
        };
        let cost = costs
            .iter()
            .find(|(n, _)| n.as_deref() == name.as_deref() || costs.len() == 1)
            .map(|(_, c)| *c)
            .unwrap_or(1);
        if cost > self.shape.direct_cost_limit()
            || input_guard::refuses_any(registry, &doc, name.as_deref(), op, &request.variables)
        {
            return Ok(None);
        }
        let direct = Direct {
            doc: doc.clone(),
            name,
            cost,
            variables: request.variables.clone(),
        };
        request.set_parsed_query(doc);
        Ok(Some(direct))
    }

    async fn run_direct(&self, request: Request, req: RequestData, prepared: Direct) -> Response {
        // As the guarded schema does on parsing and before executing.
        if let Some(name) = prepared.name.as_deref() {
            req.audit.set_operation(Some(name));
            let _ = req.usage.operation.set(name.to_owned());
        }
        if let Err(err) = extensions::charge(&req, prepared.cost) {
            return Response::from_errors(vec![err]);
        }
        let mut response = self.direct.execute(request.data(req)).await;
        if response.data == Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|e| e.path.is_empty())
        {
            // Refused before execution: by validation, the only check left to it.
            response.errors = extensions::coded(
                response
                    .errors
                    .into_iter()
                    .map(|e| extensions::with_code(e, extensions::VALIDATION_FAILED))
                    .collect(),
            );
            return response;
        }
        if response_bytes(&response.data) > self.shape.max_bytes() {
            crate::metrics::refused("result_bytes");
            return Response::from_errors(vec![extensions::over_budget(
                "bytes",
                self.shape.max_bytes(),
            )]);
        }
        if let Some(env) = self.shape.env() {
            completion::complete(
                &env.registry,
                &prepared.doc,
                &prepared.variables,
                prepared.name.as_deref(),
                &mut response.data,
                &mut response.errors,
            );
        }
        response.errors = extensions::coded(response.errors);
        response
    }
}

/// What `prepare` learnt about a request that runs directly.
struct Direct {
    doc: async_graphql::parser::types::ExecutableDocument,
    /// The operation that runs, if named.
    name: Option<String>,
    cost: u64,
    variables: async_graphql::Variables,
}

/// Approximate bytes of a response's `data` in JSON, counted as the execution budget
/// counts them.
fn response_bytes(value: &Value) -> u64 {
    match value {
        Value::Object(fields) => {
            2 + fields
                .iter()
                .map(|(k, v)| k.len() as u64 + 3 + response_bytes(v))
                .sum::<u64>()
        }
        Value::List(items) => 2 + items.iter().map(|v| response_bytes(v) + 1).sum::<u64>(),
        other => extensions::value_bytes(other),
    }
}
