// `interact_sessions` is an integer field (`i64`): a float does not convert into it.
use qualified::team_candidates::Where;

fn main() {
    let _ = Where::new().interact_sessions().gt(1.5);
}
