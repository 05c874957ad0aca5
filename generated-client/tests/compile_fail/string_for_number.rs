// The value of a number field must be a number, not a string.
use qualified::assessment_results::Where;

fn main() {
    let _ = Where::new().score().gte("80");
}
