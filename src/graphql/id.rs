//! Global IDs as the GraphQL `ID` scalar; the encoding itself is [`crate::id`].

pub use crate::id::{NodeType, decode, decode_as};
use async_graphql::ID;
use std::fmt::Display;

/// The global ID of the object of type `t` with primary key `key`.
pub fn encode(t: NodeType, key: impl Display) -> ID {
    ID(crate::id::encode(t, key))
}
