//! What the typed query layer must refuse at compile time (`compile_fail/*.rs`, each with its
//! pinned `.stderr`), and what it must accept (`compile_fail/pass/*.rs`).
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite` after a deliberate change to the
//! generated API or to the compiler's wording, and review every diff: each case must keep
//! failing for the reason its leading comment gives.

#[test]
fn typed_queries() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
    t.pass("tests/compile_fail/pass/*.rs");
}
