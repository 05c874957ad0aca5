// An id field takes its typed id, not a bare string.
use qualified::assessment_results::Where;

fn main() {
    let _ = Where::new().team_candidate_id().is_in(["645c0"]);
}
