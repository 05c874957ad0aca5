// The `state` of an assessment result takes an `AssessmentResultState`, not a
// `TeamCandidateState` (another enum with some of the same names).
use qualified::assessment_results::Where;
use qualified::types::TeamCandidateState;

fn main() {
    let _ = Where::new().state().eq(TeamCandidateState::Invited);
}
