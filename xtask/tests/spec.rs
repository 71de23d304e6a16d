//! The spec pipeline's outputs are fresh and faithful to the pages.

use xtask::{openapi_dir, pages, spec};

/// Like rust-analyzer's codegen tests: print the diff and the one command that fixes it.
#[test]
fn openapi_outputs_are_fresh() {
    let dir = openapi_dir();
    let outputs = spec::build(&dir).expect("the pipeline runs");
    if let Some(diff) = spec::check(&dir, &outputs).unwrap() {
        panic!("{diff}\nopenapi/ is stale: run `cargo xtask spec` and commit the result");
    }
}

/// "Exactly as published": each fragment file's text is a verbatim slice of its page.
#[test]
fn fragments_are_verbatim_slices_of_their_pages() {
    let dir = openapi_dir();
    for page in pages::read_all(&dir.join("pages")).unwrap() {
        let text = std::fs::read_to_string(dir.join(&page.source)).unwrap();
        let fragment = std::fs::read_to_string(dir.join(spec::fragment_file(&page))).unwrap();
        assert!(
            text.contains(fragment.trim_end()),
            "{} is not verbatim in {}",
            spec::fragment_file(&page),
            page.source
        );
    }
}

#[test]
fn every_page_is_parsed_with_its_operation() {
    let pages = pages::read_all(&openapi_dir().join("pages")).unwrap();
    let mut ops: Vec<String> = pages.iter().map(|p| format!("{} {}", p.method, p.path)).collect();
    ops.sort();
    assert_eq!(
        ops,
        [
            "patch /fulfillment-requests/{fulfillmentRequestId}/accounting-sync",
            "patch /fulfillment-requests/{fulfillmentRequestId}/processing-failed",
            "patch /orders/link",
            "post /shipments",
            "put /shipments/flag-with-errors",
        ]
    );
}

#[test]
fn a_correction_that_no_longer_applies_is_named() {
    let dir = openapi_dir();
    let pages = pages::read_all(&dir.join("pages")).unwrap();
    let components: serde_json::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(dir.join("components.yaml")).unwrap())
            .unwrap();
    let bad: spec::Correction = serde_yaml_ng::from_str(
        "id: guard\npage: all\nreason: test\npatch:\n  - { op: test, path: /paths/~1orders~1link/patch/parameters, value: [1] }\n",
    )
    .unwrap();
    let err = spec::assemble(&pages, components, &[bad]).unwrap_err().to_string();
    assert!(err.contains("correction `guard`"), "{err}");
}

#[test]
fn a_page_without_a_fragment_is_an_error() {
    let err = pages::parse("x.txt", "posthttps://api.flxpoint.com/shipments\nno fragment here\n")
        .unwrap_err();
    assert!(err.to_string().contains("OpenAPI fragment"), "{err}");
}

#[test]
fn test_counts_sum_every_result_line() {
    let out = "test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\n\
               noise\n   test result: FAILED. 2 passed; 4 failed; 0 ignored; 0 measured\n";
    let c = xtask::tools::TestCounts::parse(out);
    assert_eq!((c.passed, c.failed, c.ignored), (5, 4, 1));
}
