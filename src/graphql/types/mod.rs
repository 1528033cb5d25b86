//! GraphQL object types, one file per domain, plus connections, scalars and `Node`.

pub mod connection;
pub mod course;
pub mod course_run;
pub mod node;
pub mod organisation;
pub mod partner_client;
pub mod profession;
pub mod region;
pub mod scalars;

pub use connection::{PageInfo, TotalCount};
pub use course::{Course, CourseConnection};
pub use course_run::{CourseRun, CourseRunConnection};
pub use node::Node;
pub use organisation::{Organisation, OrganisationConnection};
pub use partner_client::PartnerClient;
pub use profession::Profession;
pub use region::Region;
pub use scalars::Date;
