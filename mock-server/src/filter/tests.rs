//! Robustness tests across the parser, formatter and evaluator: no input,
//! however mangled, may panic, and formatting a parsed filter gives text
//! that parses to the same tree.

use serde_json::json;

use super::{parse, parse_patch_path, MAX_NESTING, MAX_TERMS};
use crate::schema::USER_SCHEMA;

/// Valid filters and paths that exercise every part of the grammar.
const CORPUS: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"name.familyName co "O'Malley""#,
    r#"userName sw "J""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    "title pr",
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"title pr or userType eq "Intern""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    r#"emails[type eq "work"].value eq "a@b.c""#,
    r#"displayName eq "Zoë \"Z\" \\ \u00e9 \uD83D\uDE00 東京""#,
    "active eq TRUE AND n le -1.5e-3 OR x eq null",
    "not(a pr)",
    "members.$ref pr",
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales""#,
];

/// Characters that the mutations insert or substitute, including multi-byte ones.
const MUTATIONS: &[char] = &[
    '"', '\\', '(', ')', '[', ']', ' ', '.', ':', '$', 'u', '0', '-', 'e', 'é', '東', '😀', '\u{0}', '\t',
];

/// Runs everything a caller may do with an input and returns normally
/// unless something panics.
fn exercise(input: &str) {
    let char_count = input.chars().count();
    let user = json!({"userName": "bjensen", "emails": [{"value": "a@b.c", "type": "work"}], "meta": {}});

    match parse(input) {
        Ok(filter) => {
            let _ = filter.matches(&user, USER_SCHEMA.attributes);
            let _ = format!("{filter:?}");
            let text = filter.to_string();
            assert!(
                parse(&text).is_ok(),
                "formatted {input:?} as {text:?}, which does not parse"
            );
        }
        Err(error) => {
            assert!(
                error.position <= char_count,
                "{input:?}: position {} past the end",
                error.position
            );
            let _ = error.to_string();
        }
    }

    match parse_patch_path(input) {
        Ok(path) => {
            let _ = path.to_string();
        }
        Err(error) => {
            assert!(
                error.position <= char_count,
                "{input:?}: position {} past the end",
                error.position
            );
        }
    }
}

#[test]
fn corpus_parses() {
    for input in CORPUS {
        assert!(parse(input).is_ok(), "{input:?}: {:?}", parse(input));
    }
}

#[test]
fn display_round_trips() {
    for input in CORPUS {
        let Ok(filter) = parse(input) else {
            panic!("{input:?} should parse");
        };
        let text = filter.to_string();
        assert_eq!(parse(&text).as_ref(), Ok(&filter), "{input:?} formatted as {text:?}");
    }
}

#[test]
fn patch_path_round_trips() {
    for input in [
        "name.givenName",
        r#"emails[type eq "work"].value"#,
        r#"members[value eq "a\"b"]"#,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ] {
        let Ok(path) = parse_patch_path(input) else {
            panic!("{input:?} should parse");
        };
        assert_eq!(parse_patch_path(&path.to_string()).as_ref(), Ok(&path), "{input:?}");
    }
}

#[test]
fn truncations_never_panic() {
    for input in CORPUS {
        for (index, _) in input.char_indices() {
            exercise(&input[..index]);
            exercise(&input[index..]);
        }
    }
}

#[test]
fn mutations_never_panic() {
    for input in CORPUS {
        let chars: Vec<char> = input.chars().collect();
        for index in 0..=chars.len() {
            let mut deleted = chars.clone();
            if index < deleted.len() {
                deleted.remove(index);
                exercise(&deleted.iter().collect::<String>());
            }

            for &mutation in MUTATIONS {
                let mut inserted = chars.clone();
                inserted.insert(index, mutation);
                exercise(&inserted.iter().collect::<String>());

                if index < chars.len() {
                    let mut replaced = chars.clone();
                    replaced[index] = mutation;
                    exercise(&replaced.iter().collect::<String>());
                }
            }
        }
    }
}

#[test]
fn odd_inputs_never_panic() {
    let long_word = "a".repeat(100_000);
    let many_quotes = "\"".repeat(10_001);
    let inputs = [
        "",
        "\u{0}",
        "\\",
        "\"\\u",
        "\"\\uD800\\u",
        "\"\\uD800\\uZZZZ\"",
        "a eq \"\\",
        "😀",
        "é eq 1",
        "a[",
        "a[b[",
        "]",
        "a eq -",
        "urn:",
        "urn:a:",
        ":",
        "a.",
        ".a",
        "a..b pr",
        long_word.as_str(),
        many_quotes.as_str(),
    ];
    for input in inputs {
        exercise(input);
    }
}

#[test]
fn deepest_filter_evaluates() {
    // Maximum nesting around a chain of the maximum number of terms: the
    // deepest tree the parser accepts must evaluate, format and drop.
    let chain = vec![r#"userName eq "x""#; MAX_TERMS].join(" or ");
    let input = format!("{}{chain}{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    let Ok(filter) = parse(&input) else {
        panic!("the deepest accepted filter should parse");
    };

    let user = json!({"userName": "y"});
    assert!(!filter.matches(&user, USER_SCHEMA.attributes));
    assert!(!format!("{filter:?}").is_empty());
    assert!(parse(&filter.to_string()).is_ok());
}
