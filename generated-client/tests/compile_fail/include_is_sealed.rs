// The include sets are closed: a user type cannot be made an include of an endpoint.
use qualified::assessment_results::ListInclude;

#[derive(Clone, Copy)]
struct Anything;

impl ListInclude for Anything {
    const WIRE: &'static str = "anything";
}

fn main() {}
