//! End to end: the generated client against `qualified::fake::FakeServer`.
//!
//! - every list endpoint with filters, includes, order_by or page: one filtered, included,
//!   ordered, paged query through the typed client, checked record by record;
//! - `stream()` over 10,000 records, with and without injected faults;
//! - retries (POST only when asked), writes, validation, auth;
//! - secrets: the key in no formatted value and no log line; hostile ids stay in their
//!   path segment.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, TimeZone};
use futures::TryStreamExt;
use qualified::fake::FakeServer;
use qualified::operations::OPERATIONS;
use qualified::{Casing, Client, Error, Page, RetryPolicy};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

mod support;
use support::LogBuffer;

// ---------------------------------------------------------------------------------------
// Helpers.

/// Short backoffs, so that retried faults cost milliseconds.
fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(5)
        .base_delay(Duration::from_millis(10))
        .max_delay(Duration::from_millis(50))
        .max_retry_after(Duration::from_secs(2))
}

fn client(server: &FakeServer) -> Client {
    server
        .client_builder()
        .retry(fast_retry())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn from<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("seed {v}: {e}"))
}

/// A 24-hex-digit id: `prefix` names the resource, `i` the record.
fn hex(prefix: u8, i: usize) -> String {
    format!("{prefix:02x}{i:022x}")
}

/// Minute `m` after 2024-03-01T09:00Z, written with an offset that depends on `m` (so that
/// text order and time order differ).
fn at(m: usize) -> DateTime<FixedOffset> {
    let utc = chrono::Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap()
        + chrono::Duration::minutes(m as i64);
    let offset = FixedOffset::east_opt([0, 5 * 3600, -7 * 3600][m % 3]).unwrap();
    utc.with_timezone(&offset)
}

fn ts(m: usize) -> String {
    at(m).to_rfc3339()
}

/// A scattered minute for record `i`.
fn minute(i: usize) -> usize {
    (i * 37) % 101
}

fn member(i: usize) -> Value {
    json!({"id": hex(0x10, i), "$type": "TeamMember", "email": format!("member{i}@team.example"), "teamId": "team1",
           "role": "reviewer", "state": "active", "name": format!("Member {i}")})
}

fn candidate(i: usize) -> Value {
    json!({"id": hex(0x11, i), "teamId": "team1", "state": "invited",
           "createdAt": ts(i), "updatedAt": ts(i + 1)})
}

fn assessment(i: usize) -> Value {
    json!({"id": hex(0x12, i), "title": format!("Assessment {i}"), "state": "published",
           "teamId": "team1"})
}

fn challenge(i: usize) -> Value {
    json!({"id": hex(0x13, i), "$type": "CodeChallenge", "title": format!("Challenge {i}"),
           "state": "published", "createdAt": ts(i), "updatedAt": ts(i)})
}

fn tc(i: usize) -> String {
    hex(0x11, i)
}

fn tm(i: usize) -> String {
    hex(0x10, i)
}

/// Checks one page against every matching record in the expected order.
#[allow(clippy::too_many_arguments)]
fn check_page<T: PartialEq + Debug + Clone>(
    what: &str,
    page: &Page<T>,
    matching: &[T],
    filtered_from: Option<usize>,
    page_no: usize,
    per_page: usize,
    includes: &[&str],
    wire_type: &str,
) {
    if let Some(seeded) = filtered_from {
        assert!(
            matching.len() < seeded,
            "{what}: the filter should leave records out"
        );
    }
    assert_eq!(
        page.total_count as usize,
        matching.len(),
        "{what}: totalCount"
    );
    assert_eq!(
        page.total_pages as usize,
        matching.len().div_ceil(per_page).max(1),
        "{what}: totalPages"
    );
    assert_eq!(page.current_page as usize, page_no, "{what}: currentPage");
    let want: Vec<T> = matching
        .iter()
        .skip((page_no - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    assert!(
        !want.is_empty(),
        "{what}: the page checked must not be empty"
    );
    assert_eq!(
        page.data.len(),
        want.len(),
        "{what}: records on page {page_no}"
    );
    for (i, (got, want)) in page.data.iter().zip(&want).enumerate() {
        assert_eq!(got, want, "{what}: record {i} of page {page_no}");
    }
    let meta = page.meta.as_ref().expect("meta");
    assert_eq!(meta.includes, includes, "{what}: meta.includes");
    assert!(meta.timestamp.is_some(), "{what}: meta.timestamp");
    assert_eq!(page.type_name.as_deref(), Some(wire_type), "{what}: type");
}

fn not_included<T: Debug>(r: qualified::Result<T>) -> bool {
    matches!(r, Err(Error::NotIncluded { .. }))
}

// ---------------------------------------------------------------------------------------
// Every list endpoint.

async fn list_assessments() -> &'static str {
    use qualified::assessments::{Assessment, Order, include};
    let server = FakeServer::start().await;
    let seeds: Vec<Assessment> = (0..30)
        .map(|i| {
            from(json!({
                "id": hex(1, i), "title": format!("Assessment {:02}", (i * 7) % 30),
                "state": (["draft", "published", "archived"][i % 3]), "teamId": "team1",
                "createdAt": ts(minute(i)),
                "createdBy": member(i % 4), "assignmentTeamMembers": [member(7)],
            }))
        })
        .collect();
    server.insert_all("assessments", seeds.clone());
    let page = client(&server)
        .assessments()
        .list()
        .include(include::CreatedBy)
        .order_by(Order::Title.desc())
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching = seeds.clone();
    matching.sort_by(|a, b| b.title.cmp(&a.title));
    for r in &mut matching {
        r.assignment_team_members = None;
    }
    // Nothing is filtered here (the endpoint has no `where`): compare against one more.
    check_page(
        "assessments",
        &page,
        &matching,
        None,
        2,
        25,
        &["created_by"],
        "Assessment",
    );
    let first = &page.data[0];
    let index = seeds.iter().position(|s| s.id == first.id).unwrap();
    assert_eq!(
        first.created_by().unwrap().unwrap().email,
        format!("member{}@team.example", index % 4)
    );
    assert!(not_included(first.assignment_team_members()));
    "assessments"
}

async fn list_assessment_cohorts() -> &'static str {
    use qualified::assessment_cohorts::{AssessmentCohort, CohortState, Order, Where};
    let server = FakeServer::start().await;
    let seeds: Vec<AssessmentCohort> = (0..40)
        .map(|i| {
            from(json!({
                "id": hex(2, i), "teamId": "team1", "assessmentId": hex(0x12, 1),
                "teamCandidateIds": [tc(i % 4), tc(i % 5)], "title": format!("Cohort {i}"),
                "pendingEmails": [], "invitedEmails": ["a@x.example"], "rejectedEmails": [],
                "state": (["pending", "started", "completed"][i % 3]),
                "createdAt": ts(minute(i)), "updatedAt": ts(minute(i) + 3),
            }))
        })
        .collect();
    server.insert_all("assessment_cohorts", seeds.clone());
    let filter = Where::new()
        .state()
        .is_in([CohortState::Pending, CohortState::Started])
        .created_at()
        .gte(at(10))
        .team_candidate_ids()
        .nin([qualified::team_candidates::TeamCandidateId::new(tc(3))]);
    let page = client(&server)
        .assessment_cohorts()
        .list()
        .filter(filter)
        .order_by(Order::CreatedAt.desc())
        .limit(4)
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching: Vec<AssessmentCohort> = seeds
        .iter()
        .filter(|c| {
            matches!(c.state, CohortState::Pending | CohortState::Started)
                && c.created_at >= at(10)
                && !c.team_candidate_ids.iter().any(|t| t.as_str() == tc(3))
        })
        .cloned()
        .collect();
    matching.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    check_page(
        "assessment_cohorts",
        &page,
        &matching,
        Some(seeds.len()),
        2,
        4,
        &[],
        "AssessmentCohort",
    );
    "assessment_cohorts"
}

async fn list_assessment_invitations() -> &'static str {
    use qualified::assessment_invitations::{AssessmentInvitation, Order};
    let server = FakeServer::start().await;
    let seeds: Vec<AssessmentInvitation> = (0..24)
        .map(|i| {
            from(json!({
                "id": hex(3, i), "state": "pending", "teamCandidateId": tc(i % 3),
                "assessmentId": hex(0x12, 1), "teamId": "team1", "createdAt": ts(minute(i)),
            }))
        })
        .collect();
    server.insert_all("assessment_invitations", seeds.clone());
    let page = client(&server)
        .assessment_invitations()
        .list()
        .team_candidate_id(tc(1))
        .order_by(Order::CreatedAt.asc())
        .limit(3)
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching: Vec<AssessmentInvitation> = seeds
        .iter()
        .filter(|r| r.team_candidate_id.as_str() == tc(1))
        .cloned()
        .collect();
    matching.sort_by_key(|r| r.created_at);
    check_page(
        "assessment_invitations",
        &page,
        &matching,
        Some(seeds.len()),
        2,
        3,
        &[],
        "AssessmentInvitation",
    );
    "assessment_invitations"
}

fn result_json(i: usize) -> Value {
    let score = if i % 7 == 0 {
        Value::Null
    } else {
        json!(((i * 37) % 100) as f64 + 0.5)
    };
    json!({
        "id": hex(4, i), "assessmentId": hex(0x12, i % 3), "candidateId": format!("c{i}"),
        "teamCandidateId": tc(i % 6), "teamId": "team1",
        "state": (["invited", "opened", "started", "submitted", "terminated"][i % 5]),
        "score": score, "createdAt": ts(minute(i)), "updatedAt": ts(minute(i) + 1),
        "currentTake": i % 2 == 0,
        "teamCandidate": candidate(i % 6),
        "solutions": [{"id": hex(0x14, i), "$type": "CodeSolution", "createdAt": ts(i),
                       "updatedAt": ts(i), "challengeId": hex(0x13, 1)}],
        "accessUnlockedBy": member(1),
    })
}

async fn list_assessment_results() -> &'static str {
    use qualified::assessment_results::{AssessmentResult, Order, Where, include};
    use qualified::types::AssessmentResultState as S;
    let server = FakeServer::start().await;
    let seeds: Vec<AssessmentResult> = (0..80).map(|i| from(result_json(i))).collect();
    server.insert_all("assessment_results", seeds.clone());
    let filter = Where::new()
        .state()
        .is_in([S::Submitted, S::Started])
        .score()
        .gte(30.0)
        .created_at()
        .lt(at(80));
    let page = client(&server)
        .assessment_results()
        .list()
        .filter(filter)
        .include(include::TeamCandidate)
        .include(include::Solutions)
        .order_by(Order::Score.desc())
        .limit(4)
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching: Vec<AssessmentResult> = seeds
        .iter()
        .filter(|r| {
            matches!(r.state, S::Submitted | S::Started)
                && r.score.is_some_and(|s| s >= 30.0)
                && r.created_at < at(80)
        })
        .cloned()
        .collect();
    matching.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap());
    for r in &mut matching {
        r.access_unlocked_by = None;
    }
    check_page(
        "assessment_results",
        &page,
        &matching,
        Some(seeds.len()),
        2,
        4,
        &["team_candidate", "solutions"],
        "AssessmentResult",
    );
    let r = &page.data[0];
    assert_eq!(r.solutions().unwrap().len(), 1);
    assert_eq!(r.team_candidate().unwrap().unwrap().id, r.team_candidate_id);
    assert!(not_included(r.access_unlocked_by()));
    assert!(not_included(r.invitations()));

    // The same query with camelCase `where` keys gives the same page.
    let camel = server
        .client_builder()
        .casing(Casing::Camel)
        .build()
        .unwrap();
    let again = camel
        .assessment_results()
        .list()
        .filter(
            Where::new()
                .team_candidate_id()
                .eq(qualified::team_candidates::TeamCandidateId::new(tc(2)))
                .current_take()
                .eq(true)
                .updated_at()
                .gt(at(5)),
        )
        .send()
        .await
        .unwrap();
    let want: Vec<_> = seeds
        .iter()
        .filter(|r| {
            r.team_candidate_id.as_str() == tc(2)
                && r.current_take == Some(true)
                && r.updated_at > at(5)
        })
        .map(|r| r.id.clone())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(
        again.data.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        want
    );
    assert!(again.data.iter().all(|r| r.solutions.is_none()));
    "assessment_results"
}

async fn list_assessment_result_reviews() -> &'static str {
    use qualified::assessment_result_reviews::{
        AssessmentResultReview, Order, ReviewState, Where, include,
    };
    let server = FakeServer::start().await;
    let seeds: Vec<AssessmentResultReview> = (0..36)
        .map(|i| {
            from(json!({
                "id": hex(5, i), "reviewedById": tm(i % 3), "assessmentId": hex(0x12, 1),
                "assessmentResultId": hex(4, i), "teamCandidateId": tc(i % 4),
                "candidateId": format!("c{i}"),
                "state": (["invited", "started", "submitted"][(i / 3) % 3]),
                "createdAt": ts(minute(i)), "updatedAt": ts(minute(i)),
                "reviewedBy": member(i % 3), "assessment": assessment(1),
            }))
        })
        .collect();
    server.insert_all("assessment_result_reviews", seeds.clone());
    let page = client(&server)
        .assessment_result_reviews()
        .list()
        .filter(
            Where::new()
                .reviewed_by_id()
                .eq(qualified::team_members::TeamMemberId::new(tm(1)))
                .state()
                .ne(ReviewState::Invited),
        )
        .include(include::ReviewedBy)
        .order_by(Order::CreatedAt.asc())
        .limit(3)
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching: Vec<AssessmentResultReview> = seeds
        .iter()
        .filter(|r| r.reviewed_by_id.as_str() == tm(1) && r.state != ReviewState::Invited)
        .cloned()
        .collect();
    matching.sort_by_key(|r| r.created_at);
    for r in &mut matching {
        r.assessment = None;
    }
    check_page(
        "assessment_result_reviews",
        &page,
        &matching,
        Some(seeds.len()),
        2,
        3,
        &["reviewed_by"],
        "AssessmentResultReview",
    );
    assert!(not_included(page.data[0].assessment()));
    "assessment_result_reviews"
}

async fn list_challenges() -> &'static str {
    use qualified::challenges::{Challenge, ChallengeKind, ChallengeType, Order, Where, include};
    let server = FakeServer::start().await;
    let seeds: Vec<Challenge> = (0..40)
        .map(|i| {
            let title = if i % 2 == 0 {
                format!("Graph walk {i}")
            } else {
                format!("Tree sum {i}")
            };
            from(json!({
                "id": hex(6, i), "$type": if i % 3 == 2 { "QuizChallenge" } else { "CodeChallenge" },
                "title": title, "difficulty": i % 5 + 1,
                "state": if i % 4 == 0 { "draft" } else { "published" },
                "createdAt": ts(minute(i)), "updatedAt": ts(minute(i)), "teamId": "team1",
                "labels": ["algorithms", format!("set{}", i % 3)],
                "createdBy": member(i % 2), "solutions": [],
            }))
        })
        .collect();
    server.insert_all("challenges", seeds.clone());
    let page = client(&server)
        .challenges()
        .list()
        .filter(
            Where::new()
                .q("GRAPH")
                .kind()
                .eq(ChallengeType::CodeChallenge)
                .difficulty()
                .lte(4)
                .labels()
                .contains("algo"),
        )
        .include(include::CreatedBy)
        .order_by(Order::Title.asc())
        .limit(3)
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching: Vec<Challenge> = seeds
        .iter()
        .filter(|c| {
            c.title.to_lowercase().contains("graph")
                && matches!(c.kind, ChallengeKind::CodeChallenge(_))
                && c.difficulty.is_some_and(|d| d <= 4)
        })
        .cloned()
        .collect();
    matching.sort_by(|a, b| a.title.cmp(&b.title));
    for c in &mut matching {
        c.solutions = None;
    }
    check_page(
        "challenges",
        &page,
        &matching,
        Some(seeds.len()),
        2,
        3,
        &["created_by"],
        "CodeChallenge",
    );
    assert!(page.data[0].created_by().unwrap().is_some());
    assert!(not_included(page.data[0].solutions()));
    "challenges"
}

async fn list_label_histories() -> &'static str {
    use qualified::label_histories::{LabelHistory, Order, include};
    let server = FakeServer::start().await;
    let seeds: Vec<LabelHistory> = (0..30)
        .map(|i| {
            from(json!({
                "id": hex(7, i), "name": (["senior", "junior", "remote", "onsite", "urgent"][i % 5]),
                "teamId": format!("team{}", i % 2), "labeledId": tc(i % 4),
                "labeledType": "TeamCandidate", "addedAt": ts(minute(i)),
                "addedBy": member(i % 3), "removedBy": member(9),
            }))
        })
        .collect();
    server.insert_all("label_histories", seeds.clone());
    let page = client(&server)
        .label_histories()
        .list()
        .team_id("team1")
        .include(include::AddedBy)
        .order_by(Order::AddedAt.desc())
        .limit(4)
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching: Vec<LabelHistory> = seeds
        .iter()
        .filter(|r| r.team_id == "team1")
        .cloned()
        .collect();
    matching.sort_by_key(|r| std::cmp::Reverse(r.added_at));
    for r in &mut matching {
        r.removed_by = None;
    }
    check_page(
        "label_histories",
        &page,
        &matching,
        Some(seeds.len()),
        2,
        4,
        &["added_by"],
        "LabelHistory",
    );
    assert!(not_included(page.data[0].removed_by()));
    "label_histories"
}

async fn list_notes() -> &'static str {
    use qualified::notes::{Note, include};
    let server = FakeServer::start().await;
    let seeds: Vec<Note> = (0..60)
        .map(|i| {
            from(json!({
                "id": hex(8, i), "userId": tm(i % 3), "notableId": tc(i % 2),
                "notableType": "TeamCandidate", "body": format!("note {i}"),
                "createdAt": ts(minute(i)), "user": member(i % 3), "notable": candidate(i % 2),
            }))
        })
        .collect();
    server.insert_all("notes", seeds.clone());
    let page = client(&server)
        .notes()
        .list()
        .notable_id(tc(0))
        .include(include::User)
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching: Vec<Note> = seeds
        .iter()
        .filter(|r| r.notable_id == tc(0))
        .cloned()
        .collect();
    for r in &mut matching {
        r.notable = None;
    }
    check_page(
        "notes",
        &page,
        &matching,
        Some(seeds.len()),
        2,
        25,
        &["user"],
        "Note",
    );
    assert!(not_included(page.data[0].notable()));
    "notes"
}

async fn list_quiz_questions() -> &'static str {
    use qualified::quiz_questions::{QuizQuestion, include};
    let server = FakeServer::start().await;
    // The model has no `challengeId`; the records carry it as extra JSON, which the fake
    // filters the `challengeId` query parameter on.
    let seeds: Vec<Value> = (0..60)
        .map(|i| {
            json!({
                "id": hex(9, i), "challengeId": hex(0x13, i % 2), "prompt": format!("Q{i}?"),
                "$type": if i % 2 == 0 { "QuizTextQuestion" } else { "QuizMultipleChoiceQuestion" },
                "position": i, "revisions": [{"n": i}],
            })
        })
        .collect();
    for s in &seeds {
        server.insert("quiz_questions", s);
    }
    let page = client(&server)
        .quiz_questions()
        .list(hex(0x13, 1))
        .include(include::Revisions)
        .page(2)
        .send()
        .await
        .unwrap();
    let matching: Vec<QuizQuestion> = seeds
        .iter()
        .filter(|s| s["challengeId"] == hex(0x13, 1))
        .map(|s| from(s.clone()))
        .collect();
    check_page(
        "quiz_questions",
        &page,
        &matching,
        Some(seeds.len()),
        2,
        25,
        &["revisions"],
        "QuizMultipleChoiceQuestion",
    );
    assert_eq!(page.data[0].revisions().unwrap().len(), 1);
    // Without the include, the relation is stripped.
    let bare = client(&server)
        .quiz_questions()
        .list(hex(0x13, 1))
        .send()
        .await
        .unwrap();
    assert!(bare.data.iter().all(|q| not_included(q.revisions())));
    "quiz_questions"
}

async fn list_solutions() -> &'static str {
    use qualified::solutions::{Solution, include};
    let server = FakeServer::start().await;
    let seeds: Vec<Solution> = (0..60)
        .map(|i| {
            from(json!({
                "id": hex(0x0a, i), "$type": "CodeSolution", "createdAt": ts(minute(i)),
                "updatedAt": ts(minute(i)), "challengeId": hex(0x13, i % 2),
                "assessmentResultId": hex(4, i % 5), "score": i as f64,
                "challenge": challenge(i % 2), "clones": [],
            }))
        })
        .collect();
    server.insert_all("solutions", seeds.clone());
    let page = client(&server)
        .solutions()
        .list()
        .challenge_id(hex(0x13, 1))
        .include(include::Challenge)
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching: Vec<Solution> = seeds
        .iter()
        .filter(|r| r.challenge_id.as_str() == hex(0x13, 1))
        .cloned()
        .collect();
    for r in &mut matching {
        r.clones = None;
    }
    check_page(
        "solutions",
        &page,
        &matching,
        Some(seeds.len()),
        2,
        25,
        &["challenge"],
        "CodeSolution",
    );
    assert!(page.data[0].challenge().unwrap().is_some());
    assert!(not_included(page.data[0].clones()));
    "solutions"
}

async fn list_solution_reviews() -> &'static str {
    use qualified::solution_reviews::{SolutionReview, Where, include};
    let server = FakeServer::start().await;
    let seeds: Vec<SolutionReview> = (0..80)
        .map(|i| {
            from(json!({
                "id": hex(0x0b, i), "reviewedById": tm(i % 3), "assessmentId": hex(0x12, 1),
                "assessmentResultId": hex(4, i % 7), "teamCandidateId": tc(i % 5),
                "candidateId": format!("c{i}"), "challengeId": hex(0x13, i % 2),
                "solutionId": hex(0x14, i % 4), "assessmentResultReviewId": hex(5, i % 6),
                "rating": i % 5, "reviewedBy": member(i % 3), "challenge": challenge(i % 2),
                "teamCandidate": candidate(i % 5),
            }))
        })
        .collect();
    server.insert_all("solution_reviews", seeds.clone());
    let page = client(&server)
        .solution_reviews()
        .list()
        .filter(
            Where::new()
                .reviewed_by_id()
                .nin([qualified::team_members::TeamMemberId::new(tm(2))])
                .solution_id()
                .is_in([0, 1, 3].map(|i| qualified::solutions::SolutionId::new(hex(0x14, i)))),
        )
        .include(include::ReviewedBy)
        .include(include::Challenge)
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching: Vec<SolutionReview> = seeds
        .iter()
        .filter(|r| r.reviewed_by_id.as_str() != tm(2) && r.solution_id.as_str() != hex(0x14, 2))
        .cloned()
        .collect();
    for r in &mut matching {
        r.team_candidate = None;
    }
    check_page(
        "solution_reviews",
        &page,
        &matching,
        Some(seeds.len()),
        2,
        25,
        &["reviewed_by", "challenge"],
        "SolutionReview",
    );
    assert!(not_included(page.data[0].team_candidate()));
    "solution_reviews"
}

async fn list_team_candidates() -> &'static str {
    use qualified::team_candidates::{TeamCandidate, Where, include};
    use qualified::types::TeamCandidateState as S;
    let server = FakeServer::start().await;
    let seeds: Vec<TeamCandidate> = (0..120)
        .map(|i| {
            let last = if i % 2 == 0 { "Smith" } else { "Jones" };
            from(json!({
                "id": tc(i), "teamId": "team1",
                "state": (["invited", "started", "submitted", "reviewed", "archived"][i % 5]),
                "createdAt": ts(minute(i)), "updatedAt": ts(minute(i)),
                "email": format!("cand{i}@mail.example"), "firstName": format!("F{i}"),
                "lastName": last, "name": format!("F{i} {last}"),
                "labels": [if i % 3 == 0 { "senior" } else { "junior" }],
                "notes": [{"id": hex(8, i), "userId": tm(1), "notableId": tc(i)}],
                "assessments": [assessment(i % 2)],
            }))
        })
        .collect();
    server.insert_all("team_candidates", seeds.clone());
    let page = client(&server)
        .team_candidates()
        .list()
        .filter(
            Where::new()
                .q("SMITH")
                .state()
                .nin([S::Archived])
                .created_at()
                .gte(at(20)),
        )
        .include(include::Notes)
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching: Vec<TeamCandidate> = seeds
        .iter()
        .filter(|r| {
            r.last_name.as_deref() == Some("Smith")
                && r.state != S::Archived
                && r.created_at >= at(20)
        })
        .cloned()
        .collect();
    for r in &mut matching {
        r.assessments = None;
    }
    check_page(
        "team_candidates",
        &page,
        &matching,
        Some(seeds.len()),
        2,
        25,
        &["notes"],
        "TeamCandidate",
    );
    assert_eq!(page.data[0].notes().unwrap().len(), 1);
    assert!(not_included(page.data[0].assessments()));
    "team_candidates"
}

async fn list_team_members() -> &'static str {
    use qualified::team_members::{TeamMember, include};
    let server = FakeServer::start().await;
    let seeds: Vec<TeamMember> = (0..30)
        .map(|i| {
            let mut m = member(i);
            m["authoredChallenges"] = json!([challenge(i)]);
            m["authoredAssessments"] = json!([assessment(i)]);
            from(m)
        })
        .collect();
    server.insert_all("team_members", seeds.clone());
    let page = client(&server)
        .team_members()
        .list()
        .include(include::AuthoredChallenges)
        .page(2)
        .send()
        .await
        .unwrap();
    let mut matching = seeds.clone();
    for r in &mut matching {
        r.authored_assessments = None;
    }
    check_page(
        "team_members",
        &page,
        &matching,
        None,
        2,
        25,
        &["authored_challenges"],
        "TeamMember",
    );
    assert_eq!(page.data[0].authored_challenges().unwrap().len(), 1);
    assert!(not_included(page.data[0].authored_assessments()));
    "team_members"
}

/// The paged lists without filters, includes or order: one page past the first.
async fn list_paged_only() -> Vec<&'static str> {
    use qualified::assessments::Assessment;
    use qualified::team_notifications::TeamNotification;
    use qualified::webhook_events::WebhookEvent;
    use qualified::webhook_subscriptions::WebhookSubscription;
    let server = FakeServer::start().await;
    let c = client(&server);

    let templates: Vec<Assessment> = (0..27)
        .map(|i| {
            from(json!({"id": hex(0x0c, i), "title": format!("Template {i}"),
                             "state": "published", "teamId": "qualified", "isTemplate": true}))
        })
        .collect();
    server.insert_all("assessment_templates", templates.clone());
    let page = c
        .assessment_templates()
        .list()
        .page(2)
        .send()
        .await
        .unwrap();
    check_page(
        "assessment_templates",
        &page,
        &templates,
        None,
        2,
        25,
        &[],
        "Assessment",
    );

    let notifications: Vec<TeamNotification> = (0..26)
        .map(|i| from(json!({"id": hex(0x0d, i), "teamId": "team1", "message": format!("m{i}")})))
        .collect();
    server.insert_all("team_notifications", notifications.clone());
    let page = c.team_notifications().list().page(2).send().await.unwrap();
    check_page(
        "team_notifications",
        &page,
        &notifications,
        None,
        2,
        25,
        &[],
        "TeamNotification",
    );

    let events: Vec<WebhookEvent> = (0..51)
        .map(|i| {
            from(json!({"id": hex(0x0e, i), "createdAt": ts(minute(i)),
                             "state": (["pending", "posted", "failed"][i % 3])}))
        })
        .collect();
    server.insert_all("webhook_events", events.clone());
    let page = c.webhook_events().list().page(3).send().await.unwrap();
    check_page(
        "webhook_events",
        &page,
        &events,
        None,
        3,
        25,
        &[],
        "WebhookEvent",
    );

    let subscriptions: Vec<WebhookSubscription> = (0..30)
        .map(|i| from(json!({"id": hex(0x0f, i), "url": format!("https://hooks.example/{i}")})))
        .collect();
    server.insert_all("webhook_subscriptions", subscriptions.clone());
    let page = c
        .webhook_subscriptions()
        .list()
        .page(2)
        .send()
        .await
        .unwrap();
    check_page(
        "webhook_subscriptions",
        &page,
        &subscriptions,
        None,
        2,
        25,
        &[],
        "WebhookSubscription",
    );
    vec![
        "assessment_templates",
        "team_notifications",
        "webhook_events",
        "webhook_subscriptions",
    ]
}

#[tokio::test]
async fn every_list_endpoint_answers_a_filtered_included_ordered_paged_query() {
    let started = Instant::now();
    let mut covered: BTreeSet<&str> = [
        list_assessments().await,
        list_assessment_cohorts().await,
        list_assessment_invitations().await,
        list_assessment_results().await,
        list_assessment_result_reviews().await,
        list_challenges().await,
        list_label_histories().await,
        list_notes().await,
        list_quiz_questions().await,
        list_solutions().await,
        list_solution_reviews().await,
        list_team_candidates().await,
        list_team_members().await,
    ]
    .into_iter()
    .collect();
    covered.extend(list_paged_only().await);
    let required: BTreeSet<&str> = OPERATIONS
        .iter()
        .filter(|op| matches!(op.response, "page" | "list"))
        .filter(|op| {
            !op.filters.is_empty() || !op.includes.is_empty() || !op.order_by.is_empty() || op.page
        })
        .map(|op| op.module)
        .collect();
    assert_eq!(
        covered, required,
        "list endpoints covered vs. in OPERATIONS"
    );
    println!(
        "list endpoints: {} of {} covered in {:?}",
        covered.len(),
        required.len(),
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// Streams over 10,000 records.

const MANY: usize = 10_000;

async fn server_with_many_results() -> FakeServer {
    use qualified::assessment_results::{AssessmentResult, AssessmentResultId};
    let server = FakeServer::start().await;
    let mut template: AssessmentResult = from(result_json(1));
    template.team_candidate = None;
    template.solutions = None;
    template.access_unlocked_by = None;
    server.insert_all(
        "assessment_results",
        (0..MANY).map(|i| {
            let mut r = template.clone();
            r.id = AssessmentResultId::new(hex(4, i));
            r
        }),
    );
    server
}

/// Streams every record in pages of 100 and checks each arrives exactly once, in order.
async fn stream_all(client: &Client, mut at_record: impl FnMut(usize)) -> qualified::Result<usize> {
    let mut stream = client.assessment_results().list().limit(100).stream();
    let mut seen = HashSet::with_capacity(MANY);
    let mut n = 0;
    while let Some(record) = stream.try_next().await? {
        assert_eq!(record.id.as_str(), hex(4, n), "record {n} out of order");
        assert!(seen.insert(record.id), "record {n} yielded twice");
        n += 1;
        at_record(n);
    }
    Ok(n)
}

#[tokio::test]
async fn stream_yields_ten_thousand_records_once_each() {
    let server = server_with_many_results().await;
    let started = Instant::now();
    let n = stream_all(&client(&server), |_| {}).await.unwrap();
    assert_eq!(n, MANY);
    let stats = server.stats();
    assert_eq!((stats.requests, stats.served, stats.faults), (100, 100, 0));
    let pages: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(pages[0], "page=1&limit=100");
    assert_eq!(pages[99], "page=100&limit=100");
    println!(
        "stream: {n} records in 100 pages in {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn stream_survives_injected_faults() {
    let server = Arc::new(server_with_many_results().await);
    let client = server
        .client_builder()
        .retry(fast_retry())
        .timeout(Duration::from_millis(1000))
        .build()
        .unwrap();
    let started = Instant::now();
    let s = server.clone();
    let n = stream_all(&client, move |n| match n {
        1_000 => s.fail_next(3, 503),     // a 503 burst: three attempts fail
        3_000 => s.rate_limit_next(1, 1), // 429 with `Retry-After: 1`
        5_000 => s.drop_next(2),          // the connection closes, twice
        7_000 => s.delay_next(1, Duration::from_millis(1600)), // past the 1 s timeout
        8_500 => s.truncate_next(1),      // half a body, then the connection closes
        _ => {}
    })
    .await
    .unwrap();
    assert_eq!(n, MANY);
    let stats = server.stats();
    let requests = server.requests();
    // A fault is survived when the same page was then served without one.
    let survived = requests
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            r.fault.is_some()
                && requests[i + 1..]
                    .iter()
                    .any(|later| later.query == r.query && later.fault.is_none())
        })
        .count();
    println!(
        "faults: injected {}, survived {survived} ({} requests, {MANY} records, {:?})",
        stats.faults,
        stats.requests,
        started.elapsed()
    );
    assert_eq!(stats.faults, 8);
    assert_eq!(survived, 8);
    assert_eq!((stats.requests, stats.served), (108, 100));
    assert_eq!(server.pending_faults(), 0);
}

#[tokio::test]
async fn each_fault_surfaces_as_its_error_without_retries() {
    let server = FakeServer::start().await;
    server.insert(
        "team_members",
        &from::<qualified::team_members::TeamMember>(member(1)),
    );
    let once = server
        .client_builder()
        .retry(RetryPolicy::none())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let get = || once.team_members().get(tm(1)).send();

    server.fail_next(1, 500);
    let e = get().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Api {
                status: 500,
                attempts: 1,
                ..
            }
        ),
        "{e:?}"
    );

    server.rate_limit_next(1, 7);
    let e = get().await.unwrap_err();
    assert!(matches!(e, Error::Api { status: 429, .. }), "{e:?}");

    server.drop_next(1);
    let e = get().await.unwrap_err();
    assert!(matches!(e, Error::Transport { attempts: 1, .. }), "{e:?}");

    server.truncate_next(1);
    let e = get().await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");

    server.delay_next(1, Duration::from_millis(1000));
    let e = get().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { attempts: 1, .. }), "{e:?}");

    // The server is fine afterwards, and a retrying client gets through a burst.
    assert_eq!(get().await.unwrap().data.id.as_str(), tm(1));
    server.fail_next(2, 502);
    let r = client(&server)
        .team_members()
        .get(tm(1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.email, "member1@team.example");
    let stats = server.stats();
    assert_eq!((stats.requests, stats.faults), (9, 7));
}

#[tokio::test]
async fn post_is_retried_only_when_asked() {
    use qualified::webhook_subscriptions::EventTriggers;
    let server = FakeServer::start().await;
    let triggers = || from::<EventTriggers>(json!({"teamCandidateSubmittedAssessment": true}));

    // Default policy: GET/PUT/DELETE are retried, POST is not.
    let c = client(&server);
    server.fail_next(1, 503);
    let e = c
        .webhook_subscriptions()
        .create("https://hooks.example/a", triggers())
        .send()
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.attempts()), (Some(503), Some(1)), "{e:?}");
    server.drop_next(1);
    let e = c
        .webhook_subscriptions()
        .create("https://hooks.example/a", triggers())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { attempts: 1, .. }), "{e:?}");
    assert!(server.records("webhook_subscriptions").is_empty());
    assert_eq!(server.stats().requests, 2);

    // With retry_post, the same burst is survived and the record is created once.
    let c = server
        .client_builder()
        .retry(fast_retry().retry_post(true))
        .build()
        .unwrap();
    server.fail_next(2, 503);
    let created = c
        .webhook_subscriptions()
        .create("https://hooks.example/a", triggers())
        .send()
        .await
        .unwrap();
    assert_eq!(server.records("webhook_subscriptions").len(), 1);
    assert_eq!(server.stats().requests, 5);

    // PUT is idempotent: retried by default.
    server.fail_next(1, 503);
    let updated = client(&server)
        .webhook_subscriptions()
        .update(created.data.id.clone())
        .name("renamed")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.name.as_deref(), Some("renamed"));
    println!(
        "post: not retried (1 attempt), retried with retry_post ({} requests in all)",
        server.stats().requests
    );
}

// ---------------------------------------------------------------------------------------
// Writes, validation, auth.

#[tokio::test]
async fn writes_change_the_store() {
    use qualified::assessments::{Assessment, AssessmentState};
    use qualified::webhook_subscriptions::EventTriggers;
    let server = FakeServer::start().await;
    let c = client(&server);

    let created = c
        .webhook_subscriptions()
        .create("https://hooks.example/x", from::<EventTriggers>(json!({})))
        .name("first")
        .send()
        .await
        .unwrap();
    let id = created.data.id.clone();
    assert_eq!(id.as_str().len(), 24);
    assert!(id.as_str().chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(created.type_name.as_deref(), Some("WebhookSubscription"));
    assert_eq!(created.url, "https://hooks.example/x");
    let fetched = c
        .webhook_subscriptions()
        .get(id.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.data, created.data);
    let updated = c
        .webhook_subscriptions()
        .update(id.clone())
        .name("second")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (updated.name.as_deref(), updated.url.as_str()),
        (Some("second"), "https://hooks.example/x")
    );
    assert_eq!(
        c.webhook_subscriptions()
            .list()
            .send()
            .await
            .unwrap()
            .total_count,
        1
    );
    c.webhook_subscriptions()
        .delete(id.clone())
        .send()
        .await
        .unwrap();
    let e = c
        .webhook_subscriptions()
        .get(id.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
    let page = c.webhook_subscriptions().list().send().await.unwrap();
    assert_eq!(
        (page.total_count, page.total_pages, page.data.len()),
        (0, 1, 0)
    );

    // A state action.
    let a: Assessment = from(assessment(5));
    let aid = server.insert("assessments", &{
        let mut a = a.clone();
        a.state = AssessmentState::Draft;
        a
    });
    let published = c.assessments().archive(aid.clone()).send().await.unwrap();
    assert_eq!(published.state, AssessmentState::Archived);
    let published = c.assessments().publish(aid.clone()).send().await.unwrap();
    assert_eq!(published.state, AssessmentState::Published);
    assert_eq!(
        server.record("assessments", &aid).unwrap()["state"],
        "published"
    );
}

#[tokio::test]
async fn the_fake_checks_the_key_and_the_whitelists() {
    let server = FakeServer::start().await;
    let http = reqwest::Client::new();
    let url = |q: &str| format!("{}/v1/assessment_results{q}", server.url());
    let send = |q: String, key: Option<&str>| {
        let mut r = http.get(q);
        if let Some(k) = key {
            r = r.header("authorization", k);
        }
        async move {
            let resp = r.send().await.unwrap();
            let status = resp.status().as_u16();
            (
                status,
                serde_json::from_slice::<Value>(&resp.bytes().await.unwrap()).unwrap(),
            )
        }
    };
    let key = Some(server.api_key());
    assert_eq!(send(url(""), None).await.0, 401);
    assert_eq!(send(url(""), Some("wrong")).await.0, 401);
    assert_eq!(send(url(""), key).await.0, 200);

    let (status, body) = send(url("?where=%7B%22nope%22%3A1%7D"), key).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("`nope`"),
        "{body}"
    );
    let (status, body) = send(url("?where=%7B%22score%22%3A%7B%22~%22%3A1%7D%7D"), key).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = send(url("?includes=revisions"), key).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("`revisions`"),
        "{body}"
    );
    let (status, body) = send(url("?order_by=nope%20DESC"), key).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("`nope`"),
        "{body}"
    );
    assert_eq!(send(url("?page=0"), key).await.0, 400);
    let (status, _) = send(url("?includes[]=solutions&includes[]=teamCandidate"), key).await;
    assert_eq!(status, 200);

    // The typed client sees the 401 as an API error, not retried.
    let wrong = Client::builder()
        .api_key("not-the-key")
        .base_url(server.url())
        .allow_http(true)
        .build()
        .unwrap();
    let e = wrong.assessment_results().list().send().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Api {
                status: 401,
                attempts: 1,
                ..
            }
        ),
        "{e:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Secrets.

const SECRET: &str = "sk-live-Zq7T4mX9pL2vR8wK";

#[tokio::test]
async fn the_key_is_in_no_formatted_value_and_no_log_line() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = FakeServer::start_with_key(SECRET).await;
    // A record that echoes the key, and lacks required fields (a decode error).
    server.insert(
        "assessment_results",
        &json!({"id": "leaky", "candidateId": SECRET, "note": format!("key={SECRET}")}),
    );
    let builder = server
        .client_builder()
        .retry(fast_retry())
        .timeout(Duration::from_millis(500));
    let c = builder.clone().build().unwrap();

    let mut errors: Vec<Error> = Vec::new();
    // A 404 whose message holds the key (the key as an id).
    errors.push(c.assessment_results().get(SECRET).send().await.unwrap_err());
    // A decode error whose body holds the key.
    errors.push(
        c.assessment_results()
            .get("leaky")
            .send()
            .await
            .unwrap_err(),
    );
    // Retried errors, then a 503 that stays.
    server.fail_next(10, 503);
    errors.push(c.assessment_results().list().send().await.unwrap_err());
    server.clear_faults();
    // A timeout and a transport error.
    server.delay_next(5, Duration::from_millis(800));
    errors.push(c.team_members().list().send().await.unwrap_err());
    server.clear_faults();
    server.drop_next(5);
    errors.push(c.team_members().list().send().await.unwrap_err());
    server.clear_faults();
    // Configuration errors that involve the key.
    errors.push(Client::new(format!("{SECRET}\n")).unwrap_err());
    errors.push(
        Client::builder()
            .api_key(SECRET)
            .base_url("http://example.com/api")
            .build()
            .unwrap_err(),
    );
    // A request that succeeds, with retries on the way.
    server.fail_next(2, 502);
    c.team_members().list().send().await.unwrap();

    let kinds: BTreeSet<&str> = errors
        .iter()
        .map(|e| match e {
            Error::Api { .. } => "api",
            Error::Decode { .. } => "decode",
            Error::Timeout { .. } => "timeout",
            Error::Transport { .. } => "transport",
            Error::Config { .. } => "config",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds.len(), 5, "{kinds:?}");
    let mut texts = vec![
        format!("{c:?}"),
        format!("{c:#?}"),
        format!("{builder:?}"),
        format!("{server:?}"),
    ];
    for e in &errors {
        texts.push(format!("{e}"));
        texts.push(format!("{e:?}"));
        texts.push(format!("{e:#?}"));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            texts.push(format!("{s} {s:?}"));
            source = s.source();
        }
    }
    for t in &texts {
        assert!(!t.contains(SECRET), "the key leaked into: {t}");
    }
    // The key did reach the errors' raw material, and was scrubbed there.
    assert!(texts.iter().any(|t| t.contains("[redacted]")));

    let logged = logs.text();
    assert!(
        logged.contains("qualified.request"),
        "no request logs captured"
    );
    assert!(
        logged.contains("retrying request"),
        "no retry logs captured"
    );
    assert!(!logged.contains(SECRET), "the key leaked into the logs");
    println!(
        "secrets: {} formatted values, {} log lines, key in none",
        texts.len(),
        logged.lines().count()
    );
}

#[tokio::test]
async fn hostile_ids_stay_inside_their_path_segment() {
    use qualified::assessment_results::AssessmentResult;
    let server = FakeServer::start().await;
    let c = client(&server);
    for (hostile, encoded) in [
        ("a/b", "a%2Fb"),
        ("a?b=c", "a%3Fb%3Dc"),
        ("a#b", "a%23b"),
        ("../x", "..%2Fx"),
        ("%2e%2e", "%252e%252e"),
    ] {
        let mut seed = result_json(1);
        seed["id"] = json!(hostile);
        server.insert("assessment_results", &from::<AssessmentResult>(seed));
        let before = server.requests().len();
        let got = c.assessment_results().get(hostile).send().await;
        let seen = server.requests();
        assert_eq!(seen.len(), before + 1, "{hostile}: one request");
        let last = seen.last().unwrap();
        assert_eq!(
            last.path,
            format!("/api/v1/assessment_results/{encoded}"),
            "{hostile}: raw path"
        );
        assert_eq!(last.query, None, "{hostile}: no query");
        assert_eq!(last.operation.as_deref(), Some("assessment_results.get"));
        assert_eq!(last.params, vec![("id".to_owned(), hostile.to_owned())]);
        assert_eq!(got.unwrap().data.id.as_str(), hostile);
    }
    // Values that cannot be a segment are refused before anything is sent.
    let before = server.requests().len();
    for bad in ["", ".", ".."] {
        let e = c.assessment_results().get(bad).send().await.unwrap_err();
        assert!(matches!(e, Error::Encode { .. }), "{bad:?}: {e:?}");
        assert!(
            e.to_string().contains("must not be empty, `.` or `..`"),
            "{e}"
        );
    }
    assert_eq!(server.requests().len(), before);
}

// ---------------------------------------------------------------------------------------
// What the fake takes from the spec's tables (`Operation.record`, `RESOURCES`).

/// `GET` through plain HTTP, for what the typed client does not show (raw envelopes).
async fn raw_get(server: &FakeServer, path_and_query: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path_and_query}", server.url()))
        .header("authorization", server.api_key())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (
        status,
        serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn envelope_types_come_from_the_operations_table() {
    use qualified::challenges::ChallengeKind;
    let server = FakeServer::start().await;
    let c = client(&server);

    // Templates: their own store (module `assessment_templates`), `Assessment` records, even
    // when inserted as plain JSON (no Rust model to name them).
    for i in 0..3 {
        server.insert(
            "assessment_templates",
            &json!({"id": hex(0x0c, i), "title": format!("T{i}"), "state": "published",
                    "teamId": "qualified", "isTemplate": true}),
        );
    }
    assert!(server.records("assessments").is_empty());
    let page = c.assessment_templates().list().send().await.unwrap();
    assert_eq!(page.type_name.as_deref(), Some("Assessment"));
    assert_eq!(page.total_count, 3);
    let imported = c
        .assessment_templates()
        .import(hex(0x0c, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.type_name.as_deref(), Some("Assessment"));

    // `team_member_privileges.update` answers `TeamMember` records (from the team members'
    // store); a `$type` field of a resource without a polymorphic tag is just a field.
    let mut m = member(1);
    m["$type"] = json!("Bogus");
    server.insert("team_members", &m);
    let updated = c
        .team_member_privileges()
        .update(tm(1))
        .view_challenges(qualified::team_members::PrivilegeScope::All)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.type_name.as_deref(), Some("TeamMember"));
    assert_eq!(updated.r#type, "Bogus");
    assert_eq!(
        server.requests().last().unwrap().operation.as_deref(),
        Some("team_member_privileges.update")
    );
    let (status, body) = raw_get(&server, "/v1/team_members").await;
    assert_eq!((status, body["type"].clone()), (200, json!("TeamMember")));
    // A 404 names the endpoint's record type.
    let (status, body) = raw_get(&server, "/v1/webhook_events/nope").await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "WebhookEvent `nope` not found");

    // A polymorphic resource: the variant when every record names the same one (as the API
    // does), else `op.record`.
    let mut quiz = challenge(2);
    quiz["$type"] = json!("QuizChallenge");
    server.insert_all("challenges", [challenge(0), challenge(1), quiz]);
    let one = c.challenges().get(hex(0x13, 2)).send().await.unwrap();
    assert_eq!(one.type_name.as_deref(), Some("QuizChallenge"));
    assert!(matches!(one.kind, ChallengeKind::QuizChallenge(_)));
    let mixed = c.challenges().list().send().await.unwrap();
    assert_eq!(
        (mixed.type_name.as_deref(), mixed.total_count),
        (Some("Challenge"), 3)
    );
    let page1 = c.challenges().list().limit(2).send().await.unwrap();
    assert_eq!(page1.type_name.as_deref(), Some("CodeChallenge"));
    server.clear();
    let empty = c.challenges().list().send().await.unwrap();
    assert_eq!(empty.type_name.as_deref(), Some("Challenge"));
}

/// An assessment result without any embedded relation.
fn bare_result(i: usize, team_candidate: usize) -> Value {
    json!({
        "id": hex(4, i), "assessmentId": hex(0x12, 1), "candidateId": format!("c{i}"),
        "teamCandidateId": tc(team_candidate), "teamId": "team1", "state": "submitted",
        "score": 50.0, "createdAt": ts(i), "updatedAt": ts(i),
        "accessUnlockedBy": member(1),
    })
}

fn solution(i: usize, result: usize) -> Value {
    json!({"id": hex(0x14, i), "$type": "CodeSolution", "createdAt": ts(i), "updatedAt": ts(i),
           "challengeId": hex(0x13, 1), "assessmentResultId": hex(4, result)})
}

#[tokio::test]
async fn relations_follow_the_resource_table() {
    use qualified::assessment_results::include as ar;
    use qualified::assessments::include as asm;
    use qualified::team_candidates::include as tcs;
    let server = FakeServer::start().await;
    let c = client(&server);
    server.insert("assessment_results", &bare_result(1, 1));
    server.insert("assessment_results", &bare_result(2, 2));
    let mut cand = candidate(1);
    cand["notes"] = json!([{"id": hex(8, 1), "userId": tm(1), "notableId": tc(1)}]);
    cand["assessmentIds"] = json!([hex(0x12, 1), hex(0x12, 3), hex(0x12, 9)]);
    server.insert("team_candidates", &cand);
    server.insert("team_candidates", &candidate(2));
    server.insert_all(
        "solutions",
        [solution(1, 1), solution(2, 2), solution(3, 1)],
    );
    server.insert_all("assessments", [assessment(1), assessment(2), assessment(3)]);

    // One record by `<relation>_id`, a list by `<holder>_id` on the related records; a
    // requested relation found nowhere is `[]` (`many`) or `null`; one not requested is
    // stripped even when stored.
    let r = c
        .assessment_results()
        .get(hex(4, 1))
        .include(ar::TeamCandidate)
        .include(ar::Solutions)
        .include(ar::Invitations)
        .include(ar::ReopenedBy)
        .send()
        .await
        .unwrap();
    let embedded = r.team_candidate().unwrap().unwrap();
    assert_eq!(embedded.id.as_str(), tc(1));
    assert!(
        not_included(embedded.notes()),
        "an embedded record comes without its own relations"
    );
    let ids: Vec<&str> = r
        .solutions()
        .unwrap()
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(ids, [hex(0x14, 1), hex(0x14, 3)]);
    assert!(r.invitations().unwrap().is_empty());
    assert!(r.reopened_by().unwrap().is_none());
    assert!(not_included(r.access_unlocked_by()));
    assert!(not_included(r.assessment()));
    let (_, raw) = raw_get(
        &server,
        &format!(
            "/v1/assessment_results/{}?includes=invitations,reopenedBy",
            hex(4, 2)
        ),
    )
    .await;
    assert_eq!(raw["data"]["invitations"], json!([]));
    assert_eq!(raw["data"]["reopenedBy"], Value::Null);
    assert!(raw["data"].get("accessUnlockedBy").is_none());

    // The same in a list, record by record.
    let page = c
        .assessment_results()
        .list()
        .include(ar::TeamCandidate)
        .include(ar::Solutions)
        .send()
        .await
        .unwrap();
    for r in &page.data {
        assert_eq!(r.team_candidate().unwrap().unwrap().id, r.team_candidate_id);
        assert!(
            r.solutions()
                .unwrap()
                .iter()
                .all(|s| s.assessment_result_id.as_ref() == Some(&r.id))
        );
    }
    assert_eq!(page.data[1].solutions().unwrap().len(), 1);

    // A list by the holder's `<relation, singular>_ids`, ids missing from the store skipped.
    let t = c
        .team_candidates()
        .get(tc(1))
        .include(tcs::Assessments)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = t
        .assessments()
        .unwrap()
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(ids, [hex(0x12, 1), hex(0x12, 3)]);
    assert!(not_included(t.notes()));

    // A nested include: `challenge_items.challenge`, kept when stored, else found by the
    // item's `challengeId`; stripped from every item when not requested.
    server.insert_all("challenges", [challenge(1), challenge(2)]);
    let mut a = assessment(7);
    a["challengeItems"] = json!([
        {"id": "i1", "challengeId": hex(0x13, 2), "position": 1, "disabledLanguages": []},
        {"id": "i2", "challengeId": hex(0x13, 1), "position": 2, "disabledLanguages": [],
         "challenge": challenge(1)},
        {"id": "i3", "challengeId": hex(0x13, 5), "position": 3, "disabledLanguages": []},
    ]);
    server.insert("assessments", &a);
    let got = c
        .assessments()
        .get(hex(0x12, 7))
        .include(asm::ChallengeItemsChallenge)
        .send()
        .await
        .unwrap();
    let items = got.challenge_items.as_ref().unwrap();
    let titles: Vec<Option<String>> = items
        .iter()
        .map(|i| i.challenge().unwrap().map(|c| c.title.clone()))
        .collect();
    assert_eq!(
        titles,
        [
            Some("Challenge 2".to_owned()),
            Some("Challenge 1".to_owned()),
            None
        ]
    );
    let bare = c.assessments().get(hex(0x12, 7)).send().await.unwrap();
    let items = bare.challenge_items.as_ref().unwrap();
    assert!(items.iter().all(|i| not_included(i.challenge())));
}

#[tokio::test]
async fn the_polymorphic_tag_comes_from_the_resource_table() {
    use qualified::challenges::{ChallengeKind, ChallengeType, Where};
    let server = FakeServer::start().await;
    let c = client(&server);
    // Records may come with the tag spelled `_type` (as in webhook payloads): the fake
    // stores it under the spec's key, `$type`.
    let mut quiz = challenge(1);
    quiz.as_object_mut().unwrap().remove("$type");
    quiz["_type"] = json!("QuizChallenge");
    server.insert_all("challenges", [challenge(0), quiz, challenge(2)]);
    let stored = server.record("challenges", &hex(0x13, 1)).unwrap();
    assert_eq!(stored["$type"], "QuizChallenge");
    assert!(stored.get("_type").is_none());

    // `where` on the tag (`_type`) and the `$type` query parameter both read it.
    let by_where = c
        .challenges()
        .list()
        .filter(Where::new().kind().eq(ChallengeType::QuizChallenge))
        .send()
        .await
        .unwrap();
    let by_query = c
        .challenges()
        .list()
        .r#type(ChallengeType::QuizChallenge)
        .send()
        .await
        .unwrap();
    for page in [&by_where, &by_query] {
        assert_eq!(page.total_count, 1);
        assert_eq!(page.type_name.as_deref(), Some("QuizChallenge"));
        assert!(matches!(page.data[0].kind, ChallengeKind::QuizChallenge(_)));
    }
    let code = c
        .challenges()
        .list()
        .filter(Where::new().kind().ne(ChallengeType::QuizChallenge))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (code.total_count, code.type_name.as_deref()),
        (2, Some("CodeChallenge"))
    );

    // An update that spells the tag `_type` changes the stored `$type`.
    let http = reqwest::Client::new();
    let resp = http
        .put(format!("{}/v1/challenges/{}", server.url(), hex(0x13, 0)))
        .header("authorization", server.api_key())
        .header("content-type", "application/json")
        .body(json!({"data": {"_type": "QuizChallenge"}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(body["type"], "QuizChallenge");
    assert_eq!(
        server.record("challenges", &hex(0x13, 0)).unwrap()["$type"],
        "QuizChallenge"
    );
}
