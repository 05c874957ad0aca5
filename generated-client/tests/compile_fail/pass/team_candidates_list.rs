// `team_candidates().list()`: `q`, dotted fields, typed ids of other resources, and the stream.
use futures::TryStreamExt;
use qualified::Client;
use qualified::assessments::AssessmentId;
use qualified::team_candidates::{TeamCandidate, Where, include};
use qualified::team_members::TeamMemberId;
use qualified::types::TeamCandidateState;

async fn walk(client: Client) -> qualified::Result<Vec<TeamCandidate>> {
    let filter = Where::new()
        .q("jane")
        .state()
        .nin([TeamCandidateState::Idle])
        .archived()
        .ne(true)
        .email()
        .contains("@example.com")
        .assessment_ids()
        .is_in([AssessmentId::new("a1")])
        .assigned_team_member_ids()
        .eq(TeamMemberId::new("m1"))
        .interact_sessions()
        .gte(1)
        .digest_recently_abandoned()
        .eq(false)
        .digest_interact_sessions_count()
        .lt(3);
    let mut stream = client
        .team_candidates()
        .list()
        .filter(filter)
        .include(include::Notes)
        .include(include::AssessmentResults)
        .page(1)
        .stream();
    let mut out = Vec::new();
    while let Some(candidate) = stream.try_next().await? {
        let _ = candidate.notes()?;
        out.push(candidate);
    }
    Ok(out)
}

fn main() {
    let client = Client::new("key").unwrap();
    drop(walk(client));
}
