//! `publishNetworkEvent`, `registerEventParticipant`, `withdrawEventRegistration`,
//! `eraseEventParticipant`, `recordEventAttendance`.

use crate::auth::Scope;
use crate::graphql::guard::RequireScopes;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{
    EventRegistrationInput, PublishNetworkEventInput, RecordEventAttendanceInput,
    RegisterEventParticipantInput, under,
};
use crate::graphql::types::{EventAttendance, EventRegistration, NetworkEvent};
use crate::graphql::{db, reference, request};
use crate::service::events::{self, NewRegistration};
use async_graphql::{Context, Object, Result, SimpleObject};

/// The result of publishing an event.
#[derive(SimpleObject)]
pub struct NetworkEventPayload {
    /// The event as stored now (a series with its modules).
    pub network_event: NetworkEvent,
}

/// The result of a registration mutation.
#[derive(SimpleObject)]
pub struct EventRegistrationPayload {
    /// The registration as stored now.
    pub event_registration: EventRegistration,
}

/// The result of recording attendance.
#[derive(SimpleObject)]
pub struct EventAttendancePayload {
    /// The attendance as recorded.
    pub attendance: EventAttendance,
}

#[derive(Default)]
pub struct EventsMutation;

fn registration(
    ctx: &Context<'_>,
    r: entity::event_registration::Model,
) -> Result<EventRegistrationPayload> {
    request(ctx)?.loaders.forget_all();
    Ok(EventRegistrationPayload {
        event_registration: EventRegistration(r),
    })
}

#[Object]
impl EventsMutation {
    /// Publishes an event of the caller's organisation, or a qualification series with its modules (scope `events:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::EventsWrite)")]
    async fn publish_network_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new event.")] input: PublishNetworkEventInput,
    ) -> Result<NetworkEventPayload> {
        let (event, _) = events::publish(
            db(ctx)?,
            &request(ctx)?.principal,
            &reference(ctx)?.regions,
            input.into(),
        )
        .await
        .map_err(under("input"))?;
        Ok(NetworkEventPayload {
            network_event: NetworkEvent(event),
        })
    }

    /// Registers a participant of the caller's organisation for an event or a whole series (scope `events:register`): a place if one is free and nobody waits, otherwise a place in line (WAITLISTED). The event's audience decides which kinds of partner may register.
    #[graphql(guard = "RequireScopes::one(&Scope::EventsRegister)")]
    async fn register_event_participant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event and the participant.")] input: RegisterEventParticipantInput,
    ) -> Result<EventRegistrationPayload> {
        let event_id = id::decode_as(&input.event_id, NodeType::NetworkEvent, "input.eventId")?;
        let r = events::register(
            db(ctx)?,
            &request(ctx)?.principal,
            NewRegistration {
                event_id,
                name: input.name,
                email: input.email,
            },
        )
        .await
        .map_err(under("input"))?;
        registration(ctx, r)
    }

    /// Withdraws a registration of the caller's organisation, or of an event it organises (scope `events:register` or `events:write`); its place goes to the first in line.
    #[graphql(guard = "RequireScopes::any(&[Scope::EventsRegister, Scope::EventsWrite])")]
    async fn withdraw_event_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration.")] input: EventRegistrationInput,
    ) -> Result<EventRegistrationPayload> {
        let id = id::decode_as(&input.id, NodeType::EventRegistration, "input.id")?;
        let r = events::withdraw(db(ctx)?, &request(ctx)?.principal, id)
            .await
            .map_err(under("input"))?;
        registration(ctx, r)
    }

    /// Erases a participant's name and e-mail (scope `events:register` or `events:write`, as for withdrawing); the registration and its attendance stay.
    #[graphql(guard = "RequireScopes::any(&[Scope::EventsRegister, Scope::EventsWrite])")]
    async fn erase_event_participant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration.")] input: EventRegistrationInput,
    ) -> Result<EventRegistrationPayload> {
        let id = id::decode_as(&input.id, NodeType::EventRegistration, "input.id")?;
        let r = events::erase(db(ctx)?, &request(ctx)?.principal, id)
            .await
            .map_err(under("input"))?;
        registration(ctx, r)
    }

    /// The organiser records whether a confirmed participant attended the event, or a module of the series (scope `events:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::EventsWrite)")]
    async fn record_event_attendance(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The registration, the module of a series, and whether the participant attended."
        )]
        input: RecordEventAttendanceInput,
    ) -> Result<EventAttendancePayload> {
        let registration_id = id::decode_as(
            &input.registration_id,
            NodeType::EventRegistration,
            "input.registrationId",
        )?;
        let module = input
            .module_id
            .as_ref()
            .map(|m| id::decode_as(m, NodeType::NetworkEvent, "input.moduleId"))
            .transpose()?;
        let a = events::record_attendance(
            db(ctx)?,
            &request(ctx)?.principal,
            registration_id,
            module,
            input.attended,
        )
        .await
        .map_err(under("input"))?;
        request(ctx)?.loaders.forget_all();
        Ok(EventAttendancePayload {
            attendance: EventAttendance(a),
        })
    }
}
