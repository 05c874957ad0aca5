// `contains` is a partial text match: a number field does not have it.
use qualified::assessment_results::Where;

fn main() {
    let _ = Where::new().score().contains(80.0);
}
