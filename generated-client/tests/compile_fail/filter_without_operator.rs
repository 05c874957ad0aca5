// A field builder without an operator is not a filter.
use qualified::Client;
use qualified::assessment_results::Where;

fn main() {
    let client = Client::new("key").unwrap();
    let _ = client
        .assessment_results()
        .list()
        .filter(Where::new().score());
}
