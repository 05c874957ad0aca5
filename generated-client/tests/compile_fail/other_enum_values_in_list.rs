// `is_in` checks every item: a list of another enum's values does not compile.
use qualified::challenges::{ChallengeType, Where};

fn main() {
    let _ = Where::new().state().is_in([ChallengeType::CodeChallenge]);
}
