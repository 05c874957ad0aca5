// `get` with includes offered only by `get`, and the typed relation accessors.
use qualified::assessment_invitations::AssessmentInvitation;
use qualified::assessment_results::{AssessmentResult, include};
use qualified::solutions::Solution;
use qualified::{Client, Record, Result};

fn relations(result: &AssessmentResult) -> Result<usize> {
    let solutions: &[Solution] = result.solutions()?;
    let invitations: &[AssessmentInvitation] = result.invitations()?;
    let candidate = result.team_candidate()?.map(|c| c.id.clone());
    Ok(solutions.len() + invitations.len() + usize::from(candidate.is_some()))
}

fn main() {
    let client = Client::new("key").unwrap();
    let get = client
        .assessment_results()
        .get("645c03181d41c84e89fe36b0")
        .include(include::Solutions)
        .include(include::Invitations)
        .include(include::MostRecentInvitation)
        .include(include::TeamCandidate);
    let _request = get.build();
    let _future = async move {
        let record: Record<AssessmentResult> = get.send().await?;
        relations(&record)
    };
}
