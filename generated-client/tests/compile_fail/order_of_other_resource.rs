// An order field of challenges is not an order field of assessment results.
use qualified::{Client, challenges};

fn main() {
    let client = Client::new("key").unwrap();
    let _ = client
        .assessment_results()
        .list()
        .order_by(challenges::Order::CreatedAt.desc());
}
