// The relations of `team_candidates` are not relations of `assessment_results`.
use qualified::Client;
use qualified::team_candidates::include;

fn main() {
    let client = Client::new("key").unwrap();
    let _ = client.assessment_results().list().include(include::Notes);
}
