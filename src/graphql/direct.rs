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
//!
//! On PostgreSQL, a direct operation that only reads the public catalogue is not even
//! resolved: `compiled` turns it into one statement that builds its `data` in the
//! database (`service::json_select`). Whatever the compiler does not take, and a
//! statement that fails, runs on the schema as above.

use super::extensions::{self, Shape};
use super::{AppSchema, RequestData, compiled, completion, input_guard, plan};
use crate::service::{Reference, json_select};
use async_graphql::parser::types::DocumentOperations;
use async_graphql::{Request, Response, ServerError, Value};
use serde_json::value::RawValue;
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
    /// Where compiled reads run; `None`: every operation is resolved.
    compiled_reads: Option<sea_orm::DatabaseConnection>,
}

impl Executor {
    pub(crate) fn new(
        guarded: AppSchema,
        direct: AppSchema,
        shape: Arc<Shape>,
        reference: Arc<Reference>,
        compiled_reads: Option<sea_orm::DatabaseConnection>,
    ) -> Executor {
        Executor {
            guarded,
            direct,
            shape,
            reference,
            compiled_reads,
        }
    }

    /// Runs one request for the caller and loaders in `data`.
    pub async fn execute(&self, mut request: Request, data: RequestData) -> Answer {
        match self.prepare(&mut request) {
            Ok(Some(prepared)) => self.run_direct(request, data, prepared).await,
            Ok(None) => self.guarded.execute(request.data(data)).await.into(),
            Err(errors) => Response::from_errors(errors).into(),
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
        if op.ty == async_graphql::parser::types::OperationType::Subscription {
            let pos = op.selection_set.pos;
            return Err(vec![extensions::subscription_elsewhere(Some(pos))]);
        }
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
        let compiled = self
            .compiled_reads
            .as_ref()
            .and_then(|_| compiled::compile(&doc, op));
        let direct = Direct {
            doc: doc.clone(),
            name,
            cost,
            variables: request.variables.clone(),
            compiled,
        };
        request.set_parsed_query(doc);
        Ok(Some(direct))
    }

    async fn run_direct(&self, request: Request, req: RequestData, prepared: Direct) -> Answer {
        // As the guarded schema does on parsing and before executing.
        if let Some(name) = prepared.name.as_deref() {
            req.audit.set_operation(Some(name));
            let _ = req.usage.operation.set(name.to_owned());
        }
        if let Err(err) = extensions::charge(&req, prepared.cost) {
            return Response::from_errors(vec![err]).into();
        }
        if let (Some(db), Some(root)) = (&self.compiled_reads, &prepared.compiled) {
            match self.read_compiled(db, &req, root).await {
                Ok(data) if data.get().len() as u64 > self.shape.max_bytes() => {
                    return self.over_bytes().into();
                }
                Ok(data) => {
                    return Answer {
                        response: Response::default(),
                        data: Some(data),
                    };
                }
                // Resolved instead: the resolvers report what went wrong as they do.
                Err(err) => tracing::warn!(error = %err, "a compiled read failed; resolving it"),
            }
        }
        self.resolve(request, req, prepared).await.into()
    }

    async fn resolve(&self, request: Request, req: RequestData, prepared: Direct) -> Response {
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
            return self.over_bytes();
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

impl Executor {
    /// The `data` of a compiled read as the database built it, without the blanks
    /// PostgreSQL writes between keys and values.
    async fn read_compiled(
        &self,
        db: &sea_orm::DatabaseConnection,
        req: &RequestData,
        root: &json_select::Fields,
    ) -> Result<Box<RawValue>, String> {
        let text = json_select::read(db, &req.principal, &self.reference, root)
            .await
            .map_err(|e| e.to_string())?;
        RawValue::from_string(compact(&text)).map_err(|e| e.to_string())
    }

    /// The refusal of a result over the byte budget.
    fn over_bytes(&self) -> Response {
        crate::metrics::refused("result_bytes");
        Response::from_errors(vec![extensions::over_budget(
            "bytes",
            self.shape.max_bytes(),
        )])
    }
}

/// What an operation answers: its response, or for a compiled read the `data` as the
/// JSON text the database built (the response then holds nothing), written out as it
/// is instead of being parsed into values and serialised again.
pub struct Answer {
    pub response: Response,
    pub data: Option<Box<RawValue>>,
}

impl From<Response> for Answer {
    fn from(response: Response) -> Answer {
        Answer {
            response,
            data: None,
        }
    }
}

impl serde::Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match &self.data {
            Some(data) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("data", data)?;
                map.end()
            }
            None => self.response.serialize(serializer),
        }
    }
}

/// JSON text without the blanks outside strings: what `serde_json` writes for the same
/// value (PostgreSQL escapes strings as it does).
fn compact(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // A string is copied whole, up to its closing quote.
                let start = i;
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
                i = i.min(bytes.len());
                out.extend_from_slice(&bytes[start..i]);
            }
            b' ' | b'\n' | b'\r' | b'\t' => i += 1,
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    // Only ASCII blanks between tokens were left out, so the text is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// What `prepare` learnt about a request that runs directly.
struct Direct {
    doc: async_graphql::parser::types::ExecutableDocument,
    /// The operation that runs, if named.
    name: Option<String>,
    cost: u64,
    variables: async_graphql::Variables,
    /// The operation as one JSON read, when it is one.
    compiled: Option<json_select::Fields>,
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

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn compacting_keeps_strings_as_they_are() {
        assert_eq!(
            compact(r#"{"a b" : [1, 2], "c" : "x \" y\\", "d" : {"e" : null}}"#),
            r#"{"a b":[1,2],"c":"x \" y\\","d":{"e":null}}"#
        );
    }
}
