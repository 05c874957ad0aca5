// `team_candidate_id` takes a `TeamCandidateId`: an assessment result's id is refused.
use qualified::assessment_results::{AssessmentResultId, Where};

fn main() {
    let id = AssessmentResultId::new("645c03181d41c84e89fe36b0");
    let _ = Where::new().team_candidate_id().eq(id);
}
