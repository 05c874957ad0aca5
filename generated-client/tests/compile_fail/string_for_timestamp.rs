// A date-time field takes a date-time, not a string.
use qualified::assessment_results::Where;

fn main() {
    let _ = Where::new().created_at().gt("2023-05-10T20:48:30Z");
}
