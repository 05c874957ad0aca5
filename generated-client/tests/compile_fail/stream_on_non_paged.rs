// Only paged lists can be streamed: a single record cannot, nor a non-paged list.
use qualified::Client;

fn main() {
    let client = Client::new("key").unwrap();
    let _ = client.assessment_results().get("645c").stream();
    let _ = client
        .assessment_invitations()
        .invite_candidates(vec!["a@example.com".to_owned()], "5da4")
        .pages();
}
