use rma_shared::event::CustomerRequest;
use rma_shared::step::{self, Quantity, Step, Text};

/// Register a customer's return: the registration form of regulation 2.1. Prints the new
/// ticket number.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent intake --customer \"Acme Ltd\" --contact \"Li Wei, 138 0000 0000\" \\\n    --model X200 --quantity 2 --fault \"no power after storm\" --request repair"
)]
pub struct Args {
    /// The customer's name.
    #[arg(long)]
    customer: Text,
    /// How to reach the customer.
    #[arg(long)]
    contact: Option<Text>,
    /// The product model.
    #[arg(long)]
    model: Text,
    /// How many units come back.
    #[arg(long)]
    quantity: Quantity,
    /// The fault as the customer describes it.
    #[arg(long)]
    fault: Text,
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

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Intake(step::Intake {
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
        })
    }
}
