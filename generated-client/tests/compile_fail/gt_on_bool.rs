// A boolean field only has `eq` and `ne`: no ordering operators.
use qualified::assessment_results::Where;

fn main() {
    let _ = Where::new().current_take().gt(false);
}
