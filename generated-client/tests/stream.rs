//! Pagination and included relations over real HTTP: an axum server on 127.0.0.1:0 answers
//! in the API's envelopes, the generated client walks it.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::{StreamExt, TryStreamExt};
use qualified::assessment_results::{AssessmentResult, include};
use qualified::solutions::SolutionKind;
use qualified::team_candidates::{self, TeamCandidate};
use qualified::types::{AssessmentResultState, TeamCandidateState};
use qualified::{Client, Error, Page, RetryPolicy};
use serde_json::{Value, json};

mod support;

const KEY: &str = "test-key";
const PER_PAGE: usize = 3;
const TOTAL: usize = 7;
const PAGES: u32 = 3;

/// The decoded query pairs of one request.
type QueryPairs = Vec<(String, String)>;

/// What the server saw: the query of each request, in order.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<QueryPairs>>>);

impl Seen {
    fn all(&self) -> Vec<QueryPairs> {
        self.0.lock().unwrap().clone()
    }

    /// The `page` parameter of each request (`None` when it was not sent).
    fn pages(&self) -> Vec<Option<u32>> {
        self.all()
            .iter()
            .map(|q| {
                q.iter()
                    .find(|(k, _)| k == "page")
                    .map(|(_, v)| v.parse().unwrap())
            })
            .collect()
    }
}

fn team_candidate(n: usize) -> Value {
    json!({
        "id": format!("tc-{n}"),
        "teamId": "team-1",
        "state": "invited",
        "createdAt": "2023-05-10T20:48:30.000Z",
        "updatedAt": format!("2023-05-{:02}T08:00:00Z", 10 + n),
        "email": format!("candidate{n}@example.com"),
        "firstName": "Jane",
        "labels": ["senior"],
        "someFieldThisClientDoesNotKnow": {"x": 1},
    })
}

fn note(n: usize) -> Value {
    json!({
        "id": format!("note-{n}"),
        "body": format!("note about tc-{n}"),
        "notableId": format!("tc-{n}"),
        "notableType": "TeamCandidate",
        "userId": "tm-1",
        "createdAt": "2023-05-10T20:48:30Z",
        "updatedAt": "2023-05-10T20:48:30Z",
    })
}

async fn list_team_candidates(
    State(seen): State<Seen>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(KEY) {
        return (StatusCode::UNAUTHORIZED, "{}").into_response();
    }
    seen.0.lock().unwrap().push(query.clone());
    let page: usize = query
        .iter()
        .find(|(k, _)| k == "page")
        .map_or(1, |(_, v)| v.parse().unwrap());
    let with_notes = query
        .iter()
        .any(|(k, v)| k.starts_with("includes") && v == "notes");
    let data: Vec<Value> = (1..=TOTAL)
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|n| {
            let mut record = team_candidate(n);
            if with_notes {
                record["notes"] = json!([note(n)]);
            }
            record
        })
        .collect();
    axum::Json(json!({
        "type": "TeamCandidate",
        "data": data,
        "currentPage": page,
        "totalPages": PAGES,
        "totalCount": TOTAL,
        "meta": {"timestamp": "2023-05-10T20:48:30Z", "includes": if with_notes { json!(["notes"]) } else { json!([]) }},
    }))
    .into_response()
}

fn solution(n: usize) -> Value {
    json!({
        "id": format!("sol-{n}"),
        "$type": "CodeSolution",
        "createdAt": "2023-05-10T20:48:30Z",
        "updatedAt": "2023-05-10T21:00:00Z",
        "challengeId": format!("ch-{n}"),
        "score": 50.0 + n as f64,
        "language": "python",
        "code": "def f(): pass",
    })
}

async fn get_assessment_result(
    State(seen): State<Seen>,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    seen.0.lock().unwrap().push(query.clone());
    let includes: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "includes" || k == "includes[]")
        .map(|(_, v)| v.as_str())
        .collect();
    let mut data = json!({
        "id": id,
        "assessmentId": "as-1",
        "candidateId": "cand-1",
        "teamCandidateId": "tc-1",
        "teamId": "team-1",
        "state": "submitted",
        "score": 87.5,
        "createdAt": "2023-05-10T20:48:30Z",
        "updatedAt": "2023-05-11T20:48:30Z",
    });
    if includes.contains(&"solutions") {
        data["solutions"] = json!([solution(1), solution(2)]);
    }
    if includes.contains(&"team_candidate") {
        // A to-one relation that was asked for but is empty.
        data["teamCandidate"] = Value::Null;
    }
    axum::Json(json!({
        "id": id,
        "type": "AssessmentResult",
        "data": data,
        "meta": {"includes": includes},
    }))
    .into_response()
}

struct Server {
    base: String,
    seen: Seen,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    async fn start() -> Server {
        let seen = Seen::default();
        let app = Router::new()
            .route("/api/v1/team_candidates", get(list_team_candidates))
            .route(
                "/api/v1/assessment_results/{id}",
                get(get_assessment_result),
            )
            .with_state(seen.clone());
        let (addr, task) = support::serve(app).await;
        Server {
            base: format!("http://{addr}/api"),
            seen,
            task,
        }
    }

    fn client(&self) -> Client {
        Client::builder()
            .api_key(KEY)
            .base_url(&self.base)
            .allow_http(true)
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    }
}

#[tokio::test]
async fn stream_yields_every_record_once_in_order_then_ends() {
    let server = Server::start().await;
    let client = server.client();
    let mut stream = client.team_candidates().list().stream();

    // Lazily: the first record needs the first page only.
    let first: TeamCandidate = stream.try_next().await.unwrap().unwrap();
    assert_eq!(first.id.as_str(), "tc-1");
    assert_eq!(server.seen.pages(), vec![Some(1)]);

    let rest: Vec<TeamCandidate> = stream.try_collect().await.unwrap();
    let ids: Vec<String> = std::iter::once(&first)
        .chain(&rest)
        .map(|c| c.id.to_string())
        .collect();
    let expected: Vec<String> = (1..=TOTAL).map(|n| format!("tc-{n}")).collect();
    assert_eq!(ids, expected);
    // Typed records, decoded from camelCase, unknown fields ignored.
    let last = rest.last().unwrap();
    assert_eq!(last.state, TeamCandidateState::Invited);
    assert_eq!(last.email.as_deref(), Some("candidate7@example.com"));
    assert_eq!(last.updated_at.to_rfc3339(), "2023-05-17T08:00:00+00:00");
    // Exactly the pages 1, 2, 3, once each.
    assert_eq!(server.seen.pages(), vec![Some(1), Some(2), Some(3)]);
}

#[tokio::test]
async fn stream_ends_after_the_last_page() {
    let server = Server::start().await;
    let client = server.client();
    // Fused: the stream itself is not (polling it after its end panics in `futures`' unfold).
    let mut stream = client.team_candidates().list().stream().fuse();
    let mut n = 0;
    while let Some(candidate) = stream.next().await {
        candidate.unwrap();
        n += 1;
    }
    assert_eq!(n, TOTAL);
    // After the end, nothing more is requested.
    assert!(stream.next().await.is_none());
    assert_eq!(server.seen.pages(), vec![Some(1), Some(2), Some(3)]);
}

#[tokio::test]
async fn pages_yields_each_page_with_its_totals() {
    let server = Server::start().await;
    let client = server.client();
    let pages: Vec<Page<TeamCandidate>> = client
        .team_candidates()
        .list()
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    for (i, page) in pages.iter().enumerate() {
        assert_eq!(page.current_page, i as u32 + 1);
        assert_eq!(page.total_pages, PAGES);
        assert_eq!(page.total_count, TOTAL as u64);
        assert_eq!(page.type_name.as_deref(), Some("TeamCandidate"));
    }
    let sizes: Vec<usize> = pages.iter().map(|p| p.data.len()).collect();
    assert_eq!(sizes, vec![3, 3, 1]);
    assert_eq!(pages[2].data[0].id.as_str(), "tc-7");
    assert_eq!(server.seen.pages(), vec![Some(1), Some(2), Some(3)]);
}

#[tokio::test]
async fn stream_starts_at_the_page_asked_for_and_keeps_the_query() {
    let server = Server::start().await;
    let client = server.client();
    let filter = team_candidates::Where::new()
        .state()
        .eq(TeamCandidateState::Invited);
    let records: Vec<TeamCandidate> = client
        .team_candidates()
        .list()
        .filter(filter)
        .include(team_candidates::include::Notes)
        .page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = records.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec!["tc-4", "tc-5", "tc-6", "tc-7"]);
    assert_eq!(server.seen.pages(), vec![Some(2), Some(3)]);
    // Every page request carries the same filter and include.
    for query in server.seen.all() {
        let where_: Vec<&(String, String)> = query.iter().filter(|(k, _)| k == "where").collect();
        assert_eq!(where_.len(), 1, "{query:?}");
        let where_json: Value = serde_json::from_str(&where_[0].1).unwrap();
        assert_eq!(where_json, json!({"state": "invited"}));
        assert!(
            query.contains(&("includes".to_owned(), "notes".to_owned())),
            "{query:?}"
        );
    }
    // The included relation decodes into its typed field; one not asked for is an error.
    for candidate in &records {
        let notes = candidate.notes().unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(
            notes[0].id.as_str(),
            format!("note-{}", &candidate.id.as_str()[3..])
        );
        assert!(matches!(
            candidate.assessments(),
            Err(Error::NotIncluded {
                relation: "assessments"
            })
        ));
    }
}

#[tokio::test]
async fn an_included_relation_decodes_typed() {
    let server = Server::start().await;
    let client = server.client();
    let result = client
        .assessment_results()
        .get("ar-1")
        .include(include::Solutions)
        .include(include::TeamCandidate)
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.seen.all(),
        vec![vec![
            ("includes[]".to_owned(), "solutions".to_owned()),
            ("includes[]".to_owned(), "team_candidate".to_owned()),
        ]]
    );
    assert_eq!(result.id.as_deref(), Some("ar-1"));
    assert_eq!(result.type_name.as_deref(), Some("AssessmentResult"));
    let result: AssessmentResult = result.into_inner();
    assert_eq!(result.state, AssessmentResultState::Submitted);
    assert_eq!(result.score, Some(87.5));

    let solutions = result.solutions().unwrap();
    assert_eq!(solutions.len(), 2);
    assert_eq!(solutions[0].id.as_str(), "sol-1");
    assert_eq!(solutions[1].challenge_id.as_str(), "ch-2");
    assert_eq!(solutions[1].score, Some(52.0));
    match &solutions[0].kind {
        SolutionKind::CodeSolution(code) => assert_eq!(code.code.as_deref(), Some("def f(): pass")),
        other => panic!("expected a CodeSolution, got {other:?}"),
    }
    // Asked for and empty: `Ok(None)`, not an error.
    assert!(matches!(result.team_candidate(), Ok(None)));
    // Not asked for: a clear error naming the relation.
    let err = result.invitations().unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotIncluded {
                relation: "invitations"
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("invitations"), "{err}");
}

#[tokio::test]
async fn a_relation_not_requested_is_not_included() {
    let server = Server::start().await;
    let client = server.client();
    let result = client
        .assessment_results()
        .get("ar-2")
        .include(include::Solutions)
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.seen.all(),
        vec![vec![("includes".to_owned(), "solutions".to_owned())]]
    );
    assert_eq!(result.solutions().unwrap().len(), 2);

    let bare = client
        .assessment_results()
        .get("ar-3")
        .send()
        .await
        .unwrap();
    assert_eq!(server.seen.all()[1], vec![]);
    assert!(matches!(
        bare.solutions(),
        Err(Error::NotIncluded {
            relation: "solutions"
        })
    ));
    assert!(matches!(
        bare.team_candidate(),
        Err(Error::NotIncluded {
            relation: "team_candidate"
        })
    ));
}
