// An enum field takes its enum, not a string: a misspelt state must not compile.
use qualified::assessment_results::Where;

fn main() {
    let _ = Where::new().state().eq("submited");
}
