// `contains` is not an operator of an enum field.
use qualified::challenges::Where;

fn main() {
    let _ = Where::new().state().contains("publ");
}
