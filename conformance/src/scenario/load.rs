//! Reading and validating scenario files.
//!
//! Every error names the file, the scenario and the field, so an author can
//! fix a file without reading Rust. Validation also checks that each `${var}`
//! is a built-in variable or is captured by an earlier step.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;

use super::{
    BodyTemplate, Fix, Expect, ExpectOverride, Expectations, Profile, RequestTemplate, Scenario, Step, BUILTIN_VARS,
    REPEAT_VAR,
};
use crate::client::Auth;
use crate::jsonpath::JsonPath;
use crate::matcher::Matcher;
use crate::vars::{self, VarRef};

/// A scenario file that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: PathBuf,
    /// The scenario's name, or its position when the name itself is missing.
    pub scenario: Option<String>,
    /// The field, for example `step 2 ("create").expect.status`.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(scenario) = &self.scenario {
            write!(f, ": scenario {scenario}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    rule: String,
    #[serde(default)]
    tags: Vec<String>,
    profiles: Vec<Profile>,
    fix: Option<Fix>,
    #[serde(default)]
    exclusive: bool,
    #[serde(default)]
    step: Vec<RawStep>,
    #[serde(default)]
    cleanup: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    name: String,
    request: RawRequest,
    #[serde(default)]
    expect: RawExpect,
    #[serde(default)]
    capture: IndexMap<String, String>,
    #[serde(default)]
    capture_header: IndexMap<String, String>,
    repeat: Option<u32>,
    snapshot: Option<bool>,
    #[serde(default)]
    redact: Vec<String>,
    fix: Option<Fix>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    method: String,
    path: String,
    #[serde(default)]
    query: IndexMap<String, String>,
    #[serde(default)]
    headers: IndexMap<String, String>,
    json: Option<String>,
    body: Option<String>,
    auth: Option<RawAuth>,
    pad_to_bytes: Option<usize>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawAuth {
    Bearer,
    None,
    WrongKey,
    Malformed,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    status: Option<StatusSpec>,
    #[serde(default)]
    json: IndexMap<String, toml::Value>,
    #[serde(default)]
    headers: IndexMap<String, toml::Value>,
    empty_body: Option<bool>,
    atlassian: Option<RawExpectFields>,
    rfc7644: Option<RawExpectFields>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpectFields {
    status: Option<StatusSpec>,
    #[serde(default)]
    replace_json: bool,
    #[serde(default)]
    json: IndexMap<String, toml::Value>,
    #[serde(default)]
    headers: IndexMap<String, toml::Value>,
    empty_body: Option<bool>,
}

/// `status = 200` or `status = [200, 204]`.
#[derive(Debug, Clone)]
struct StatusSpec(Vec<i64>);

impl<'de> Deserialize<'de> for StatusSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            One(i64),
            Many(Vec<i64>),
        }
        match Form::deserialize(deserializer) {
            Ok(Form::One(code)) => Ok(StatusSpec(vec![code])),
            Ok(Form::Many(codes)) => Ok(StatusSpec(codes)),
            Err(_) => Err(serde::de::Error::custom(
                "expected a status code such as 201 or an array of codes such as [200, 204]",
            )),
        }
    }
}

/// Loads every `*.toml` file under `dir`, recursively, in path order.
pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, LoadError> {
    let mut files = Vec::new();
    collect_toml_files(dir, &mut files).map_err(|message| LoadError {
        file: dir.to_path_buf(),
        scenario: None,
        field: None,
        message,
    })?;
    files.sort();
    if files.is_empty() {
        return Err(LoadError {
            file: dir.to_path_buf(),
            scenario: None,
            field: None,
            message: "no *.toml scenario files found: pass --scenarios with the folder that contains them".to_owned(),
        });
    }

    let mut scenarios = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|error| LoadError {
            file: file.clone(),
            scenario: None,
            field: None,
            message: format!("failed to read: {error}"),
        })?;
        for scenario in load_file(&file, &text)? {
            if let Some(first) = seen.get(&scenario.name) {
                return Err(LoadError {
                    file: file.clone(),
                    scenario: Some(format!("`{}`", scenario.name)),
                    field: Some("name".to_owned()),
                    message: format!("duplicate name: also defined in {}", first.display()),
                });
            }
            seen.insert(scenario.name.clone(), file.clone());
            scenarios.push(scenario);
        }
    }
    Ok(scenarios)
}

fn collect_toml_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|error| format!("failed to read the scenario folder: {error}"))?;
    for entry in entries {
        let path = entry.map_err(|error| error.to_string())?.path();
        if path.is_dir() {
            collect_toml_files(&path, files)?;
        } else if path.extension().is_some_and(|extension| extension == "toml") {
            files.push(path);
        }
    }
    Ok(())
}

/// Parses the scenarios of one file; `file` is used in error messages only.
pub fn load_file(file: &Path, text: &str) -> Result<Vec<Scenario>, LoadError> {
    let error = |scenario: Option<String>, field: Option<String>, message: String| LoadError {
        file: file.to_path_buf(),
        scenario,
        field,
        message,
    };
    let mut table: toml::Table = toml::from_str(text).map_err(|parse| {
        error(None, None, format!("invalid TOML: {}", parse.to_string().trim_end()))
    })?;
    let entries = match table.remove("scenario") {
        Some(toml::Value::Array(entries)) => entries,
        Some(_) => return Err(error(None, Some("scenario".into()), "use `[[scenario]]` tables".into())),
        None => return Err(error(None, None, "no `[[scenario]]` table in this file".into())),
    };
    if let Some(extra) = table.keys().next() {
        return Err(error(
            None,
            Some(extra.clone()),
            "unknown top-level key: every entry belongs in a `[[scenario]]` table".into(),
        ));
    }

    let mut scenarios = Vec::new();
    for (position, entry) in entries.into_iter().enumerate() {
        let label = match entry.get("name").and_then(toml::Value::as_str) {
            Some(name) => format!("`{name}`"),
            None => format!("#{} in this file", position + 1),
        };
        let raw: RawScenario = serde_path_to_error::deserialize(entry).map_err(|failure| {
            let field = readable_path(&failure.path().to_string());
            error(Some(label.clone()), Some(field), failure.into_inner().to_string())
        })?;
        let scenario = validate(file, raw).map_err(|(field, message)| error(Some(label.clone()), Some(field), message))?;
        scenarios.push(scenario);
    }
    Ok(scenarios)
}

/// Turns serde's `step[1].expect` into the 1-based `step 2.expect` that authors count in.
fn readable_path(path: &str) -> String {
    let mut output = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else { break };
        output.push_str(&rest[..open]);
        match rest[open + 1..open + close].parse::<usize>() {
            Ok(index) => output.push_str(&format!(" {}", index + 1)),
            Err(_) => output.push_str(&rest[open..=open + close]),
        }
        rest = &rest[open + close + 1..];
    }
    output.push_str(rest);
    output
}

type FieldError = (String, String);

fn validate(file: &Path, raw: RawScenario) -> Result<Scenario, FieldError> {
    let field = |name: &str, message: String| (name.to_owned(), message);
    if raw.name.trim().is_empty() {
        return Err(field("name", "must not be empty".into()));
    }
    if raw.name.contains(['/', '\\', ' ']) {
        return Err(field("name", "use letters, digits, `.`, `-` and `_` only: it names the snapshot file".into()));
    }
    if raw.rule.trim().is_empty() {
        return Err(field("rule", "must say which rule the scenario checks".into()));
    }
    if raw.profiles.is_empty() {
        return Err(field("profiles", "list at least one of \"atlassian\", \"rfc7644\"".into()));
    }
    if raw.step.is_empty() {
        return Err(field("step", "a scenario needs at least one `[[scenario.step]]`".into()));
    }

    let mut defined: HashSet<String> = BUILTIN_VARS.iter().map(|name| (*name).to_owned()).collect();
    let mut steps = Vec::new();
    for (index, step) in raw.step.into_iter().enumerate() {
        let label = format!("step {} ({:?})", index + 1, step.name);
        let step = validate_step(step, &label, &defined, &raw.profiles)?;
        for (name, _) in &step.captures {
            defined.insert(name.clone());
        }
        for (name, _) in &step.header_captures {
            defined.insert(name.clone());
        }
        steps.push(step);
    }
    let mut cleanup = Vec::new();
    for (index, step) in raw.cleanup.into_iter().enumerate() {
        let label = format!("cleanup {} ({:?})", index + 1, step.name);
        cleanup.push(validate_step(step, &label, &defined, &raw.profiles)?);
    }

    Ok(Scenario {
        name: raw.name,
        rule: raw.rule.trim().to_owned(),
        tags: raw.tags,
        profiles: raw.profiles,
        fix: raw.fix,
        exclusive: raw.exclusive,
        steps,
        cleanup,
        source: file.to_path_buf(),
    })
}

fn validate_step(raw: RawStep, label: &str, defined: &HashSet<String>, profiles: &[Profile]) -> Result<Step, FieldError> {
    let field = |name: &str, message: String| (format!("{label}.{name}"), message);
    let mut in_scope = defined.clone();
    if raw.repeat.is_some() {
        in_scope.insert(REPEAT_VAR.to_owned());
    }
    let check_refs = |name: &str, found: Result<Vec<VarRef>, vars::VarError>| -> Result<(), FieldError> {
        for reference in found.map_err(|error| field(name, error.to_string()))? {
            if !in_scope.contains(&reference.name) {
                return Err(field(
                    name,
                    format!(
                        "undefined variable `${{{}}}`: use a built-in ({}{}) or capture it in an earlier step",
                        reference.name,
                        BUILTIN_VARS.join(", "),
                        if raw.repeat.is_some() { ", i" } else { "" },
                    ),
                ));
            }
        }
        Ok(())
    };

    let request = validate_request(raw.request, label)?;
    check_refs("request.path", vars::references(&request.path))?;
    for (name, value) in &request.query {
        check_refs(&format!("request.query.{name}"), vars::references(value))?;
    }
    for (name, value) in &request.headers {
        check_refs(&format!("request.headers.{name}"), vars::references(value))?;
    }
    match &request.body {
        Some(BodyTemplate::Json(value)) => check_refs("request.json", vars::json_references(value))?,
        Some(BodyTemplate::Raw(text)) => check_refs("request.body", vars::references(text))?,
        None => {}
    }

    let expect = validate_expect(raw.expect, label, profiles)?;
    let mut all_checks: Vec<(String, &Matcher)> = Vec::new();
    let base_json = expect.base.json.iter().map(|(path, m)| (format!("expect.json.{path}"), m));
    let base_headers = expect.base.headers.iter().map(|(name, m)| (format!("expect.headers.{name}"), m));
    all_checks.extend(base_json.chain(base_headers));
    for (profile, fields) in &expect.overrides {
        for (path, matcher) in &fields.json {
            all_checks.push((format!("expect.{profile}.json.{path}"), matcher));
        }
        for (name, matcher) in &fields.headers {
            all_checks.push((format!("expect.{profile}.headers.{name}"), matcher));
        }
    }
    for (name, matcher) in all_checks {
        check_refs(&name, matcher.references())?;
    }

    let mut captures = Vec::new();
    for (name, path) in raw.capture {
        check_capture_name(&name).map_err(|message| field(&format!("capture.{name}"), message))?;
        let path = JsonPath::parse(&path).map_err(|error| field(&format!("capture.{name}"), error.to_string()))?;
        captures.push((name, path));
    }
    let mut header_captures = Vec::new();
    for (name, header) in raw.capture_header {
        check_capture_name(&name).map_err(|message| field(&format!("capture_header.{name}"), message))?;
        header_captures.push((name, header));
    }
    let redact = raw
        .redact
        .iter()
        .map(|path| JsonPath::parse(path).map_err(|error| field("redact", error.to_string())))
        .collect::<Result<_, _>>()?;
    let repeat = match raw.repeat {
        Some(0) => return Err(field("repeat", "must be at least 1".into())),
        Some(count) => count,
        None => 1,
    };

    Ok(Step {
        name: raw.name,
        request,
        expect,
        captures,
        header_captures,
        repeat,
        snapshot: raw.snapshot.unwrap_or(true),
        redact,
        fix: raw.fix,
    })
}

fn check_capture_name(name: &str) -> Result<(), String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err("a variable name uses ASCII letters, digits and `_`, and does not start with a digit".into());
    }
    if BUILTIN_VARS.contains(&name) || name == REPEAT_VAR {
        return Err(format!("`{name}` is a built-in variable: choose another name"));
    }
    Ok(())
}

fn validate_request(raw: RawRequest, label: &str) -> Result<RequestTemplate, FieldError> {
    let field = |name: &str, message: String| (format!("{label}.request.{name}"), message);
    let method = raw.method.to_ascii_uppercase();
    if method.is_empty() || !method.bytes().all(|byte| byte.is_ascii_alphabetic()) {
        return Err(field("method", format!("`{}` is not an HTTP method", raw.method)));
    }
    if !raw.path.starts_with('/') {
        return Err(field(
            "path",
            format!("`{}` must start with `/`: it is appended to the base URL", raw.path),
        ));
    }
    let body = match (raw.json, raw.body) {
        (Some(_), Some(_)) => return Err(field("json", "set either `json` or `body`, not both".into())),
        (Some(text), None) => {
            let value = serde_json::from_str(&text).map_err(|error| field("json", format!("invalid JSON: {error}")))?;
            Some(BodyTemplate::Json(value))
        }
        (None, Some(text)) => Some(BodyTemplate::Raw(text)),
        (None, None) => None,
    };
    if raw.pad_to_bytes.is_some() && !matches!(body, Some(BodyTemplate::Json(_))) {
        return Err(field("pad_to_bytes", "pads a `json` body: set `json` too".into()));
    }
    let auth = match raw.auth.unwrap_or(RawAuth::Bearer) {
        RawAuth::Bearer => Auth::Bearer,
        RawAuth::None => Auth::None,
        RawAuth::WrongKey => Auth::WrongKey,
        RawAuth::Malformed => Auth::Malformed,
    };
    Ok(RequestTemplate {
        method,
        path: raw.path,
        query: raw.query.into_iter().collect(),
        headers: raw.headers.into_iter().collect(),
        body,
        auth,
        pad_to_bytes: raw.pad_to_bytes,
    })
}

fn validate_expect(raw: RawExpect, label: &str, profiles: &[Profile]) -> Result<Expect, FieldError> {
    let base = Expectations {
        status: raw.status.map(|spec| status_codes(spec, &format!("{label}.expect.status"))).transpose()?,
        json: json_checks(raw.json, &format!("{label}.expect.json"))?,
        headers: header_checks(raw.headers, &format!("{label}.expect.headers"))?,
        empty_body: raw.empty_body,
    };
    let mut overrides = Vec::new();
    for (profile, fields) in [(Profile::Atlassian, raw.atlassian), (Profile::Rfc7644, raw.rfc7644)] {
        let Some(fields) = fields else { continue };
        let prefix = format!("{label}.expect.{profile}");
        if !profiles.contains(&profile) {
            return Err((
                prefix,
                format!("the scenario does not apply to `{profile}`: add it to `profiles` or drop this override"),
            ));
        }
        overrides.push((
            profile,
            ExpectOverride {
                status: fields.status.map(|spec| status_codes(spec, &format!("{prefix}.status"))).transpose()?,
                replace_json: fields.replace_json,
                json: json_checks(fields.json, &format!("{prefix}.json"))?,
                headers: header_checks(fields.headers, &format!("{prefix}.headers"))?,
                empty_body: fields.empty_body,
            },
        ));
    }
    Ok(Expect { base, overrides })
}

fn status_codes(spec: StatusSpec, name: &str) -> Result<Vec<u16>, FieldError> {
    if spec.0.is_empty() {
        return Err((name.to_owned(), "list at least one status code".into()));
    }
    spec.0
        .into_iter()
        .map(|code| {
            u16::try_from(code)
                .ok()
                .filter(|code| (100..=599).contains(code))
                .ok_or_else(|| (name.to_owned(), format!("{code} is not an HTTP status code (100 to 599)")))
        })
        .collect()
}

fn json_checks(raw: IndexMap<String, toml::Value>, prefix: &str) -> Result<Vec<(JsonPath, Matcher)>, FieldError> {
    raw.into_iter()
        .map(|(path, value)| {
            let name = format!("{prefix}.{path}");
            let parsed = JsonPath::parse(&path).map_err(|error| (name.clone(), error.to_string()))?;
            let matcher = Matcher::from_toml(&value).map_err(|message| (name, message))?;
            Ok((parsed, matcher))
        })
        .collect()
}

fn header_checks(raw: IndexMap<String, toml::Value>, prefix: &str) -> Result<Vec<(String, Matcher)>, FieldError> {
    raw.into_iter()
        .map(|(header, value)| {
            let matcher = Matcher::from_toml(&value).map_err(|message| (format!("{prefix}.{header}"), message))?;
            Ok((header, matcher))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Vec<Scenario>, LoadError> {
        load_file(Path::new("users.toml"), text)
    }

    const VALID: &str = r#"
[[scenario]]
name = "users.create"
rule = "RFC 7644 §3.3: POST creates"
tags = ["users"]
profiles = ["atlassian", "rfc7644"]

[[scenario.step]]
name = "create"
request.method = "post"
request.path = "/Users"
request.json = '{"userName": "${run}-a", "emails": [{"value": "${email}", "primary": true}]}'
expect.status = 201
expect.json."$.userName" = "${run}-a"
expect.json."$.id" = { regex = "^[0-9a-f-]{36}$" }
expect.rfc7644.status = [200, 201]
capture.user_id = "$.id"

[[scenario.step]]
name = "read"
request.method = "GET"
request.path = "/Users/${user_id}"
expect.status = 200

[[scenario.cleanup]]
name = "delete"
request.method = "DELETE"
request.path = "/Users/${user_id}"
"#;

    fn error_of(text: &str) -> LoadError {
        load(text).expect_err("the file is invalid")
    }

    #[test]
    fn valid_file_loads() {
        let scenarios = load(VALID).expect("valid file");
        assert_eq!(scenarios.len(), 1);
        let scenario = &scenarios[0];
        assert_eq!(scenario.steps.len(), 2);
        assert_eq!(scenario.steps[0].request.method, "POST");
        assert_eq!(scenario.cleanup.len(), 1);
        assert!(scenario.writes());
        assert_eq!(scenario.steps[0].expect.for_profile(Profile::Atlassian).status, Some(vec![201]));
        assert_eq!(scenario.steps[0].expect.for_profile(Profile::Rfc7644).status, Some(vec![200, 201]));
        assert_eq!(scenario.steps[0].expect.for_profile(Profile::Rfc7644).json.len(), 2);
    }

    #[test]
    fn profile_json_merges_unless_replaced() {
        let merged = VALID.replace(
            "expect.rfc7644.status = [200, 201]",
            "expect.rfc7644.json.\"$.id\" = { present = true }\nexpect.rfc7644.json.\"$.extra\" = 1",
        );
        let scenarios = load(&merged).expect("valid file");
        let checks = scenarios[0].steps[0].expect.for_profile(Profile::Rfc7644).json;
        let paths: Vec<&str> = checks.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(paths, vec!["$.userName", "$.id", "$.extra"]);

        let replaced = VALID.replace("expect.rfc7644.status = [200, 201]", "expect.rfc7644.replace_json = true");
        let scenarios = load(&replaced).expect("valid file");
        assert!(scenarios[0].steps[0].expect.for_profile(Profile::Rfc7644).json.is_empty());
        assert_eq!(scenarios[0].steps[0].expect.for_profile(Profile::Atlassian).json.len(), 2);
    }

    #[test]
    fn toml_syntax_error_names_file() {
        let error = error_of("[[scenario]\nname = 1");
        assert_eq!(error.file, Path::new("users.toml"));
        assert!(error.message.starts_with("invalid TOML"), "{error}");
    }

    #[test]
    fn unknown_field_names_scenario_and_field() {
        let error = error_of(&VALID.replace("expect.status = 200", "expect.statsu = 200"));
        assert_eq!(error.scenario.as_deref(), Some("`users.create`"));
        assert_eq!(error.field.as_deref(), Some("step 2.expect.statsu"));
        assert!(error.message.contains("unknown field `statsu`"), "{error}");
        let rendered = error.to_string();
        assert!(
            rendered.starts_with("users.toml: scenario `users.create`: field `step 2.expect.statsu`"),
            "{rendered}"
        );
    }

    #[test]
    fn missing_name_uses_position() {
        let error = error_of(&VALID.replace("name = \"users.create\"\n", ""));
        assert_eq!(error.scenario.as_deref(), Some("#1 in this file"));
        assert!(error.message.contains("missing field `name`"), "{error}");
    }

    #[test]
    fn bad_status_is_explained() {
        let error = error_of(&VALID.replace("expect.status = 201", "expect.status = \"201\""));
        assert_eq!(error.field.as_deref(), Some("step 1.expect.status"));
        assert!(error.message.contains("expected a status code"), "{error}");
        let error = error_of(&VALID.replace("expect.status = 201", "expect.status = 999"));
        assert!(error.message.contains("999 is not an HTTP status code"), "{error}");
    }

    #[test]
    fn invalid_json_body_names_step() {
        let error = error_of(&VALID.replace(r#""primary": true}]}"#, r#""primary": true}"#));
        assert_eq!(error.field.as_deref(), Some("step 1 (\"create\").request.json"));
        assert!(error.message.contains("invalid JSON"), "{error}");
    }

    #[test]
    fn undefined_variable_is_caught_before_running() {
        let error = error_of(&VALID.replace("/Users/${user_id}\"\nexpect.status = 200", "/Users/${usr_id}\"\nexpect.status = 200"));
        assert_eq!(error.field.as_deref(), Some("step 2 (\"read\").request.path"));
        assert!(error.message.contains("undefined variable `${usr_id}`"), "{error}");
    }

    #[test]
    fn capture_of_later_step_is_not_in_scope() {
        let text = VALID.replace("request.path = \"/Users\"", "request.path = \"/Users/${user_id}\"");
        let error = error_of(&text);
        assert_eq!(error.field.as_deref(), Some("step 1 (\"create\").request.path"));
    }

    #[test]
    fn bad_matcher_and_path_are_named() {
        let error = error_of(&VALID.replace("{ regex = ", "{ regx = "));
        assert_eq!(error.field.as_deref(), Some("step 1 (\"create\").expect.json.$.id"));
        let error = error_of(&VALID.replace("expect.json.\"$.userName\"", "expect.json.\"userName\""));
        assert!(error.message.contains("starts with `$`"), "{error}");
    }

    #[test]
    fn override_for_unlisted_profile_is_rejected() {
        let error = error_of(&VALID.replace("profiles = [\"atlassian\", \"rfc7644\"]", "profiles = [\"atlassian\"]"));
        assert_eq!(error.field.as_deref(), Some("step 1 (\"create\").expect.rfc7644"));
    }

    #[test]
    fn unknown_profile_is_rejected() {
        let error = error_of(&VALID.replace("\"rfc7644\"]", "\"okta\"]"));
        assert_eq!(error.field.as_deref(), Some("profiles 2"));
        assert!(error.message.contains("unknown variant `okta`"), "{error}");
    }

    #[test]
    fn relative_path_is_rejected() {
        let error = error_of(&VALID.replace("request.path = \"/Users\"", "request.path = \"Users\""));
        assert!(error.message.contains("must start with `/`"), "{error}");
    }

    #[test]
    fn builtin_capture_name_is_rejected() {
        let error = error_of(&VALID.replace("capture.user_id", "capture.run"));
        assert_eq!(error.field.as_deref(), Some("step 1 (\"create\").capture.run"));
    }

    #[test]
    fn duplicate_names_across_files_are_rejected() {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::write(dir.path().join("a.toml"), VALID).expect("write a.toml");
        std::fs::write(dir.path().join("b.toml"), VALID).expect("write b.toml");
        let error = load_dir(dir.path()).expect_err("duplicate names");
        assert!(error.message.contains("duplicate name"), "{error}");
        assert!(error.file.ends_with("b.toml"), "{error}");
    }

    #[test]
    fn empty_folder_is_an_error() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let error = load_dir(dir.path()).expect_err("no files");
        assert!(error.message.contains("no *.toml scenario files"), "{error}");
    }
}
