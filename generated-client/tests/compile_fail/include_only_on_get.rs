// `assessment_results` get offers the `invitations` relation, list does not.
use qualified::Client;
use qualified::assessment_results::include;

fn main() {
    let client = Client::new("key").unwrap();
    let _ = client
        .assessment_results()
        .get("645c")
        .include(include::Invitations);
    let _ = client
        .assessment_results()
        .list()
        .include(include::Invitations);
}
