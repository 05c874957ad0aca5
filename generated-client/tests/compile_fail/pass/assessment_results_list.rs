// The full typed query API of `assessment_results().list()`: several fields and operators,
// includes, order, page, limit, and the streams. Nothing is sent.
use chrono::DateTime;
use futures::{Stream, StreamExt};
use qualified::assessment_results::{AssessmentResult, AssessmentResultId, Order, Where, include};
use qualified::filter::{Filter, OrderField};
use qualified::team_candidates::TeamCandidateId;
use qualified::types::AssessmentResultState;
use qualified::{Client, Page, Result};

fn assert_stream<S: Stream<Item = Result<AssessmentResult>> + Send + 'static>(s: S) -> S {
    s
}

fn main() {
    let client = Client::new("key").unwrap();
    let since = DateTime::parse_from_rfc3339("2023-05-10T20:48:30Z").unwrap();
    let filter = Where::new()
        .state()
        .is_in([
            AssessmentResultState::Submitted,
            AssessmentResultState::Started,
        ])
        .state()
        .ne(AssessmentResultState::Terminated)
        .score()
        .gte(80)
        .score()
        .lt(99.5)
        .score()
        .nin([0.0, 1.0])
        .created_at()
        .gt(since)
        .updated_at()
        .lte(since.with_timezone(&chrono::Utc))
        .current_take()
        .eq(true)
        .labels()
        .contains("senior")
        .id()
        .nin([AssessmentResultId::new("a"), AssessmentResultId::new("b")])
        .team_candidate_id()
        .eq(TeamCandidateId::new("c"));
    assert_eq!(filter.conditions().len(), 11);

    let list = client
        .assessment_results()
        .list()
        .assessment_id("5da4")
        .team_candidate_id(TeamCandidateId::new("c"))
        .filter(filter)
        .include(include::Solutions)
        .include(include::TeamCandidate)
        .include(include::ChallengeItemsChallenge)
        .order_by(Order::CreatedAt.desc())
        .order_by(Order::Score.asc())
        .page(2)
        .limit(50);
    let _request: qualified::rt::Request = list.build();
    let _one_page = list.clone().send();
    let records = assert_stream(list.clone().stream());
    let _boxed = records.boxed();
    let _pages = list
        .pages()
        .map(|page: Result<Page<AssessmentResult>>| page.map(|p| p.total_count));
    assert_eq!(Order::PassingScore.wire(), "passing_score");
}
