// The team candidates list has no `order_by` (nor `limit`).
use qualified::Client;

fn main() {
    let client = Client::new("key").unwrap();
    let _ = client.team_candidates().list().limit(10);
    let _ = client.team_candidates().list().order_by("created_at DESC");
}
