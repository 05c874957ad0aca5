// A filter of assessment results is not a filter of team candidates.
use qualified::{Client, assessment_results};

fn main() {
    let client = Client::new("key").unwrap();
    let filter = assessment_results::Where::new().score().gte(80.0);
    let _ = client.team_candidates().list().filter(filter);
}
