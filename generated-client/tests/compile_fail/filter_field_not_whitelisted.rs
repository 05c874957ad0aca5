// `candidate_remarks` is a field of the `AssessmentResult` model, but the list endpoint does
// not list it among its filters: the `Where` has no method for it.
use qualified::assessment_results::Where;

fn main() {
    let _ = Where::new().candidate_remarks().eq("great");
}
