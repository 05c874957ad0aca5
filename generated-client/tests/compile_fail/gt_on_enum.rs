// An enum field is compared by value only (`eq`, `ne`, `is_in`, `nin`): no `>`.
use qualified::assessment_results::Where;
use qualified::types::AssessmentResultState;

fn main() {
    let _ = Where::new().state().gt(AssessmentResultState::Started);
}
