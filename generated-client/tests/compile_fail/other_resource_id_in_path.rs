// `assessment_results().get(..)` takes an `AssessmentResultId`, not a `TeamCandidateId`.
use qualified::Client;
use qualified::team_candidates::TeamCandidateId;

fn main() {
    let client = Client::new("key").unwrap();
    let id = TeamCandidateId::new("5f3a9c");
    let _ = client.assessment_results().get(id);
}
