//! The request of figure 4: a list of assessment results with a 3-condition filter, two
//! includes, an order and a page.

use chrono::{DateTime, FixedOffset};
use qualified::Client;
use qualified::assessment_results::{ListRequest, Order, Where, include};
use qualified::types::AssessmentResultState;

/// The timestamp of the filter (parsed once, outside what is measured).
pub fn since() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2024-01-01T00:00:00+00:00").unwrap()
}

/// The filter: an enum in two values, a number, a timestamp.
pub fn filter(since: DateTime<FixedOffset>) -> Where {
    Where::new()
        .state()
        .is_in([
            AssessmentResultState::Submitted,
            AssessmentResultState::Submitting,
        ])
        .score()
        .gte(80.0)
        .created_at()
        .gt(since)
}

/// The builder: the filter, two includes, an order, a page.
pub fn list(client: &Client, since: DateTime<FixedOffset>) -> ListRequest {
    client
        .assessment_results()
        .list()
        .filter(filter(since))
        .include(include::Solutions)
        .include(include::TeamCandidate)
        .order_by(Order::CreatedAt.desc())
        .page(2)
}

/// The whole figure: builder, request and URL, as `send()` makes them.
pub fn url(client: &Client, since: DateTime<FixedOffset>) -> url::Url {
    list(client, since).build().build_url(client.base_url()).unwrap()
}
