//! Similarity between learners' submissions of one exercise, as MOSS and
//! Dolos measure it: each submission becomes a stream of normalised
//! tokens, its k-grams are hashed, and winnowing keeps a few of those
//! hashes (fingerprints) from every window of them, so that any match of
//! at least `k + window - 1` tokens shares a fingerprint. An index from
//! fingerprint to the submissions that hold it gives the pairs that share
//! anything, so the cost grows with the matches, not with the number of
//! pairs.
//!
//! Tokens come from a real parser: tree-sitter's Python grammar for
//! Python files, sqlparser's tokenizer for SQL. Identifiers become one
//! token (renaming changes nothing), literals one per kind, comments and
//! docstrings and layout none; the operands of a commutative operator
//! (`+`, `*`, `==`, `!=`, `and`, `or`, `&`, `|`, `^`) are put in one
//! order, so `b + a` reads as `a + b`. Fingerprints are a set, so moving a
//! function changes nothing, and dead code only adds fingerprints of its
//! own. What every submission shares because the exercise gave it (the
//! starter's code: every k-gram of it) counts for nobody, nor does what
//! many submissions hold (more than [`common_limit`] of them, as MOSS
//! ignores passages found in many files): it is the exercise's shape, not
//! a copy — so a ring of more than that many copies of one solution is not
//! reported either. The tree is walked with recursion [`MAX_DEPTH`] deep
//! at most, then flat, so no file's nesting exhausts a stack.
//!
//! A pair's score is Dolos's: twice the fingerprints both hold over the
//! sum of each one's, from 0 to 1.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use serde::Serialize;

/// Tokens in a k-gram.
const K: usize = 12;
/// K-grams in a winnowing window: a match of `K + WINDOW - 1` tokens or
/// more is always found.
const WINDOW: usize = 5;

/// How a submission's files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Python,
    Sql,
}

impl Language {
    /// Whether a file of a submission is one this language reads.
    pub fn reads(self, name: &str) -> bool {
        match self {
            Language::Python => name.ends_with(".py"),
            Language::Sql => name.ends_with(".sql"),
        }
    }
}

/// One learner's submission: their name and their files' text.
#[derive(Debug, Clone)]
pub struct Document {
    pub learner: String,
    pub files: BTreeMap<String, String>,
}

/// Two learners' submissions, how alike they are, and where.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pair {
    pub a: String,
    pub b: String,
    /// 0 to 1.
    pub score: f64,
    /// Fingerprints both hold.
    pub shared: usize,
    pub fragments: Vec<Fragment>,
}

/// A passage that matches, each side.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Fragment {
    pub a: Lines,
    pub b: Lines,
}

/// Lines `start..=end` (from 1) of a file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Lines {
    pub file: String,
    pub start: u32,
    pub end: u32,
}

/// How an exercise of `kind` is read, if similarity reads it: Python for
/// the kinds whose files are Python, SQL for sql; none for shell.
pub fn language_of(kind: crate::exercise::Kind) -> Option<Language> {
    use crate::exercise::Kind;
    match kind {
        Kind::Python | Kind::Pytest | Kind::Api => Some(Language::Python),
        Kind::Sql => Some(Language::Sql),
        Kind::Shell => None,
    }
}

/// What every learner of `exercise` was given: its starter's files.
pub fn given(exercise: &crate::Exercise) -> BTreeMap<String, String> {
    exercise
        .spec
        .submission
        .files
        .iter()
        .filter_map(|file| {
            let path = std::path::Path::new("starter").join(&file.name);
            crate::fsread::read_to_string_in(&exercise.dir, &path, file.max_size())
                .ok()
                .map(|text| (file.name.clone(), text))
        })
        .collect()
}

/// A learner's files of `exercise` in `folder`: the submission's files
/// that are there (plain files, within their size cap, UTF-8), by name.
pub fn read_learner(
    exercise: &crate::Exercise,
    folder: &std::path::Path,
) -> BTreeMap<String, String> {
    exercise
        .spec
        .submission
        .files
        .iter()
        .filter_map(|file| {
            crate::fsread::read_to_string_in(
                folder,
                std::path::Path::new(&file.name),
                file.max_size(),
            )
            .ok()
            .map(|text| (file.name.clone(), text))
        })
        .collect()
}

/// A token: its normalised form, hashed, and where it was.
#[derive(Debug, Clone, Copy)]
struct Token {
    hash: u64,
    file: usize,
    line: u32,
}

/// A fingerprint of a document: its hash, and the lines of the k-gram it
/// was taken from.
#[derive(Debug, Clone, Copy)]
struct Print {
    hash: u64,
    file: usize,
    start: u32,
    end: u32,
}

/// Fingerprints held by more than this many documents are the exercise's
/// shape, not a copy: ignored (MOSS's `-m`, 10 by default, growing with
/// the class).
pub fn common_limit(documents: usize) -> usize {
    10.max(documents / 20)
}

/// Every pair of `documents` that shares a fingerprint, best first;
/// `given` is the code every learner was given (the starter), whose
/// fingerprints count for nobody.
pub fn rank(
    language: Language,
    documents: &[Document],
    given: &BTreeMap<String, String>,
) -> Vec<Pair> {
    // Every k-gram of the given code, not only its winnowed ones: a
    // learner's file that holds the starter beside their own code winnows
    // other k-grams near the edges.
    let given = given_grams(language, given);
    let prints: Vec<(Vec<String>, Vec<Print>)> = documents
        .iter()
        .map(|document| {
            let (names, mut prints) = fingerprints(language, &document.files);
            prints.retain(|print| !given.contains(&print.hash));
            (names, prints)
        })
        .collect();
    // Each document's distinct fingerprints, first place kept.
    let distinct: Vec<HashMap<u64, Print>> = prints
        .iter()
        .map(|(_, prints)| {
            let mut first = HashMap::new();
            for print in prints {
                first.entry(print.hash).or_insert(*print);
            }
            first
        })
        .collect();
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    for (number, held) in distinct.iter().enumerate() {
        for hash in held.keys() {
            index.entry(*hash).or_default().push(number);
        }
    }
    let limit = common_limit(documents.len());
    index.retain(|_, holders| holders.len() <= limit);
    let counted: Vec<usize> = distinct
        .iter()
        .map(|held| held.keys().filter(|hash| index.contains_key(*hash)).count())
        .collect();
    let mut shared: HashMap<(usize, usize), Vec<u64>> = HashMap::new();
    for (hash, holders) in &index {
        for (at, first) in holders.iter().enumerate() {
            for second in &holders[at + 1..] {
                let key = ((*first).min(*second), (*first).max(*second));
                shared.entry(key).or_default().push(*hash);
            }
        }
    }
    let mut pairs: Vec<Pair> = shared
        .into_iter()
        .map(|((a, b), hashes)| {
            let score = 2.0 * hashes.len() as f64 / (counted[a] + counted[b]).max(1) as f64;
            Pair {
                a: documents[a].learner.clone(),
                b: documents[b].learner.clone(),
                score,
                shared: hashes.len(),
                fragments: fragments(
                    &hashes,
                    (&distinct[a], &prints[a].0),
                    (&distinct[b], &prints[b].0),
                ),
            }
        })
        .collect();
    pairs.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.a.cmp(&y.a))
            .then_with(|| x.b.cmp(&y.b))
    });
    pairs
}

/// The matching passages of a pair: the shared fingerprints' lines, in
/// the order of the first side, neighbours in both sides merged.
fn fragments(
    hashes: &[u64],
    (a, a_files): (&HashMap<u64, Print>, &Vec<String>),
    (b, b_files): (&HashMap<u64, Print>, &Vec<String>),
) -> Vec<Fragment> {
    let mut places: Vec<(Print, Print)> = hashes.iter().map(|hash| (a[hash], b[hash])).collect();
    places.sort_by_key(|(x, y)| (x.file, x.start, y.file, y.start));
    let mut merged: Vec<(Print, Print)> = Vec::new();
    for (x, y) in places {
        if let Some((last_x, last_y)) = merged.last_mut()
            && last_x.file == x.file
            && last_y.file == y.file
            && x.start <= last_x.end + 1
            && y.start <= last_y.end + 1
            && y.end + 1 >= last_y.start
        {
            last_x.end = last_x.end.max(x.end);
            last_y.start = last_y.start.min(y.start);
            last_y.end = last_y.end.max(y.end);
            continue;
        }
        merged.push((x, y));
    }
    let lines = |print: &Print, files: &Vec<String>| Lines {
        file: files[print.file].clone(),
        start: print.start,
        end: print.end,
    };
    merged
        .iter()
        .map(|(x, y)| Fragment {
            a: lines(x, a_files),
            b: lines(y, b_files),
        })
        .collect()
}

/// The fingerprints of `files` (those `language` reads), with the files'
/// names by their number.
fn fingerprints(language: Language, files: &BTreeMap<String, String>) -> (Vec<String>, Vec<Print>) {
    let mut names = Vec::new();
    let mut prints = Vec::new();
    for (name, text) in files.iter().filter(|(name, _)| language.reads(name)) {
        let file = names.len();
        names.push(name.clone());
        let mut tokens = Vec::new();
        match language {
            Language::Python => python_tokens(text, file, &mut tokens),
            Language::Sql => sql_tokens(text, file, &mut tokens),
        }
        prints.extend(winnow(&tokens));
    }
    (names, prints)
}

/// The hash of every k-gram of `files`.
fn given_grams(language: Language, files: &BTreeMap<String, String>) -> HashSet<u64> {
    let mut grams = HashSet::new();
    for (_, text) in files.iter().filter(|(name, _)| language.reads(name)) {
        let mut tokens = Vec::new();
        match language {
            Language::Python => python_tokens(text, 0, &mut tokens),
            Language::Sql => sql_tokens(text, 0, &mut tokens),
        }
        grams.extend(kgrams(&tokens).iter().map(|print| print.hash));
    }
    grams
}

/// Every k-gram of `tokens`, hashed, with its lines.
fn kgrams(tokens: &[Token]) -> Vec<Print> {
    if tokens.len() < K {
        return Vec::new();
    }
    tokens
        .windows(K)
        .map(|gram| {
            let hash = gram.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, token| {
                (hash ^ token.hash).wrapping_mul(0x0100_0000_01b3)
            });
            Print {
                hash,
                file: gram[0].file,
                start: gram.iter().map(|t| t.line).min().unwrap_or(1),
                end: gram.iter().map(|t| t.line).max().unwrap_or(1),
            }
        })
        .collect()
}

/// Winnowing (Schleimer, Wilkerson and Aiken, 2003): in every window of
/// `WINDOW` consecutive k-gram hashes, the least (the rightmost of equals)
/// is a fingerprint.
fn winnow(tokens: &[Token]) -> Vec<Print> {
    let grams = kgrams(tokens);
    if grams.is_empty() {
        return Vec::new();
    }
    let mut chosen = Vec::new();
    let mut last: Option<usize> = None;
    for start in 0..grams.len().saturating_sub(WINDOW - 1).max(1) {
        let window = &grams[start..(start + WINDOW).min(grams.len())];
        let (offset, _) = window
            .iter()
            .enumerate()
            .rev()
            .min_by_key(|(_, print)| print.hash)
            .expect("a window is not empty");
        let at = start + offset;
        if last != Some(at) {
            chosen.push(grams[at]);
            last = Some(at);
        }
    }
    chosen
}

fn hash_of(text: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Binary operators whose operands may swap.
const COMMUTATIVE: &[&str] = &["+", "*", "==", "!=", "and", "or", "&", "|", "^"];

/// A Python file's tokens, normalised (see the module's comment). A file
/// that does not parse still gives what tree-sitter recovered.
fn python_tokens(text: &str, file: usize, out: &mut Vec<Token>) {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("the Python grammar matches the tree-sitter library");
    let Some(tree) = parser.parse(text, None) else {
        return;
    };
    walk(tree.root_node(), file, 0, out);
}

/// How deep the walk normalises operands; below, a subtree is read flat
/// (a learner's file may nest tens of thousands of levels: `a+a+a+…`).
const MAX_DEPTH: usize = 200;

/// What one node gives.
enum Form<'a> {
    /// Nothing: a comment or a docstring.
    Skip,
    /// One token, and nothing of what is below.
    Token(&'a str),
    /// What its children give.
    Inner,
}

fn form<'a>(node: &tree_sitter::Node<'a>) -> Form<'a> {
    let kind = node.kind();
    match kind {
        "comment" => Form::Skip,
        // A docstring, or any string standing alone as a statement.
        "expression_statement"
            if node.named_child_count() == 1
                && node
                    .named_child(0)
                    .is_some_and(|child| child.kind() == "string") =>
        {
            Form::Skip
        }
        "identifier" => Form::Token("ID"),
        "string" | "concatenated_string" => Form::Token("STR"),
        "integer" | "float" => Form::Token("NUM"),
        // A keyword or a punctuation mark: its text is its kind.
        _ if node.child_count() == 0 => {
            if node.is_extra() || kind.is_empty() || node.is_missing() {
                Form::Skip
            } else {
                Form::Token(kind)
            }
        }
        _ => Form::Inner,
    }
}

fn push(out: &mut Vec<Token>, form: &str, file: usize, node: &tree_sitter::Node<'_>) {
    out.push(Token {
        hash: hash_of(form),
        file,
        line: node.start_position().row as u32 + 1,
    });
}

fn walk(node: tree_sitter::Node<'_>, file: usize, depth: usize, out: &mut Vec<Token>) {
    if depth >= MAX_DEPTH {
        return flat(node, file, out);
    }
    match form(&node) {
        Form::Skip => return,
        Form::Token(form) => return push(out, form, file, &node),
        Form::Inner => {}
    }
    if matches!(
        node.kind(),
        "binary_operator" | "boolean_operator" | "comparison_operator"
    ) && node.child_count() == 3
        && let (Some(left), Some(operator), Some(right)) =
            (node.child(0), node.child(1), node.child(2))
        && COMMUTATIVE.contains(&operator.kind())
    {
        let mut first = Vec::new();
        let mut second = Vec::new();
        walk(left, file, depth + 1, &mut first);
        walk(right, file, depth + 1, &mut second);
        let key = |tokens: &Vec<Token>| tokens.iter().map(|token| token.hash).collect::<Vec<_>>();
        if key(&second) < key(&first) {
            std::mem::swap(&mut first, &mut second);
        }
        out.extend(first);
        push(out, operator.kind(), file, &operator);
        out.extend(second);
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        walk(child, file, depth + 1, out);
    }
}

/// The tokens of `root`'s subtree in order, without recursion and without
/// putting operands in order.
fn flat(root: tree_sitter::Node<'_>, file: usize, out: &mut Vec<Token>) {
    let mut cursor = root.walk();
    'nodes: loop {
        let node = cursor.node();
        match form(&node) {
            Form::Skip => {}
            Form::Token(form) => push(out, form, file, &node),
            Form::Inner => {
                if cursor.goto_first_child() {
                    continue;
                }
            }
        }
        // On to the next node: a sibling, or a sibling of an ancestor.
        loop {
            if cursor.node().id() == root.id() {
                break 'nodes;
            }
            if cursor.goto_next_sibling() {
                continue 'nodes;
            }
            if !cursor.goto_parent() {
                break 'nodes;
            }
        }
    }
}

/// A SQL file's tokens from sqlparser's tokenizer (the generic dialect):
/// keywords upper-cased, identifiers lower-cased (the exercise's tables
/// and columns are everyone's, an alias is one token), literals one per
/// kind, whitespace and comments none. A file the tokenizer refuses gives
/// none.
fn sql_tokens(text: &str, file: usize, out: &mut Vec<Token>) {
    use sqlparser::keywords::Keyword;
    use sqlparser::tokenizer::{Token as Sql, Tokenizer};

    let dialect = sqlparser::dialect::GenericDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, text).tokenize_with_location() else {
        return;
    };
    for token in tokens {
        let form = match &token.token {
            Sql::Whitespace(_) | Sql::EOF => continue,
            Sql::Word(word) if word.keyword == Keyword::NoKeyword => {
                format!("id:{}", word.value.to_lowercase())
            }
            Sql::Word(word) => word.value.to_uppercase(),
            Sql::Number(..) => "NUM".to_owned(),
            Sql::SingleQuotedString(_)
            | Sql::DoubleQuotedString(_)
            | Sql::NationalStringLiteral(_) => "STR".to_owned(),
            other => other.to_string(),
        };
        out.push(Token {
            hash: hash_of(&form),
            file,
            line: token.span.start.line as u32,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(learner: &str, name: &str, text: &str) -> Document {
        Document {
            learner: learner.to_owned(),
            files: BTreeMap::from([(name.to_owned(), text.to_owned())]),
        }
    }

    const ORIGINAL: &str = r#"
def fizzbuzz(n):
    """FizzBuzz up to n."""
    out = []
    for i in range(1, n + 1):
        if i % 15 == 0:
            out.append("FizzBuzz")
        elif i % 3 == 0:
            out.append("Fizz")
        elif i % 5 == 0:
            out.append("Buzz")
        else:
            out.append(str(i))
    return out


def total(prices, tax):
    subtotal = sum(prices)
    return subtotal + subtotal * tax
"#;

    /// The original, its names changed, reformatted, commented, its
    /// functions swapped, operands swapped, and dead code added.
    const DISGUISED: &str = r#"
def compute_total(values, rate):
    # add the tax
    s = sum(values)
    return rate * s + s


def unused_helper():
    return 42


def fizz_buzz(limit):
    result = []
    for k in range(1, limit + 1):
        if k % 15 == 0: result.append("FB")
        elif k % 3 == 0: result.append("F")
        elif k % 5 == 0: result.append("B")
        else:
            result.append(str(k))
    return result
"#;

    const OTHER: &str = r#"
def fizzbuzz(n):
    words = {3: "Fizz", 5: "Buzz"}
    return ["".join(w for d, w in words.items() if i % d == 0) or str(i) for i in range(1, n + 1)]


def total(prices, tax):
    return round(sum(p * (1 + tax) for p in prices), 2)
"#;

    #[test]
    fn a_disguised_copy_ranks_above_an_independent_solution() {
        let documents = [
            document("ana", "solution.py", ORIGINAL),
            document("ben", "solution.py", DISGUISED),
            document("cleo", "solution.py", OTHER),
        ];
        let pairs = rank(Language::Python, &documents, &BTreeMap::new());
        assert_eq!(
            (pairs[0].a.as_str(), pairs[0].b.as_str()),
            ("ana", "ben"),
            "{pairs:#?}"
        );
        assert!(pairs[0].score > 0.6, "{pairs:#?}");
        for pair in &pairs[1..] {
            assert!(pair.score < 0.2, "{pairs:#?}");
        }
        // Where: the loop in both, the tax line of each.
        let fragment = &pairs[0].fragments[0];
        assert_eq!(fragment.a.file, "solution.py");
        assert!(
            fragment.a.start >= 2 && fragment.b.start >= 12,
            "{fragment:#?}"
        );
    }

    #[test]
    fn a_file_nested_tens_of_thousands_deep_is_read_without_recursion() {
        // 64 KiB of `a+a+…`: one level of the tree per `+`.
        let deep = format!("x = {}a\n", "a+".repeat(32_000));
        let documents = [
            document("ana", "solution.py", &deep),
            document("ben", "solution.py", &deep),
        ];
        let pairs = rank(Language::Python, &documents, &BTreeMap::new());
        assert_eq!(pairs.len(), 1);
        assert!(pairs[0].score > 0.99, "{:?}", pairs[0].score);
    }

    #[test]
    fn code_the_exercise_gave_counts_for_nobody() {
        let given = BTreeMap::from([("solution.py".to_owned(), ORIGINAL.to_owned())]);
        let documents = [
            document("ana", "solution.py", ORIGINAL),
            document("ben", "solution.py", ORIGINAL),
        ];
        assert_eq!(rank(Language::Python, &documents, &given), Vec::new());
    }

    #[test]
    fn sql_copies_match_through_case_layout_and_literals() {
        let documents = [
            document(
                "ana",
                "query.sql",
                "SELECT c.name, SUM(o.total) AS spent\nFROM customers c JOIN orders o ON o.customer_id = c.id\nWHERE o.total > 10\nGROUP BY c.name\nHAVING SUM(o.total) > 100\nORDER BY spent DESC;",
            ),
            document(
                "ben",
                "query.sql",
                "-- mine\nselect c.name, sum(o.total) as spent from customers c\n  join orders o on o.customer_id = c.id where o.total > 25\n group by c.name having sum(o.total) > 100 order by spent desc;",
            ),
            document(
                "cleo",
                "query.sql",
                "WITH spent AS (SELECT customer_id, SUM(total) AS amount FROM orders GROUP BY customer_id)\nSELECT name, amount FROM spent JOIN customers ON customers.id = spent.customer_id WHERE amount > 100;",
            ),
        ];
        let pairs = rank(Language::Sql, &documents, &BTreeMap::new());
        assert_eq!(
            (pairs[0].a.as_str(), pairs[0].b.as_str()),
            ("ana", "ben"),
            "{pairs:#?}"
        );
        assert!(pairs[0].score > 0.9, "{pairs:#?}");
        assert!(
            pairs.iter().skip(1).all(|pair| pair.score < 0.3),
            "{pairs:#?}"
        );
    }
}
