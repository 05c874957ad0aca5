//! Every resource module, over real HTTP: at least one endpoint of each is sent to an axum
//! server on 127.0.0.1:0, which records what it received (method, raw path, headers, query,
//! body). The recorded request is checked against the spec's endpoint table
//! (`qualified::operations::OPERATIONS`) and against the expected query and JSON body.
//!
//! The server answers `{}` (or `204` for `DELETE`), so most responses do not decode: only
//! the request matters here, and the only error accepted is a decode error.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request as HttpRequest, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::DateTime;
use qualified::operations::OPERATIONS;
use qualified::{
    Casing, Client, Error, RetryPolicy, assessment_cohorts, assessment_result_reviews,
    assessment_results, assessments, challenges, label_histories, notes, quiz_questions,
    solution_reviews, solutions, team_candidates, team_members, webhook_subscriptions,
};
use serde_json::{Value, json};

mod support;
use support::{Captured, serve};

const KEY: &str = "1MnbNTTL1O-test";

type Log = Arc<Mutex<Vec<Captured>>>;

async fn record(State(log): State<Log>, req: HttpRequest) -> Response {
    let captured = Captured::of(req).await;
    let method = captured.method.clone();
    log.lock().unwrap().push(captured);
    let mut response = if method == "DELETE" {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from("{}"))
    };
    if method == "DELETE" {
        *response.status_mut() = StatusCode::NO_CONTENT;
    } else {
        response
            .headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
    }
    response
}

struct Server {
    client: Client,
    log: Log,
    covered: BTreeSet<&'static str>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    async fn start(casing: Casing) -> Server {
        let log = Log::default();
        let (addr, task) = serve(Router::new().fallback(record).with_state(log.clone())).await;
        let client = Client::builder()
            .api_key(KEY)
            .base_url(&format!("http://{addr}/api"))
            .allow_http(true)
            .casing(casing)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        Server {
            client,
            log,
            covered: BTreeSet::new(),
            task,
        }
    }

    /// Awaits `call`, and returns the one request it made, after checking it against the
    /// endpoint `module::name` of the spec: method, path, `Authorization`, `Content-Type`.
    async fn exchange<T: std::fmt::Debug>(
        &mut self,
        module: &'static str,
        name: &str,
        call: impl Future<Output = qualified::Result<T>>,
    ) -> Captured {
        let before = self.log.lock().unwrap().len();
        match call.await {
            Ok(_) | Err(Error::Decode { .. }) => {}
            Err(other) => panic!("{module}::{name}: {other:?}"),
        }
        let log = self.log.lock().unwrap();
        assert_eq!(log.len(), before + 1, "{module}::{name}: one request");
        let got = log[before].clone();
        drop(log);

        let op = OPERATIONS
            .iter()
            .find(|op| op.module == module && op.name == name)
            .unwrap_or_else(|| panic!("no operation {module}::{name}"));
        assert_eq!(got.method, op.method, "{module}::{name}");
        let path = got
            .path
            .strip_prefix("/api")
            .unwrap_or_else(|| panic!("{module}::{name}: {} lacks the base path", got.path));
        assert!(
            path_matches(op.path, path),
            "{module}::{name}: {path} does not match {}",
            op.path
        );
        assert_eq!(got.header("authorization"), Some(KEY), "{module}::{name}");
        if got.body.is_empty() {
            assert_eq!(got.header("content-type"), None, "{module}::{name}");
        } else {
            assert_eq!(
                got.header("content-type"),
                Some("application/json"),
                "{module}::{name}"
            );
        }
        self.covered.insert(module);
        got
    }
}

/// Whether `path` fills in the template (`{name}` matches one non-empty segment).
fn path_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            if t.starts_with('{') && t.ends_with('}') {
                !p.is_empty()
            } else {
                t == p
            }
        })
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The `where` parameter, parsed.
fn where_json(got: &Captured) -> Value {
    let found: Vec<String> = got
        .query_pairs()
        .into_iter()
        .filter(|(k, _)| k == "where")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(found.len(), 1, "{:?}", got.query);
    serde_json::from_str(&found[0]).unwrap()
}

fn no_body(got: &Captured) {
    assert!(
        got.body.is_empty(),
        "{} {}: {:?}",
        got.method,
        got.path,
        got.body
    );
}

fn event_triggers() -> webhook_subscriptions::EventTriggers {
    // The model has no constructor and no `Default`: every field would have to be written.
    serde_json::from_value(json!({
        "teamCandidateStartedAssessment": true,
        "assessmentResultSubmitted": true,
        "noteCreated": false,
    }))
    .unwrap()
}

#[tokio::test]
async fn every_resource_module_sends_what_the_spec_says() {
    let mut s = Server::start(Casing::Snake).await;
    let c = s.client.clone();

    // assessments
    let got = s
        .exchange(
            "assessments",
            "create",
            c.assessments()
                .create("Backend")
                .summary("Rust and SQL")
                .labels(vec!["senior".to_owned()])
                .send(),
        )
        .await;
    assert_eq!(got.path, "/api/v1/assessments");
    assert_eq!(got.query, None);
    assert_eq!(
        got.json(),
        json!({"data": {"title": "Backend", "summary": "Rust and SQL", "labels": ["senior"]}})
    );
    let got = s
        .exchange(
            "assessments",
            "list",
            c.assessments()
                .list()
                .include(assessments::include::CreatedBy)
                .order_by(assessments::Order::Title.asc())
                .page(2)
                .send(),
        )
        .await;
    assert_eq!(
        got.query_pairs(),
        pairs(&[
            ("includes", "created_by"),
            ("order_by", "title ASC"),
            ("page", "2")
        ])
    );
    no_body(&got);

    // assessment_challenge_items: the documented example (snake casing).
    let got = s
        .exchange(
            "assessment_challenge_items",
            "create",
            c.assessment_challenge_items()
                .create("5da42a8ea54d75e0663421c2", "5fa42a8ea54d75e066342d39")
                .send(),
        )
        .await;
    assert_eq!(
        got.path,
        "/api/v1/assessments/5da42a8ea54d75e0663421c2/challenge_items/"
    );
    assert_eq!(
        got.json(),
        json!({"data": {"challenge_id": "5fa42a8ea54d75e066342d39"}})
    );

    // assessment_cohorts
    let got = s
        .exchange(
            "assessment_cohorts",
            "list",
            c.assessment_cohorts()
                .list()
                .filter(
                    assessment_cohorts::Where::new()
                        .title()
                        .contains("Spring")
                        .created_at()
                        .gte(DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap()),
                )
                .order_by(assessment_cohorts::Order::CreatedAt.desc())
                .page(1)
                .limit(10)
                .send(),
        )
        .await;
    assert_eq!(
        where_json(&got),
        json!({"title": {"contains": "Spring"}, "created_at": {">=": "2024-01-01T00:00:00Z"}})
    );
    let rest: Vec<(String, String)> = got
        .query_pairs()
        .into_iter()
        .filter(|(k, _)| k != "where")
        .collect();
    assert_eq!(
        rest,
        pairs(&[
            ("order_by", "created_at DESC"),
            ("page", "1"),
            ("limit", "10")
        ])
    );
    let got = s
        .exchange(
            "assessment_cohorts",
            "delete",
            c.assessment_cohorts().delete("co-1").send(),
        )
        .await;
    assert_eq!(got.path, "/api/v1/assessment_cohorts/co-1");
    no_body(&got);

    // assessment_invitations
    let got = s
        .exchange(
            "assessment_invitations",
            "invite_candidates",
            c.assessment_invitations()
                .invite_candidates(vec!["jane@example.com".to_owned()], "as-1")
                .send_email_to_candidate(false)
                .custom_message("Welcome")
                .expires_at(DateTime::parse_from_rfc3339("2024-02-01T12:00:00+01:00").unwrap())
                .send(),
        )
        .await;
    assert_eq!(
        got.json(),
        json!({"data": {
            "candidates": ["jane@example.com"],
            "assessment_id": "as-1",
            "send_email_to_candidate": false,
            "custom_message": "Welcome",
            "expires_at": "2024-02-01T12:00:00+01:00",
        }})
    );

    // assessment_results
    let got = s
        .exchange(
            "assessment_results",
            "terminate",
            c.assessment_results()
                .terminate("ar-1")
                .closed_reason(assessment_results::ClosedReason::TeamDecided)
                .send(),
        )
        .await;
    assert_eq!(got.path, "/api/v1/assessment_results/ar-1/terminate");
    assert_eq!(
        got.json(),
        json!({"data": {"closed_reason": "team_decided"}})
    );
    let got = s
        .exchange(
            "assessment_results",
            "share",
            c.assessment_results()
                .share("ar-1")
                .hide("candidateName,reviews")
                .send(),
        )
        .await;
    assert_eq!(
        got.query_pairs(),
        pairs(&[("hide", "candidateName,reviews")])
    );
    no_body(&got);

    // assessment_result_reviews
    let got = s
        .exchange(
            "assessment_result_reviews",
            "create",
            c.assessment_result_reviews()
                .create("ar-1")
                .rating(4)
                .feedback("Solid")
                .send(),
        )
        .await;
    assert_eq!(
        got.json(),
        json!({"data": {"assessment_result_id": "ar-1", "rating": 4, "feedback": "Solid"}})
    );
    let got = s
        .exchange(
            "assessment_result_reviews",
            "list",
            c.assessment_result_reviews()
                .list()
                .filter(
                    assessment_result_reviews::Where::new()
                        .assessment_result_id()
                        .eq(qualified::assessment_results::AssessmentResultId::from("ar-1")),
                )
                .send(),
        )
        .await;
    assert_eq!(where_json(&got), json!({"assessment_result_id": "ar-1"}));

    // assessment_templates
    let got = s
        .exchange(
            "assessment_templates",
            "import",
            c.assessment_templates()
                .import("tpl-1")
                .title("My copy")
                .send(),
        )
        .await;
    assert_eq!(got.path, "/api/v1/assessment_templates/tpl-1/import");
    assert_eq!(got.json(), json!({"data": {"title": "My copy"}}));

    // challenges
    let got = s
        .exchange(
            "challenges",
            "get",
            c.challenges()
                .get("ch-1")
                .include(challenges::include::CreatedBy)
                .include(challenges::include::Revisions)
                .send(),
        )
        .await;
    assert_eq!(got.path, "/api/v1/challenges/ch-1");
    assert_eq!(
        got.query_pairs(),
        pairs(&[("includes[]", "created_by"), ("includes[]", "revisions")])
    );
    let got = s
        .exchange(
            "challenges",
            "list",
            c.challenges()
                .list()
                .r#type(challenges::ChallengeType::CodeChallenge)
                .templates(false)
                .filter(
                    challenges::Where::new()
                        .digest_languages_name()
                        .eq(qualified::types::Language::Python),
                )
                .send(),
        )
        .await;
    assert_eq!(where_json(&got), json!({"digest.languages.name": "python"}));
    let rest: Vec<(String, String)> = got
        .query_pairs()
        .into_iter()
        .filter(|(k, _)| k != "where")
        .collect();
    assert_eq!(
        rest,
        pairs(&[("templates", "false"), ("$type", "CodeChallenge")])
    );
    let got = s
        .exchange(
            "challenges",
            "create_code_challenge",
            c.challenges()
                .create_code_challenge("FizzBuzz")
                .difficulty(2)
                .sample_test_cases_enabled(true)
                .send(),
        )
        .await;
    let body = got.json();
    assert_eq!(body["data"]["title"], "FizzBuzz");
    assert_eq!(body["data"]["difficulty"], 2);
    assert_eq!(body["data"]["sample_test_cases_enabled"], true);

    // label_histories
    let got = s
        .exchange(
            "label_histories",
            "list",
            c.label_histories()
                .list()
                .team_id("team-1")
                .include(label_histories::include::AddedBy)
                .limit(5)
                .send(),
        )
        .await;
    assert_eq!(
        got.query_pairs(),
        pairs(&[
            ("team_id", "team-1"),
            ("includes", "added_by"),
            ("limit", "5")
        ])
    );

    // notes
    let got = s
        .exchange(
            "notes",
            "create",
            c.notes()
                .create("tc-1", "TeamCandidate")
                .body("Called, no answer")
                .send(),
        )
        .await;
    assert_eq!(
        got.json(),
        json!({"data": {"notable_id": "tc-1", "notable_type": "TeamCandidate", "body": "Called, no answer"}})
    );
    let got = s
        .exchange(
            "notes",
            "list",
            c.notes()
                .list()
                .notable_id("tc-1")
                .include(notes::include::User)
                .send(),
        )
        .await;
    assert_eq!(
        got.query_pairs(),
        pairs(&[("notable_id", "tc-1"), ("includes", "user")])
    );

    // quiz_questions
    let got = s
        .exchange(
            "quiz_questions",
            "list",
            c.quiz_questions().list("ch-9").page(2).send(),
        )
        .await;
    assert_eq!(
        got.query_pairs(),
        pairs(&[("challengeId", "ch-9"), ("page", "2")])
    );
    let got = s
        .exchange(
            "quiz_questions",
            "create",
            c.quiz_questions()
                .create(
                    "Why?",
                    quiz_questions::QuizQuestionType::QuizTextQuestion,
                    "ch-9",
                )
                .min_characters(10)
                .send(),
        )
        .await;
    assert_eq!(
        got.json(),
        json!({"data": {"prompt": "Why?", "$type": "QuizTextQuestion", "challenge_id": "ch-9", "min_characters": 10}})
    );

    // solutions
    let got = s
        .exchange(
            "solutions",
            "list",
            c.solutions()
                .list()
                .challenge_id("ch-1")
                .team_candidate_id("tc-1")
                .include(solutions::include::Challenge)
                .include(solutions::include::AssessmentResult)
                .send(),
        )
        .await;
    assert_eq!(
        got.query_pairs(),
        pairs(&[
            ("challenge_id", "ch-1"),
            ("data[team_candidate_id]", "tc-1"),
            ("includes[]", "challenge"),
            ("includes[]", "assessment_result"),
        ])
    );

    // solution_reviews
    let got = s
        .exchange(
            "solution_reviews",
            "update",
            c.solution_reviews()
                .update("sr-1")
                .rating(2)
                .feedback("Meh")
                .send(),
        )
        .await;
    assert_eq!(got.path, "/api/v1/solution_reviews/sr-1");
    assert_eq!(
        got.json(),
        json!({"data": {"rating": 2, "feedback": "Meh"}})
    );
    let got = s
        .exchange(
            "solution_reviews",
            "list",
            c.solution_reviews()
                .list()
                .filter(
                    solution_reviews::Where::new()
                        .solution_id()
                        .is_in([qualified::solutions::SolutionId::from("s1"), qualified::solutions::SolutionId::from("s2")]),
                )
                .send(),
        )
        .await;
    assert_eq!(
        where_json(&got),
        json!({"solution_id": {"in": ["s1", "s2"]}})
    );

    // team_candidates: body fields beside `data`.
    let got = s
        .exchange(
            "team_candidates",
            "bulk_update",
            c.team_candidates()
                .bulk_update(
                    vec!["tc-1".into(), "tc-2".into()],
                    team_candidates::BulkAction::Archive,
                )
                .add_labels(vec!["rejected".to_owned()])
                .send(),
        )
        .await;
    assert_eq!(
        got.json(),
        json!({"ids": ["tc-1", "tc-2"], "bulk_action": "archive", "data": {"add_labels": ["rejected"]}})
    );
    // A path parameter is one segment, whatever it holds.
    let got = s
        .exchange(
            "team_candidates",
            "get",
            c.team_candidates().get("a/b?c=d#e").send(),
        )
        .await;
    assert_eq!(got.path, "/api/v1/team_candidates/a%2Fb%3Fc%3Dd%23e");
    assert_eq!(got.query, None);

    // team_members
    let got = s
        .exchange(
            "team_members",
            "get",
            c.team_members()
                .get("tm-1")
                .include(team_members::include::AuthoredChallenges)
                .send(),
        )
        .await;
    assert_eq!(
        got.query_pairs(),
        pairs(&[("includes", "authored_challenges")])
    );

    // team_member_privileges
    let got = s
        .exchange(
            "team_member_privileges",
            "update",
            c.team_member_privileges()
                .update("tm-1")
                .view_challenges(team_members::PrivilegeScope::All)
                .manage_billing(false)
                .send(),
        )
        .await;
    assert_eq!(got.path, "/api/v1/team_members/tm-1/privileges");
    assert_eq!(
        got.json(),
        json!({"data": {"view_challenges": "all", "manage_billing": false}})
    );

    // team_notifications
    let got = s
        .exchange(
            "team_notifications",
            "latest",
            c.team_notifications().latest().send(),
        )
        .await;
    assert_eq!(got.path, "/api/v1/team_notifications/latest");
    no_body(&got);
    let got = s
        .exchange(
            "team_notifications",
            "update",
            c.team_notifications()
                .update("n-1")
                .message("Maintenance at 5")
                .send(),
        )
        .await;
    assert_eq!(got.json(), json!({"data": {"message": "Maintenance at 5"}}));

    // webhook_events
    let got = s
        .exchange(
            "webhook_events",
            "list",
            c.webhook_events().list().page(3).send(),
        )
        .await;
    assert_eq!(got.query_pairs(), pairs(&[("page", "3")]));

    // webhook_examples: constant query parameters and constant body fields.
    let got = s
        .exchange(
            "webhook_examples",
            "simulate_assessment_result_started",
            c.webhook_examples()
                .simulate_assessment_result_started("ar-1")
                .send(),
        )
        .await;
    assert_eq!(
        got.query_pairs(),
        pairs(&[
            ("type", "AssessmentResult"),
            ("event", "assessment_result_started")
        ])
    );
    let got = s
        .exchange(
            "webhook_examples",
            "trigger_solution_updated",
            c.webhook_examples()
                .trigger_solution_updated("sol-1", "https://example.com/hook")
                .send(),
        )
        .await;
    assert_eq!(got.path, "/api/v1/webhook_examples/sol-1");
    assert_eq!(
        got.json(),
        json!({"type": "Solution", "event": "solution_updated", "url": "https://example.com/hook"})
    );

    // webhook_subscriptions: a typed nested object is recased too.
    let got = s
        .exchange(
            "webhook_subscriptions",
            "create",
            c.webhook_subscriptions()
                .create("https://example.com/hook", event_triggers())
                .send(),
        )
        .await;
    assert_eq!(
        got.json(),
        json!({"data": {
            "url": "https://example.com/hook",
            "event_triggers": {
                "team_candidate_started_assessment": true,
                "assessment_result_submitted": true,
                "note_created": false,
            },
        }})
    );
    let got = s
        .exchange(
            "webhook_subscriptions",
            "delete_by_url",
            c.webhook_subscriptions()
                .delete_by_url("https://example.com/hook?x=1&y=2")
                .send(),
        )
        .await;
    assert_eq!(got.path, "/api/v1/webhook_subscriptions/url");
    assert_eq!(
        got.query_pairs(),
        pairs(&[("url", "https://example.com/hook?x=1&y=2")])
    );
    no_body(&got);

    // Every resource module of the spec was exercised.
    let all: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.module).collect();
    assert_eq!(all.len(), 20, "{all:?}");
    assert_eq!(s.covered, all);
}

#[tokio::test]
async fn bodies_go_out_in_camel_case_when_asked() {
    let mut s = Server::start(Casing::Camel).await;
    let c = s.client.clone();

    // The documented example, camel-cased.
    let got = s
        .exchange(
            "assessment_challenge_items",
            "create",
            c.assessment_challenge_items()
                .create("5da42a8ea54d75e0663421c2", "5fa42a8ea54d75e066342d39")
                .send(),
        )
        .await;
    assert_eq!(
        got.path,
        "/api/v1/assessments/5da42a8ea54d75e0663421c2/challenge_items/"
    );
    assert_eq!(
        got.json(),
        json!({"data": {"challengeId": "5fa42a8ea54d75e066342d39"}})
    );

    // Keys are recased, values (enum wire values) are not.
    let got = s
        .exchange(
            "assessment_results",
            "terminate",
            c.assessment_results()
                .terminate("ar-1")
                .closed_reason(assessment_results::ClosedReason::TeamDecided)
                .send(),
        )
        .await;
    assert_eq!(
        got.json(),
        json!({"data": {"closedReason": "team_decided"}})
    );

    // Fields beside `data` too.
    let got = s
        .exchange(
            "team_candidates",
            "bulk_update",
            c.team_candidates()
                .bulk_update(vec!["tc-1".into()], team_candidates::BulkAction::Archive)
                .add_labels(vec!["rejected".to_owned()])
                .send(),
        )
        .await;
    assert_eq!(
        got.json(),
        json!({"ids": ["tc-1"], "bulkAction": "archive", "data": {"addLabels": ["rejected"]}})
    );

    // `$type` is kept as it is.
    let got = s
        .exchange(
            "quiz_questions",
            "create",
            c.quiz_questions()
                .create(
                    "Why?",
                    quiz_questions::QuizQuestionType::QuizTextQuestion,
                    "ch-9",
                )
                .min_characters(10)
                .send(),
        )
        .await;
    assert_eq!(
        got.json(),
        json!({"data": {"prompt": "Why?", "$type": "QuizTextQuestion", "challengeId": "ch-9", "minCharacters": 10}})
    );

    // A typed nested object.
    let got = s
        .exchange(
            "webhook_subscriptions",
            "create",
            c.webhook_subscriptions()
                .create("https://example.com/hook", event_triggers())
                .send(),
        )
        .await;
    assert_eq!(
        got.json(),
        json!({"data": {
            "url": "https://example.com/hook",
            "eventTriggers": {
                "teamCandidateStartedAssessment": true,
                "assessmentResultSubmitted": true,
                "noteCreated": false,
            },
        }})
    );

    // `where` keys follow the casing; other query parameter names do not.
    let got = s
        .exchange(
            "assessment_results",
            "list",
            c.assessment_results()
                .list()
                .team_candidate_id("tc-1")
                .filter(
                    assessment_results::Where::new()
                        .team_candidate_id()
                        .eq(qualified::team_candidates::TeamCandidateId::from("tc-1"))
                        .current_take()
                        .eq(true),
                )
                .send(),
        )
        .await;
    assert_eq!(
        where_json(&got),
        json!({"teamCandidateId": "tc-1", "currentTake": true})
    );
    assert_eq!(
        got.query_pairs()[0],
        ("team_candidate_id".to_owned(), "tc-1".to_owned())
    );
}
