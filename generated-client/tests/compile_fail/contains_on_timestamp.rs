// `contains` is a partial text match: a date-time field does not have it.
use qualified::team_candidates::Where;

fn main() {
    let _ = Where::new().created_at().contains("2023-05");
}
