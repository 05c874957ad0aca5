// `challenges().list()`: dotted fields, `_type` (as `kind`), `q`, query parameters, includes.
use qualified::Client;
use qualified::challenges::{
    ChallengeCollection, ChallengeState, ChallengeType, Order, Where, include,
};
use qualified::types::Language;

fn main() {
    let client = Client::new("key").unwrap();
    let filter = Where::new()
        .digest_languages_name()
        .is_in([Language::Python, Language::Javascript])
        .digest_in_library()
        .eq(true)
        .digest_submitted_solutions_count()
        .gt(10)
        .kind()
        .eq(ChallengeType::CodeChallenge)
        .state()
        .eq(ChallengeState::Published)
        .title()
        .contains("tree")
        .difficulty()
        .lte(3)
        .q("binary");
    let _ = client
        .challenges()
        .list()
        .collection(ChallengeCollection::Team)
        .templates(false)
        .r#type(ChallengeType::QuizChallenge)
        .filter(filter)
        .include(include::CreatedBy)
        .order_by(Order::UpdatedAt.desc())
        .limit(10)
        .stream();
}
