//! Access to JSON object keys ignoring case, because SCIM attribute names
//! are case-insensitive (RFC 7643 §2.1), while writes use the canonical
//! spelling from the schema tables.

use serde_json::{Map, Value};

/// Finds the key that equals `name` ignoring case, preferring an exact match.
pub(super) fn find_key(object: &Map<String, Value>, name: &str) -> Option<String> {
    if object.contains_key(name) {
        return Some(name.to_string());
    }
    object.keys().find(|key| key.eq_ignore_ascii_case(name)).cloned()
}

/// Looks up `name` ignoring case.
pub(super) fn get<'m>(object: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    let key = find_key(object, name)?;
    object.get(&key)
}

/// Looks up `name` ignoring case, for writing.
pub(super) fn get_mut<'m>(object: &'m mut Map<String, Value>, name: &str) -> Option<&'m mut Value> {
    let key = find_key(object, name)?;
    object.get_mut(&key)
}

/// Removes every key that equals `name` ignoring case, and returns the value
/// of the last one removed.
pub(super) fn remove(object: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let mut removed = None;
    while let Some(key) = find_key(object, name) {
        removed = object.shift_remove(&key);
    }
    removed
}

/// Stores `value` under the canonical key `name`, replacing any key that
/// differs from it only in case.
pub(super) fn insert(object: &mut Map<String, Value>, name: &str, value: Value) {
    if !object.contains_key(name) {
        remove(object, name);
    }
    object.insert(name.to_string(), value);
}

/// Returns the object stored under `name`, first storing an empty one when
/// the key is missing or contains another type.
pub(super) fn object_entry<'m>(object: &'m mut Map<String, Value>, name: &str) -> &'m mut Map<String, Value> {
    let slot = canonical_slot(object, name);
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(inner) => inner,
        _ => unreachable!("the slot for {name} was set to an object above"),
    }
}

/// Returns the array stored under `name`, first storing an empty one when
/// the key is missing or contains another type.
pub(super) fn array_entry<'m>(object: &'m mut Map<String, Value>, name: &str) -> &'m mut Vec<Value> {
    let slot = canonical_slot(object, name);
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    match slot {
        Value::Array(items) => items,
        _ => unreachable!("the slot for {name} was set to an array above"),
    }
}

/// Returns the value under the canonical key `name`, renaming a key that
/// differs only in case, or storing `null` when there is none.
fn canonical_slot<'m>(object: &'m mut Map<String, Value>, name: &str) -> &'m mut Value {
    if !object.contains_key(name) {
        let value = remove(object, name).unwrap_or(Value::Null);
        object.insert(name.to_string(), value);
    }
    object.entry(name.to_string()).or_insert(Value::Null)
}

/// Copies `fields` into `object`, where a `null` field removes that key.
pub(super) fn merge(object: &mut Map<String, Value>, fields: Map<String, Value>) {
    for (name, field) in fields {
        if field.is_null() {
            remove(object, &name);
        } else {
            insert(object, &name, field);
        }
    }
}

/// Returns whether an element's `primary` sub-attribute is `true`.
pub(super) fn is_primary(element: &Value) -> bool {
    element
        .as_object()
        .and_then(|object| get(object, "primary"))
        .is_some_and(|primary| primary == &Value::Bool(true))
}

/// Describes a JSON value for an error message, such as `the string "yes"`
/// or `an array`.
pub(super) fn describe(value: &Value) -> String {
    const MAX_CHARS: usize = 60;

    match value {
        Value::Null => "null".to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) if text.chars().count() > MAX_CHARS => {
            let start: String = text.chars().take(MAX_CHARS).collect();
            format!("the string {start:?}...")
        }
        Value::String(text) => format!("the string {text:?}"),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(object) => object,
            other => panic!("test fixture is not an object: {other}"),
        }
    }

    #[test]
    fn get_ignores_case() {
        let map = object(json!({"userName": "a"}));
        assert_eq!(get(&map, "USERNAME"), Some(&json!("a")));
    }

    #[test]
    fn get_prefers_exact_key() {
        let map = object(json!({"TITLE": "upper", "title": "exact"}));
        assert_eq!(get(&map, "title"), Some(&json!("exact")));
    }

    #[test]
    fn insert_replaces_case_variant() {
        let mut map = object(json!({"USERNAME": "a"}));
        insert(&mut map, "userName", json!("b"));
        assert_eq!(Value::Object(map), json!({"userName": "b"}));
    }

    #[test]
    fn insert_keeps_position_of_exact_key() {
        let mut map = object(json!({"a": 1, "b": 2, "c": 3}));
        insert(&mut map, "b", json!(20));
        let keys: Vec<&String> = map.keys().collect();
        assert_eq!(keys, ["a", "b", "c"]);
    }

    #[test]
    fn remove_drops_all_case_variants() {
        let mut map = object(json!({"title": 1, "Title": 2, "other": 3}));
        remove(&mut map, "TITLE");
        assert_eq!(Value::Object(map), json!({"other": 3}));
    }

    #[test]
    fn object_entry_replaces_non_object() {
        let mut map = object(json!({"NAME": "oops"}));
        object_entry(&mut map, "name").insert("givenName".into(), json!("B"));
        assert_eq!(Value::Object(map), json!({"name": {"givenName": "B"}}));
    }

    #[test]
    fn array_entry_renames_key() {
        let mut map = object(json!({"EMAILS": [1]}));
        array_entry(&mut map, "emails").push(json!(2));
        assert_eq!(Value::Object(map), json!({"emails": [1, 2]}));
    }

    #[test]
    fn merge_sets_and_clears() {
        let mut map = object(json!({"givenName": "A", "familyName": "B"}));
        merge(&mut map, object(json!({"GIVENNAME": null, "middleName": "C"})));
        assert_eq!(Value::Object(map), json!({"familyName": "B", "middleName": "C"}));
    }

    #[test]
    fn describe_truncates_long_string() {
        let text = "x".repeat(100);
        let described = describe(&json!(text));
        assert!(described.ends_with("\"..."), "{described}");
        assert!(described.len() < 80, "{described}");
    }

    #[test]
    fn is_primary_needs_boolean_true() {
        assert!(is_primary(&json!({"PRIMARY": true})));
        assert!(!is_primary(&json!({"primary": "true"})));
        assert!(!is_primary(&json!({"value": "a"})));
    }
}
