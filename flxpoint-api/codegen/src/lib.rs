#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

/// The types the generator must not produce itself, with the hand-written stand-ins in
/// `flxpoint-api/src/` (see there for why).
pub const REPLACEMENTS: [(&str, &str); 2] = [
    ("FulfillmentAccountingSyncRequest", "crate::tristate::FulfillmentAccountingSyncRequest"),
    ("FulfillmentAccountingSyncItem", "crate::tristate::FulfillmentAccountingSyncItem"),
];

/// The progenitor settings for `flxpoint-api`.
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        // `client.create_shipment().body(..).send()`, like oxide.rs.
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq")
        // Every request runs through `crate::hooks::Hooks`, where flxpoint-ext installs its
        // rate limiter and retries; `Expected` makes a missing impl a compile error.
        .with_inner_type(quote!(crate::hooks::Hooks))
        .with_hooks(HooksMode::Expected);
    for (generated, replacement) in REPLACEMENTS {
        settings.with_replacement(generated, replacement, std::iter::empty());
    }
    settings
}

/// Errors from reading the document or generating code.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Generates the client for an OpenAPI document, formatted with prettyplease.
pub fn generate(spec: &openapiv3::OpenAPI) -> Result<String, Error> {
    let tokens = Generator::new(&settings()).generate_tokens(spec)?;
    let file: syn::File = syn::parse2(tokens)?;
    Ok(prettyplease::unparse(&file))
}

/// [`generate`] from the document's JSON text. The build reads JSON so that depending on
/// flxpoint-api compiles no YAML parser (serde_json is in the generator's graph anyway).
pub fn generate_from_json(spec_json: &str) -> Result<String, Error> {
    generate(&serde_json::from_str(spec_json)?)
}
