//! OpenAPI schemas of the types that travel as their text form (codes, numbers, ids, places),
//! for the server's API description (feature `openapi`). The other types derive theirs.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::ids::{AreaCode, EventId, SiteCode, TicketId, TicketNumber, UnitNumber};
use crate::label::LabelCode;
use crate::workflow::Location;

macro_rules! text_schema {
    ($($ty:ty: $description:literal, $example:literal;)*) => {$(
        impl utoipa::PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($description))
                    .examples([$example])
                    .into()
            }
        }
        impl utoipa::ToSchema for $ty {}
    )*};
}

text_schema! {
    SiteCode: "A site's code: 2 to 10 letters or digits.", "WH1";
    TicketNumber: "A ticket's number: site, year and sequence.", "WH1-2026-00042";
    UnitNumber: "A unit's number: its ticket's number and the unit's place in it.", "WH1-2026-00042-3";
    AreaCode: "A storage area's code.", "SHELF-A1";
    TicketId: "A ticket's permanent id: 32 hexadecimal digits.", "5f0c7e8a9b2d4c1e8f3a6b7c9d0e1f2a";
    EventId: "An event's id.", "9c1f3e5a7b2d4f60";
    LabelCode: "What a label's QR code holds: a ticket, unit or area code.", "U:WH1-2026-00042-3";
    Location: "Where a unit is: an area code, `bench:NAME`, `receiving`, `package` or `shipped`.", "SHELF-A1";
}
