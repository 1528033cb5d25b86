//! `networkEvents`, `networkEvent`: the public catalogue of the network's events.

use crate::error::AppError;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::NetworkEventFilter;
use crate::graphql::types::{NetworkEvent, NetworkEventConnection};
use crate::graphql::{db, reference, request};
use crate::service::events;
use crate::service::pagination::PageArgs;
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct EventsQuery;

#[Object]
impl EventsQuery {
    /// The network's events (public): information events, network meetings, workshops, trainings, qualification series and their modules, by first day.
    async fn network_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the events must meet.")] filter: Option<NetworkEventFilter>,
        #[graphql(desc = "Number of events from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of events from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<NetworkEventConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(events::BY_START.name)?;
        let select = events::filtered(
            &request(ctx)?.principal,
            &reference(ctx)?.regions,
            &filter.unwrap_or_default().into(),
        )
        .map_err(crate::graphql::input::under("filter"))?;
        Ok(NetworkEventConnection::from_select(
            db(ctx)?,
            select,
            &events::BY_START,
            &page,
            NetworkEvent,
        )
        .await?)
    }

    /// The event with this ID; `null` with a `NOT_FOUND` error when there is none.
    async fn network_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of an event.")] id: ID,
    ) -> Result<Option<NetworkEvent>> {
        lookup!(
            ctx,
            id,
            NodeType::NetworkEvent,
            network_event,
            NetworkEvent,
            "event"
        )
    }
}
