//! The small JSON path the case files use: `$`, `.name`, `['name']`,
//! `[index]` (negative counts from the end), e.g. `$.items[0].id`.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(i64),
}

/// Parses `path`; the error says where it went wrong.
pub fn parse(path: &str) -> Result<Vec<Step>, String> {
    let rest = path
        .strip_prefix('$')
        .ok_or_else(|| format!("a JSON path starts with `$`, found `{path}`"))?;
    let chars: Vec<char> = rest.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && chars[end] != '.' && chars[end] != '[' {
                    end += 1;
                }
                if end == start {
                    return Err(format!("`{path}` has an empty name after `.`"));
                }
                steps.push(Step::Key(chars[start..end].iter().collect()));
                i = end;
            }
            '[' => {
                let close = chars[i..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|offset| i + offset)
                    .ok_or_else(|| format!("`{path}` has a `[` without `]`"))?;
                let inside: String = chars[i + 1..close].iter().collect();
                let quoted = inside
                    .strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .or_else(|| inside.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
                match quoted {
                    Some(key) => steps.push(Step::Key(key.to_owned())),
                    None => steps.push(Step::Index(inside.trim().parse().map_err(|_| {
                        format!(
                            "`{path}`: expected an index or a quoted name in [], found `{inside}`"
                        )
                    })?)),
                }
                i = close + 1;
            }
            other => return Err(format!("`{path}`: unexpected `{other}`")),
        }
    }
    Ok(steps)
}

/// The value at `steps` in `value`, if there is one.
pub fn get<'a>(value: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    steps
        .iter()
        .try_fold(value, |value, step| match (step, value) {
            (Step::Key(key), Value::Object(map)) => map.get(key),
            (Step::Index(index), Value::Array(items)) => {
                let index = if *index < 0 {
                    items.len() as i64 + index
                } else {
                    *index
                };
                usize::try_from(index)
                    .ok()
                    .and_then(|index| items.get(index))
            }
            _ => None,
        })
}

/// The JSON type names the case files use.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reach_into_objects_and_arrays() {
        let value = serde_json::json!({"items": [{"id": 1}, {"id": 2, "a b": true}]});
        let at = |path: &str| get(&value, &parse(path).unwrap()).cloned();
        assert_eq!(at("$"), Some(value.clone()));
        assert_eq!(at("$.items[0].id"), Some(serde_json::json!(1)));
        assert_eq!(at("$.items[-1]['a b']"), Some(serde_json::json!(true)));
        assert_eq!(at("$.items[5]"), None);
        assert_eq!(at("$.nothing.here"), None);
    }

    #[test]
    fn bad_paths_say_why() {
        assert!(parse("items").unwrap_err().contains("starts with `$`"));
        assert!(
            parse("$.items[x]")
                .unwrap_err()
                .contains("expected an index")
        );
        assert!(parse("$..x").unwrap_err().contains("empty name"));
    }
}
