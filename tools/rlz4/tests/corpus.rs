// SPDX-License-Identifier: GPL-2.0
//! The committed malformed corpus (`tests/corpus/malformed/MANIFEST`): every
//! file must fail with exactly the expected error, and liblz4 must reject
//! the raw-block ones too.

use rlz4::lz4::{self, Error, NoYield};
use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/malformed")
}

/// Decodes one corpus entry the way the manifest says.
pub fn decode_entry(format: &str, data: &[u8], cap: usize) -> Result<usize, Error> {
    let mut out = vec![0u8; cap];
    match format {
        "zfs-exact" => lz4::zfs::decompress(data, &mut out, true, &mut NoYield),
        f => {
            let f = lz4::Format::from_name(f).expect("unknown format in MANIFEST");
            lz4::decompress(f, data, &mut out, &mut NoYield)
        }
    }
}

struct Entry {
    name: String,
    format: String,
    cap: usize,
    expected: Error,
}

fn manifest() -> Vec<Entry> {
    let text = std::fs::read_to_string(corpus_dir().join("MANIFEST")).expect("MANIFEST");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 4, "bad MANIFEST line: {l}");
            Entry {
                name: f[0].to_string(),
                format: f[1].to_string(),
                cap: f[2].parse().expect("max_output"),
                expected: Error::from_name(f[3])
                    .unwrap_or_else(|| panic!("unknown error name {}", f[3])),
            }
        })
        .collect()
}

/// Returns the list of mismatches (empty when the corpus matches).
fn check(entries: &[Entry]) -> Vec<String> {
    let mut bad = Vec::new();
    for e in entries {
        let data = std::fs::read(corpus_dir().join(&e.name)).expect("corpus file");
        let got = decode_entry(&e.format, &data, e.cap);
        if got != Err(e.expected) {
            bad.push(format!(
                "{}: expected {:?}, got {:?}",
                e.name, e.expected, got
            ));
        }
    }
    bad
}

#[test]
fn malformed_corpus_gives_expected_errors() {
    let entries = manifest();
    assert!(entries.len() >= 40, "corpus too small");
    let bad = check(&entries);
    assert!(bad.is_empty(), "corpus mismatches:\n{}", bad.join("\n"));
}

#[test]
fn malformed_corpus_check_detects_wrong_expectation() {
    // The checker itself must fail when an expectation is wrong.
    let mut entries = manifest();
    for e in &mut entries {
        e.expected = if e.expected == Error::OffsetZero {
            Error::BadMagic
        } else {
            Error::OffsetZero
        };
    }
    assert_eq!(check(&entries).len(), entries.len());
}

#[test]
fn every_corpus_file_is_in_manifest() {
    let names: Vec<String> = manifest().into_iter().map(|e| e.name).collect();
    for f in std::fs::read_dir(corpus_dir()).unwrap() {
        let n = f.unwrap().file_name().into_string().unwrap();
        if n == "MANIFEST" || n == "gen.py" {
            continue;
        }
        assert!(names.contains(&n), "{n} missing from MANIFEST");
    }
}

#[test]
fn raw_block_corpus_is_rejected_by_liblz4_too() {
    for e in manifest().iter().filter(|e| e.format == "block") {
        let data = std::fs::read(corpus_dir().join(&e.name)).unwrap();
        let c = rlz4::cref::decompress_safe(&data, e.cap);
        // Offset 0 is the documented strictness class: liblz4 accepts it.
        if e.expected == Error::OffsetZero {
            assert!(c.is_ok(), "{}: liblz4 should accept offset 0", e.name);
        } else {
            assert!(c.is_err(), "{}: liblz4 accepts it: {:?}", e.name, c);
        }
    }
}
