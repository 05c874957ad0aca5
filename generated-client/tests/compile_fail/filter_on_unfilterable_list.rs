// The assessments list cannot be filtered at all: its builder has no `filter`.
use qualified::Client;
use qualified::filter::Conditions;

fn main() {
    let client = Client::new("key").unwrap();
    let _ = client.assessments().list().filter(Conditions::new());
}
