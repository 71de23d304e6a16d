//! CSV files as spreadsheets write them (issue 17): CRLF and lone-CR line ends, quoted values
//! spanning lines, the blank rows a sheet leaves at its end, semicolon- and tab-separated files,
//! UTF-16, repeated columns, and a record that never ends. Every problem names the file's own
//! physical line.
#![cfg(feature = "import")]

mod import_support;

use flxpoint_ext::import::{ImportError, Journal, Problem, TokenRouter};
use import_support::*;
use serde_json::Value;
use std::io::Write;
use tempfile::TempDir;

const HEADER: &str = "fulfillmentRequestId,trackingNumber,carrier,note,sku,quantity";

/// A router whose only client never sends: opening a journal contacts nobody.
fn offline() -> TokenRouter {
    TokenRouter::new().account(
        flxpoint_ext::Client::builder("offline-token")
            .base_url("http://127.0.0.1:9")
            .token_kind(flxpoint_ext::TokenKind::Account)
            .build()
            .unwrap(),
    )
}

/// Opens `content` as a shipments file (with `delimiter` if given): the journal (with the
/// directory holding it) or the problems.
fn open(content: &[u8], delimiter: Option<u8>) -> Result<(Journal, TempDir), Vec<Problem>> {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "shipments.csv", content);
    let mut problems = Vec::new();
    let mut opening = Journal::shipments(&input);
    if let Some(d) = delimiter {
        opening = opening.delimiter(d);
    }
    match opening.open(&offline(), |p| problems.push(p)) {
        Ok(journal) => {
            assert!(problems.is_empty(), "{problems:?}");
            Ok((journal, dir))
        }
        Err(ImportError::Invalid { problems: n, .. }) => {
            assert_eq!(n as usize, problems.len());
            assert!(!Journal::default_path(&input).exists(), "a refused file leaves no journal");
            Err(problems)
        }
        Err(other) => panic!("expected Invalid, got {other:?}"),
    }
}

fn refused(content: &[u8], delimiter: Option<u8>) -> Vec<Problem> {
    open(content, delimiter).map(|_| ()).expect_err("the file must be refused")
}

/// The request bodies a run would send.
fn bodies(journal: &Journal) -> Vec<Value> {
    let mut out = Vec::new();
    journal
        .dry_run(&offline(), false, |p| out.push(serde_json::from_str(&p.body).unwrap()))
        .unwrap();
    out
}

/// Lines joined by `nl`, each ended by it.
fn lines(nl: &str, lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}{nl}")).collect()
}

#[test]
fn a_crlf_file_reports_the_files_own_lines() {
    let file = lines(
        "\r\n",
        &[HEADER, "1388412,T1,ups,,HG12123123,1", "1388412,T2,ups,,HG12123123,three"],
    );
    assert_eq!(where_(&refused(file.as_bytes(), None)), [(3, "quantity".to_owned())]);
}

#[test]
fn a_quoted_value_spanning_crlf_lines_counts_its_lines() {
    let file = lines(
        "\r\n",
        &[
            HEADER,
            "1388412,T1,ups,\"first line",
            "second line",
            "third line\",HG12123123,1",
            "1388412,T2,ups,,HG12123123,0",
        ],
    );
    assert_eq!(where_(&refused(file.as_bytes(), None)), [(5, "quantity".to_owned())]);
}

#[test]
fn lf_crlf_and_lone_cr_give_the_same_lines() {
    let rows = [
        HEADER,
        "1388412,T1,ups,,HG12123123,1",
        "1388412,T2,ups,\"two",
        "lines\",HG12123123,1",
        "",
        "1388412,T3,ups,,HG12123123,x",
        "abc,T4,ups,,HG12123123,1",
    ];
    let expected = [(6, "quantity".to_owned()), (7, "fulfillmentRequestId".to_owned())];
    for nl in ["\n", "\r\n", "\r"] {
        assert_eq!(where_(&refused(lines(nl, &rows).as_bytes(), None)), expected, "{nl:?}");
    }
}

#[test]
fn a_crlf_flags_file_reports_the_files_own_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "flags.csv", "id,syncError\r\n7,bad\r\nabc,worse\r\n");
    let mut problems = Vec::new();
    Journal::flags(&input).open(|p| problems.push(p)).unwrap_err();
    assert_eq!(where_(&problems), [(3, "id".to_owned())]);
}

#[test]
fn blank_rows_are_skipped_and_counted() {
    let file = lines(
        "\r\n",
        &[HEADER, "1388412,T1,ups,,HG12123123,1", ",,,,,", ",,,,,", "  , ,,,,", ",,,", ",,,,,"],
    );
    let (journal, _dir) = open(file.as_bytes(), None).unwrap();
    assert_eq!(journal.counts().unwrap().total, 1);
    assert_eq!(journal.blank_rows().unwrap(), 5);
    // A flags file too.
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "flags.csv", "id,syncError\n7,bad\n,\n , \n");
    let journal = Journal::flags(&input).open(|p| panic!("{p}")).unwrap();
    assert_eq!(journal.blank_rows().unwrap(), 2);
    // A header followed by blank rows only has nothing to do.
    let p = refused(lines("\n", &[HEADER, ",,,,,"]).as_bytes(), None);
    assert_eq!(where_(&p), [(3, "header".to_owned())]);
}

fn check_one_shipment(journal: &Journal) {
    let bodies = bodies(journal);
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(bodies[0]["fulfillmentRequestId"], 1388412);
    let shipment = &bodies[0]["shipment"];
    assert_eq!(shipment["trackingNumber"], "T1");
    assert_eq!(shipment["note"], "left at the door, back");
    assert_eq!(shipment["shipmentItems"][0]["quantity"], 2);
}

#[test]
fn semicolon_and_tab_separated_files_are_read() {
    for d in [";", "\t"] {
        let file = lines(
            "\r\n",
            &[
                &HEADER.replace(',', d),
                &["1388412", "T1", "ups", "left at the door, back", "HG12123123", "2"].join(d),
            ],
        );
        check_one_shipment(&open(file.as_bytes(), None).unwrap().0);
    }
}

#[test]
fn an_explicit_delimiter_is_used() {
    let file = lines(
        "\n",
        &[&HEADER.replace(',', "|"), "1388412|T1|ups|left at the door, back|HG12123123|2"],
    );
    check_one_shipment(&open(file.as_bytes(), Some(b'|')).unwrap().0);
    // Not told, the pipes are not guessed, but the problem says what it found.
    let p = refused(file.as_bytes(), None);
    assert_eq!(where_(&p), [(1, "header".to_owned())]);
    assert!(p[0].message.contains("(delimiter `|`?)"), "{p:?}");
}

#[test]
fn a_semicolon_file_read_with_commas_says_what_it_found() {
    let header = HEADER.replace(',', ";");
    let file = lines("\n", &[&header, "1388412;T1;ups;;HG12123123;2"]);
    let p = refused(file.as_bytes(), Some(b','));
    assert_eq!(where_(&p), [(1, "header".to_owned())]);
    let message = &p[0].message;
    assert!(message.contains(&format!("one column `{header}`")), "{message}");
    assert!(message.contains("semicolon-separated (delimiter `;`?)"), "{message}");
}

#[test]
fn a_header_cell_that_splits_into_known_columns_among_others_is_named_with_the_hint() {
    // Two cells, the second holding known names joined by `;`: not "one column", but the cell
    // is unknown, with the hint.
    let file = lines("\n", &["fulfillmentRequestId,trackingNumber;sku;quantity", "1388412,x"]);
    let p = refused(file.as_bytes(), Some(b','));
    assert_eq!(where_(&p), [(1, "trackingNumber;sku;quantity".to_owned())]);
    let message = &p[0].message;
    assert!(message.starts_with("is not a known column (known: "), "{message}");
    assert!(
        message.ends_with("; the file looks semicolon-separated (delimiter `;`?)"),
        "{message}"
    );
}

#[test]
fn an_unknown_cell_that_splits_into_unknown_names_gets_no_delimiter_hint() {
    let file = lines("\n", &[&format!("{HEADER},size;colour"), "1388412,T1,ups,,HG12123123,1,"]);
    let p = refused(file.as_bytes(), None);
    assert_eq!(where_(&p), [(1, "size;colour".to_owned())]);
    assert!(!p[0].message.contains("separated"), "{}", p[0].message);
}

/// `text` in UTF-16, with a byte-order mark.
fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut out = if little_endian { vec![0xff, 0xfe] } else { vec![0xfe, 0xff] };
    for unit in text.encode_utf16() {
        out.extend(if little_endian { unit.to_le_bytes() } else { unit.to_be_bytes() });
    }
    out
}

/// `text` in UTF-32, without a byte-order mark.
fn utf32(text: &str, little_endian: bool) -> Vec<u8> {
    let unit = |c: char| {
        if little_endian { u32::from(c).to_le_bytes() } else { u32::from(c).to_be_bytes() }
    };
    text.chars().flat_map(unit).collect()
}

#[test]
fn utf16_is_refused_naming_the_encoding() {
    let text = lines("\r\n", &[HEADER, "1388412,T1,ups,,HG12123123,1"]);
    for (bytes, name) in [
        (utf16(&text, true), "UTF-16 (little-endian)"),
        (utf16(&text, false), "UTF-16 (big-endian)"),
        (utf16(&text, true)[2..].to_vec(), "UTF-16 (little-endian)"),
        // Without a byte-order mark, the NUL bytes of the first line tell the encoding.
        (utf16(&text, false)[2..].to_vec(), "UTF-16 (big-endian)"),
        (utf32(&text, true), "UTF-32 (little-endian)"),
        (utf32(&text, false), "UTF-32 (big-endian)"),
    ] {
        let p = refused(&bytes, None);
        assert_eq!(where_(&p), [(1, "header".to_owned())], "{name}");
        assert!(p[0].message.contains(name), "{p:?}");
        assert!(p[0].message.contains("save it as CSV UTF-8"), "{p:?}");
    }
}

#[test]
fn a_known_column_named_twice_is_a_problem() {
    let file = lines("\n", &[&format!("{HEADER},quantity"), "1388412,T1,ups,,HG12123123,1,1"]);
    let p = refused(file.as_bytes(), None);
    assert_eq!(where_(&p), [(1, "quantity".to_owned())]);
    assert!(p[0].message.contains("named twice"), "{p:?}");
}

#[test]
fn a_cell_of_spaces_only_is_absent() {
    let file = lines("\n", &[HEADER, "1388412,T1,   ,  ,HG12123123,1"]);
    let bodies = bodies(&open(file.as_bytes(), None).unwrap().0);
    let shipment = &bodies[0]["shipment"];
    assert_eq!(shipment["trackingNumber"], "T1", "{bodies:?}");
    assert!(shipment.get("carrier").is_none(), "{bodies:?}");
    assert!(shipment.get("note").is_none(), "{bodies:?}");
}

#[test]
fn a_record_over_1_mib_is_a_problem_at_its_line_and_reading_stops() {
    let note = "n".repeat(2 << 20);
    let file = lines(
        "\r\n",
        &[
            HEADER,
            "1388412,T1,ups,,HG12123123,1",
            &format!("1388412,T2,ups,\"{note}\",HG12123123,1"),
            "1388412,T3,ups,,HG12123123,zero",
        ],
    );
    let p = refused(file.as_bytes(), None);
    assert_eq!(p.len(), 1, "reading stopped: {p:?}");
    assert_eq!(p[0].line, 3, "{p:?}");
    assert!(p[0].message.contains("over 1 MiB"), "{p:?}");
}

#[test]
fn an_unclosed_quote_early_in_a_large_file_is_one_problem_at_its_line() {
    // Line 2 opens a quote that is never closed, then ~50 MB of rows follow. (The memory this
    // costs is measured by the import benchmark, not asserted here.)
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shipments.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(out, "{HEADER}\n1388412,\"T1,ups,,HG12123123,1").unwrap();
    for i in 0..1_000_000 {
        writeln!(out, "1388412,T{i:016},ups,some note for this row,HG12123123,1").unwrap();
    }
    drop(out);
    let mut problems = Vec::new();
    let err = Journal::shipments(&path).open(&offline(), |p| problems.push(p)).unwrap_err();
    assert!(matches!(err, ImportError::Invalid { problems: 1, .. }), "{err:?}");
    assert_eq!(where_(&problems), [(2, "row".to_owned())], "{problems:?}");
    assert!(problems[0].message.contains("unclosed quote"), "{problems:?}");
    assert!(problems[0].message.contains("over 1 MiB"), "{problems:?}");
}

#[test]
fn a_value_of_many_short_lines_keeps_the_following_line_numbers_right() {
    // A quoted note of 30,000 lines (~90 KB, far past the reader's buffer), then a bad row:
    // its line is counted, not guessed, however the line table is trimmed.
    let note: String = (0..30_000).map(|i| format!("{}\n", i % 10)).collect();
    for end in ["\n", "\r\n"] {
        let mut text = format!("{HEADER}{end}");
        text.push_str(&format!("1388412,1Z1,ups,\"{note}\",HG12123123,1{end}"));
        text.push_str(&format!("1388412,1Z2,ups,,HG12123123,zero{end}"));
        let problems = refused(text.as_bytes(), None);
        assert_eq!(where_(&problems), [(2 + 30_000 + 1, "quantity".to_owned())], "{end:?}");
    }
}

#[test]
fn a_closed_quote_over_lines_is_no_problem_whatever_the_files_length() {
    // The file's quotes are even; the check at the end must count quotes, nothing else (two
    // files one byte apart, so that any other count is odd in one of them).
    for note in ["two\nlines", "two\nlines!"] {
        let file = lines("\n", &[HEADER, &format!("1388412,T1,ups,\"{note}\",HG12123123,1")]);
        let (journal, _dir) = open(file.as_bytes(), None).expect("accepted");
        assert_eq!(bodies(&journal)[0]["shipment"]["note"], note);
    }
}

#[test]
fn a_journal_debugs_as_its_path_kind_and_input() {
    let file = lines("\n", &[HEADER, "1388412,T1,ups,,HG12123123,1"]);
    let (journal, dir) = open(file.as_bytes(), None).expect("accepted");
    let shown = format!("{journal:?}");
    let path = dir.path().join("shipments.csv.journal");
    assert!(shown.starts_with("Journal {"), "{shown}");
    assert!(shown.contains(&format!("{:?}", path)), "{shown}");
    assert!(shown.contains("kind: Shipments") && shown.contains("resumed: false"), "{shown}");
    assert!(shown.contains("input_sha256: \""), "{shown}");
}
