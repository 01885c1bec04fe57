//! What a learner's SQL is, read before it runs: how many statements, and
//! whether a query exercise's one statement only reads.
//!
//! A small lexer, not a parser: it knows strings (`'…'`, `E'…'`), quoted
//! names (`"…"`, `` `…` ``, `[…]`), PostgreSQL's dollar quotes (`$tag$…$tag$`)
//! and both comment forms, so a `;` or a keyword inside any of them counts
//! for nothing. The database refuses writes as well (a read-only transaction
//! and SELECT-only grants on PostgreSQL, an authorizer on SQLite); this check
//! is there so a learner is told why before anything runs.

/// Words that make a statement more than a read, wherever they appear
/// outside strings and quoted names.
/// Words that are also common column names (`comment`, `release`) or
/// functions (`replace`) are left out: the database still refuses them.
const WRITE_WORDS: &[&str] = &[
    "insert",
    "update",
    "delete",
    "merge",
    "upsert",
    "create",
    "drop",
    "alter",
    "truncate",
    "grant",
    "revoke",
    "copy",
    "attach",
    "detach",
    "pragma",
    "vacuum",
    "reindex",
    "lock",
    "call",
    "do",
    "set",
    "reset",
    "load",
    "listen",
    "notify",
    "refresh",
    "begin",
    "commit",
    "rollback",
    "savepoint",
    "prepare",
    "execute",
    "deallocate",
    "discard",
    "into",
];
/// How a read-only statement may begin.
const READ_STARTS: &[&str] = &["select", "with", "values", "table"];

/// Why a query was refused before it ran.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the file holds no SQL statement")]
    Empty,
    #[error("a query exercise takes one statement; this file holds {0}")]
    Several(usize),
    #[error(
        "a query exercise takes one read-only statement (SELECT or WITH … SELECT); this one {0}"
    )]
    NotARead(String),
    #[error("the SQL has {0}")]
    Unterminated(&'static str),
}

/// The words (lowercased keywords and names) of each statement, split on
/// `;`; empty statements are dropped.
pub fn statements(sql: &str) -> Result<Vec<Vec<String>>, Refusal> {
    let chars: Vec<char> = sql.chars().collect();
    let mut statements = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut tokens_in_statement = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            _ if c.is_whitespace() => i += 1,
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => i = skip_block_comment(&chars, i)?,
            '\'' => {
                i = skip_quoted(&chars, i, '\'', false, "an unterminated string")?;
                tokens_in_statement += 1;
            }
            '"' | '`' => {
                i = skip_quoted(&chars, i, c, false, "an unterminated quoted name")?;
                tokens_in_statement += 1;
            }
            '[' => {
                // A quoted name in SQLite; an array subscript in PostgreSQL.
                // Either way nothing inside is a keyword of this statement.
                let end = chars[i..].iter().position(|&c| c == ']');
                i = end.map_or(chars.len(), |end| i + end + 1);
                tokens_in_statement += 1;
            }
            '$' if dollar_tag(&chars, i).is_some() => {
                let tag = dollar_tag(&chars, i).unwrap_or_default();
                let body = i + tag.len();
                let close = find(&chars, body, &tag)
                    .ok_or(Refusal::Unterminated("an unterminated $-quoted string"))?;
                i = close + tag.len();
                tokens_in_statement += 1;
            }
            ';' => {
                if tokens_in_statement > 0 {
                    statements.push(std::mem::take(&mut words));
                }
                words.clear();
                tokens_in_statement = 0;
                i += 1;
            }
            _ if c.is_alphabetic() || c == '_' => {
                let start = i;
                i = word_end(&chars, i);
                let word: String = chars[start..i].iter().collect();
                // E'…' and friends (B'…', X'…', N'…'): a prefixed string.
                // Only an E string escapes with a backslash; in every other
                // string, as the engines read it, a backslash is itself.
                if i < chars.len() && chars[i] == '\'' && word.len() == 1 {
                    let escapes = word.eq_ignore_ascii_case("e");
                    i = skip_quoted(&chars, i, '\'', escapes, "an unterminated string")?;
                } else {
                    words.push(word.to_lowercase());
                }
                tokens_in_statement += 1;
            }
            _ => {
                tokens_in_statement += 1;
                i += 1;
            }
        }
    }
    if tokens_in_statement > 0 {
        statements.push(words);
    }
    Ok(statements)
}

/// Where the block comment opening at `start` ends (after its `*/`);
/// PostgreSQL nests them.
fn skip_block_comment(chars: &[char], start: usize) -> Result<usize, Refusal> {
    let mut depth = 0;
    let mut i = start;
    loop {
        if i + 1 >= chars.len() {
            return Err(Refusal::Unterminated("an unterminated /* comment"));
        }
        if chars[i] == '/' && chars[i + 1] == '*' {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars[i + 1] == '/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Ok(i);
            }
        } else {
            i += 1;
        }
    }
}

/// Where the keyword or name starting at `start` ends.
fn word_end(chars: &[char], start: usize) -> usize {
    let mut i = start;
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
        i += 1;
    }
    i
}

/// Accepts exactly one statement that only reads.
pub fn check_query(sql: &str) -> Result<(), Refusal> {
    let statements = statements(sql)?;
    let statement = match statements.as_slice() {
        [] => return Err(Refusal::Empty),
        [one] => one,
        several => return Err(Refusal::Several(several.len())),
    };
    let Some(first) = statement.first() else {
        return Err(Refusal::NotARead("has no keyword".to_owned()));
    };
    if !READ_STARTS.contains(&first.as_str()) {
        return Err(Refusal::NotARead(format!(
            "starts with `{}`",
            first.to_uppercase()
        )));
    }
    if let Some(word) = statement
        .iter()
        .find(|word| WRITE_WORDS.contains(&word.as_str()))
    {
        let what = if word == "into" {
            "has `INTO`, which would create or fill a table".to_owned()
        } else {
            format!(
                "has `{}`, which would change the database",
                word.to_uppercase()
            )
        };
        return Err(Refusal::NotARead(what));
    }
    Ok(())
}

/// Skips a quoted run starting at `start` (the opening quote), where a
/// doubled quote stands for itself, and a backslash escapes the next
/// character when `backslash` is set; returns the index after it.
fn skip_quoted(
    chars: &[char],
    start: usize,
    quote: char,
    backslash: bool,
    what: &'static str,
) -> Result<usize, Refusal> {
    let mut i = start + 1;
    while i < chars.len() {
        if chars[i] == quote {
            if chars.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Ok(i + 1);
        }
        if backslash && chars[i] == '\\' {
            i += 2;
            continue;
        }
        i += 1;
    }
    Err(Refusal::Unterminated(what))
}

/// `$tag$` (or `$$`) starting at `start`, if one does.
fn dollar_tag(chars: &[char], start: usize) -> Option<String> {
    let mut i = start + 1;
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
        i += 1;
    }
    // `$1` is a parameter, not a tag.
    if chars.get(start + 1).is_some_and(char::is_ascii_digit) {
        return None;
    }
    (chars.get(i) == Some(&'$')).then(|| chars[start..=i].iter().collect())
}

fn find(chars: &[char], from: usize, needle: &str) -> Option<usize> {
    let needle: Vec<char> = needle.chars().collect();
    (from..chars.len()).find(|&i| chars[i..].starts_with(&needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sql: &str, expected: Result<(), &str>) {
        let got = check_query(sql).map_err(|refusal| refusal.to_string());
        assert_eq!(got, expected.map_err(str::to_owned), "for {sql:?}");
    }

    #[test]
    fn a_plain_select_is_a_query() {
        check("SELECT name FROM customers WHERE id = 1;", Ok(()));
        check("  select 1  ", Ok(()));
        check(
            "WITH t AS (SELECT 1 AS x) SELECT x FROM t;\n-- done\n",
            Ok(()),
        );
        check("VALUES (1), (2)", Ok(()));
    }

    #[test]
    fn keywords_inside_strings_names_and_comments_do_not_count() {
        check("SELECT 'a; DELETE FROM t' AS s", Ok(()));
        check("SELECT \"update\" FROM t -- drop table t;", Ok(()));
        check("SELECT 1 /* ; insert /* nested */ into */", Ok(()));
        check("SELECT $body$ ; drop $body$ AS x", Ok(()));
        check("SELECT E'it\\'s; delete' AS x", Ok(()));
        check("SELECT 'it''s; delete'", Ok(()));
    }

    #[test]
    fn more_than_one_statement_is_refused() {
        check(
            "SELECT 1; SELECT 2;",
            Err("a query exercise takes one statement; this file holds 2"),
        );
        check(
            "SELECT 1; DELETE FROM orders",
            Err("a query exercise takes one statement; this file holds 2"),
        );
    }

    #[test]
    fn a_write_is_refused_before_it_runs() {
        check(
            "DELETE FROM orders",
            Err(
                "a query exercise takes one read-only statement (SELECT or WITH … SELECT); this one starts with `DELETE`",
            ),
        );
        check(
            "WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone",
            Err(
                "a query exercise takes one read-only statement (SELECT or WITH … SELECT); this one has `DELETE`, which would change the database",
            ),
        );
        check(
            "SELECT * INTO copy FROM orders",
            Err(
                "a query exercise takes one read-only statement (SELECT or WITH … SELECT); this one has `INTO`, which would create or fill a table",
            ),
        );
    }

    #[test]
    fn a_backslash_escapes_only_in_an_e_string() {
        // In a plain string a backslash is a backslash, so this is three
        // statements, however the SQL looks to someone who thinks
        // otherwise.
        check(
            "SELECT '\\'; COMMIT; ALTER ROLE learner SET statement_timeout = 1; --'",
            Err("a query exercise takes one statement; this file holds 3"),
        );
        check("SELECT 'C:\\' AS path", Ok(()));
        check("SELECT E'it\\'s' AS x", Ok(()));
    }

    #[test]
    fn empty_and_unterminated_sql_is_refused() {
        check("-- nothing yet\n;;", Err("the file holds no SQL statement"));
        check("SELECT 'oops", Err("the SQL has an unterminated string"));
        check(
            "SELECT 1 /* oops",
            Err("the SQL has an unterminated /* comment"),
        );
    }

    #[test]
    fn statements_are_counted_for_scripts() {
        let script = "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\n-- end\n";
        assert_eq!(statements(script).map(|s| s.len()), Ok(2));
    }
}
