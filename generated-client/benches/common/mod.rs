//! Synthetic response data for the benchmarks: pages of assessment results as the REST API
//! sends them (camelCase, every field of the model, nested solutions), made up here, not
//! copied from any recorded response.

#![allow(dead_code)] // each bench binary uses part of it

pub mod request;

use chrono::{DateTime, Duration, FixedOffset, TimeZone};
use qualified::Page;
use qualified::assessment_results::AssessmentResult;
use serde_json::{Value, json};

/// A 24-hex-digit id like the API's (`kind` tells the kinds of record apart).
pub fn oid(kind: u8, n: usize) -> String {
    format!("{kind:02x}5c03181d41c{:011x}", n as u64)
}

fn ts(n: usize, secs: i64) -> Value {
    let base: DateTime<FixedOffset> = FixedOffset::west_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(2024, 3, 1, 9, 0, 0)
        .unwrap();
    // Through chrono's own serialisation, so that a typed round trip gives the same text.
    serde_json::to_value(
        base + Duration::minutes(n as i64 * 17) + Duration::milliseconds(secs * 1000 + 286),
    )
    .unwrap()
}

const STATES: [&str; 6] = [
    "invited",
    "opened",
    "started",
    "submitting",
    "submitted",
    "terminated",
];
const LANGUAGES: [&str; 5] = ["javascript", "python", "rust", "java", "go"];

fn solution(result: usize, k: usize) -> Value {
    let n = result * 4 + k;
    let mut s = json!({
        "$type": "CodeSolution",
        "id": oid(0x50, n),
        "createdAt": ts(result, 60 + k as i64 * 600),
        "updatedAt": ts(result, 600 + k as i64 * 600),
        "challengeId": oid(0xc0, n % 40),
        "assessmentResultId": oid(0xa5, result),
        "insightsProcessedAt": ts(result, 3100),
        "assessmentId": oid(0xa0, result % 7),
        "candidateId": oid(0xcd, result),
        "teamCandidateId": oid(0x7c, result),
        "teamId": oid(0x7e, 1),
        "clonedFromId": oid(0x51, n),
        "lastHeartbeat": ts(result, 590 + k as i64 * 600),
        "accumulatedSeconds": 540 + k * 11,
        "candidateNotes": "Used a hash map to keep it linear; the edge cases are in the last test.",
        "pendingTimerReset": false,
        "timerStartedAt": ts(result, 60 + k as i64 * 600),
        "viable": true,
        "passingScore": k % 3 != 2,
        "score": 62.5 + (n % 8) as f64 * 4.5,
        "language": LANGUAGES[n % LANGUAGES.len()],
        "attempts": 3 + k,
        "firstTestCaseSolvedAt": ts(result, 200 + k as i64 * 600),
        "completedAt": ts(result, 590 + k as i64 * 600),
        "wallTime": 530 + k * 7,
        "passedTestCases": 9,
        "totalTestCases": 12,
        "failedTestNames": ["handles empty input", "large input within time limit", "unicode names"],
        "submissionResponseError": "",
        "options": {"showHiddenTests": false, "timeout": 12000},
        "revisionsCount": 14 + k,
        "revisionCount": 14 + k,
    });
    // The fields of the `CodeSolution` variant (json! cannot take them all in one go).
    extend(
        &mut s,
        json!({
            "code": "function solve(input) {\n  const seen = new Map();\n  for (const [i, x] of input.entries()) {\n    if (seen.has(x)) return [seen.get(x), i];\n    seen.set(x, i);\n  }\n  return null;\n}\n",
            "testCases": "describe('solve', () => {\n  it('finds the pair', () => assert.deepEqual(solve([1, 2, 1]), [0, 2]));\n});\n",
            "testFramework": "mocha_bdd",
            "output": [
                {"t": "describe", "v": "solve"},
                {"t": "it", "v": "finds the pair"},
                {"t": "passed", "v": "Test Passed"},
                {"t": "completedin", "v": "3"}
            ],
            "firstTestCompletedIn": 41.5,
            "completedIn": 38.25,
            "specs": {"passed": 9, "failed": 3},
            "assertions": {"passed": 27, "failed": 3},
            "response": {"exitCode": 1, "wallTime": 1840},
            "testResponse": {"exitCode": 0, "wallTime": 1220},
            "successMode": "specs",
            "hiddenPassedTestCases": 7,
            "hiddenTestCases": 9,
            "sampleTestCasesEnabled": true,
            "sampleTestCasesReadOnly": false,
            "cursor": {"line": 4, "ch": 17},
            "usedSmartIde": false,
            "codeMetrics": {"ccn": 3, "loc": 8}
        }),
    );
    s
}

/// Adds the keys of the object `more` to the object `v`.
fn extend(v: &mut Value, more: Value) {
    let (Value::Object(v), Value::Object(more)) = (v, more) else {
        panic!("objects")
    };
    v.extend(more);
}

fn invitation(n: usize) -> Value {
    json!({
        "id": oid(0x1e, n),
        "state": "active",
        "teamCandidateId": oid(0x7c, n),
        "assessmentId": oid(0xa0, n % 7),
        "assessmentResultId": oid(0xa5, n),
        "teamId": oid(0x7e, 1),
        "teamMemberId": oid(0x7a, n % 5),
        "sendEmailToCandidate": true,
        "sendEmailToInviter": false,
        "expiresAt": ts(n, 14 * 86400),
        "reminderAt": ts(n, 7 * 86400),
        "reminded": false,
        "invitedByAssessmentTitle": "Backend Engineer (Senior)",
        "invitedByWorkflowLabel": "Phone screen passed",
        "customMessage": "Hi! Here is the follow-up exercise we talked about.",
        "createdAt": ts(n, 0),
        "invitePath": format!("/invite/{}", oid(0x1f, n)),
        "invitePracticePath": format!("/practice/{}", oid(0x1f, n)),
        "action": "reopen",
        "skippedRegistration": false,
        "backfilled": false,
        "assessmentTitle": "Backend Engineer (Senior)",
        "sendAttempts": 1,
        "openCount": 2,
        "lastSent": ts(n, 30),
        "candidateName": format!("Candidate {n}"),
        "candidateEmail": format!("candidate{n}@example.com"),
        "testTeamMember": false,
        "inviterRole": "inviter"
    })
}

/// One assessment result with every field of the model; every fourth has no solution, the
/// others one to three (the `solutions` relation, as with `.include(include::Solutions)`);
/// every tenth has a scheduled retry and its invitation.
pub fn assessment_result(n: usize) -> Value {
    let mut r = json!({
        "id": oid(0xa5, n),
        "assessmentId": oid(0xa0, n % 7),
        "candidateId": oid(0xcd, n),
        "teamCandidateId": oid(0x7c, n),
        "teamId": oid(0x7e, 1),
        "state": STATES[n % STATES.len()],
        "createdAt": ts(n, 0),
        "updatedAt": ts(n, 3600),
        "startedAt": ts(n, 60),
        "invitedAt": ts(n, 0),
        "submittedAt": ts(n, 3000),
        "submittingAt": ts(n, 2990),
        "openedAt": ts(n, 30),
        "originalOpenedAt": ts(n, 30),
        "originalStartedAt": ts(n, 60),
        "originalSubmittedAt": ts(n, 3000),
        "dryRun": false,
        "candidateRemarks": "The second challenge's instructions were ambiguous about empty input.",
        "score": 55.0 + (n % 9) as f64 * 5.0,
        "closedReason": "candidate_submitted",
        "redirectUrl": "https://careers.example.com/thanks",
        "submissionMessage": "Thanks! We will get back to you within a week.",
        "nextAssessmentId": oid(0xa0, (n + 1) % 7),
        "stateUpdatedAt": ts(n, 3000),
        "totalSubmissionSeconds": 2940.5,
        "totalOriginalSubmissionSeconds": 2940.5,
        "accumulatedSeconds": 2712 + n % 100,
        "enforcedTimeLimit": 90,
        "timerExpiresIn": 0,
        "wallTimeSinceStart": 2940,
    });
    extend(
        &mut r,
        json!({
            "reopenedById": oid(0x7a, n % 5),
            "activeTimedSolutionId": oid(0x50, n * 4),
            "accessLocked": false,
            "accessUnlockedAt": ts(n, 10),
            "accessUnlockedById": oid(0x7a, (n + 1) % 5),
            "terminatedAt": ts(n, 3010),
            "accessStartsAt": ts(n, 0),
            "accessEndsAt": ts(n, 14 * 86400),
            "retakeNumber": 1 + n % 2,
            "currentTake": true,
            "editMode": "normal",
            "wasEmbedded": false,
            "isActiveInteractSession": false,
            "interviewerIds": [oid(0x7a, n % 5), oid(0x7a, (n + 2) % 5)],
            "activeInterviewerIds": [oid(0x7a, n % 5)],
            "abandoned": false,
            "workflowName": "Phone screen passed",
            "isInteractSession": false,
            "challengeItems": [
                {"id": oid(0xc1, n * 2), "challengeId": oid(0xc0, n % 40), "position": 1, "disabledLanguages": []},
                {"id": oid(0xc1, n * 2 + 1), "challengeId": oid(0xc0, (n + 1) % 40), "position": 2, "disabledLanguages": ["php", "cpp"]}
            ],
            "lastHeartbeat": ts(n, 2980),
            "passingScore": n % 9 > 3,
            "solutions": (0..n % 4).map(|k| solution(n, k)).collect::<Vec<_>>()
        }),
    );
    if n % 10 == 0 {
        r["retrySchedule"] = json!({
            "action": "reopen",
            "accessStartsAt": ts(n, 86400),
            "accessEndsAt": ts(n, 3 * 86400),
            "accessLocked": false,
            "trackActiveTime": true,
            "retakeAssessmentResultId": oid(0xa5, n + 1),
            "enforcedTimeLimit": 30,
            "editMode": "restricted"
        });
        r["invitation"] = invitation(n);
    }
    r
}

/// Page `page` (from 1) of `total` records, `per_page` records each, as the API sends it.
pub fn page_value(page: u32, per_page: usize, total: usize) -> Value {
    let first = (page as usize - 1) * per_page;
    let last = (first + per_page).min(total);
    let total_pages = total.div_ceil(per_page).max(1);
    json!({
        "type": "AssessmentResult",
        "data": (first..last).map(assessment_result).collect::<Vec<_>>(),
        "currentPage": page,
        "totalPages": total_pages,
        "totalCount": total,
        "meta": {"timestamp": ts(0, 0), "includes": ["solutions"]}
    })
}

/// The page as bytes.
pub fn page_bytes(page: u32, per_page: usize, total: usize) -> Vec<u8> {
    serde_json::to_vec(&page_value(page, per_page, total)).unwrap()
}

/// Checks that `bytes` decodes as a typed page and that every key of every record was read:
/// re-serialising the typed records gives the JSON back, key for key.
pub fn assert_decodes_completely(bytes: &[u8]) {
    let page: Page<AssessmentResult> = serde_json::from_slice(bytes).expect("the page decodes");
    let original: Value = serde_json::from_slice(bytes).unwrap();
    let again = serde_json::to_value(&page.data).unwrap();
    if again != original["data"] {
        let (a, b) = (&again.as_array().unwrap()[0], &original["data"][0]);
        for (k, v) in b.as_object().unwrap() {
            assert_eq!(
                a.get(k),
                Some(v),
                "field `{k}` of record 0 does not round-trip"
            );
        }
        panic!("the typed records do not re-serialise to the same JSON");
    }
}
