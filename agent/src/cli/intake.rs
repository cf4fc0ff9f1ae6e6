use anyhow::Result;
use rma_shared::Registration;
use rma_shared::event::CustomerRequest;

use super::{Context, parse_text};

/// Register a customer's return: the registration form of regulation 2.1. Prints the new
/// ticket number.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent intake --customer \"Acme Ltd\" --contact \"Li Wei, 138 0000 0000\" \\\n    --model X200 --quantity 2 --fault \"no power after storm\" --request repair"
)]
pub struct Args {
    /// The customer's name.
    #[arg(long, value_parser = parse_text)]
    customer: String,
    /// How to reach the customer.
    #[arg(long, value_parser = parse_text)]
    contact: Option<String>,
    /// The product model.
    #[arg(long, value_parser = parse_text)]
    model: String,
    /// How many units come back.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    quantity: u32,
    /// The fault as the customer describes it.
    #[arg(long, value_parser = parse_text)]
    fault: String,
    /// What the customer asks for.
    #[arg(long, value_enum)]
    request: Request,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Request {
    Repair,
    Replace,
    Refund,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let registration = Registration {
        customer: args.customer,
        contact: args.contact,
        model: args.model,
        quantity: args.quantity,
        fault: args.fault,
        request: match args.request {
            Request::Repair => CustomerRequest::Repair,
            Request::Replace => CustomerRequest::Replace,
            Request::Refund => CustomerRequest::Refund,
        },
    };
    let store = ctx.store()?;
    let doc = store.create(&registration, &ctx.user(), ctx.now)?;
    if ctx.json {
        return ctx.print_ticket(&doc);
    }
    say!(ctx, "{}", doc.number());
    Ok(())
}
