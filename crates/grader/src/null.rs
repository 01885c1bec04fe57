//! Null solutions: a python exercise's starter with the body of every
//! function and method replaced by `return <value>`, for each of
//! [`VALUES`]. A test that passes on one of them cannot tell a solution
//! that does nothing from one that works: `grader check` names it as
//! vacuous (`check.rs`).
//!
//! The starter is parsed with tree-sitter's Python grammar (a real
//! parser: decorators, nested classes, one-line bodies, strings that look
//! like code), never edited as text by pattern. Functions nested in a
//! function go with its body; methods of classes at any depth are
//! hollowed. `__init__` returns None whatever the value (any other
//! return raises TypeError, which a test of errors would take for one);
//! the other special methods (`__str__`, `__eq__`, `__iter__`…) keep the
//! starter's body, since Python checks what most of them return.

use tree_sitter::{Node, Parser};

/// What a null solution's functions return, as Python source.
pub const VALUES: [&str; 5] = ["None", "\"\"", "[]", "{}", "0"];

/// `source` with every function's and method's body replaced by
/// `return <value>`; `None` when it has no function or does not parse.
pub fn hollowed(source: &str, value: &str) -> Option<String> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("the Python grammar matches the tree-sitter library");
    let tree = parser.parse(source, None)?;
    let root = tree.root_node();
    if root.has_error() {
        return None;
    }
    let mut bodies = Vec::new();
    collect_bodies(root, source, &mut bodies);
    if bodies.is_empty() {
        return None;
    }
    // From the end, so that earlier byte ranges stay where they were.
    bodies.sort_by_key(|body| std::cmp::Reverse(body.range.start));
    let mut text = source.to_owned();
    for body in bodies {
        let value = if body.returns_none { "None" } else { value };
        text.replace_range(body.range, &format!("return {value}"));
    }
    Some(text)
}

/// A function's body, and whether it must return None whatever the null
/// value is.
struct Body {
    range: std::ops::Range<usize>,
    returns_none: bool,
}

/// The byte ranges of the bodies of the functions defined directly in
/// `block` (a module or a class's body), and in the classes it defines.
fn collect_bodies(block: Node<'_>, source: &str, bodies: &mut Vec<Body>) {
    let mut cursor = block.walk();
    for child in block.named_children(&mut cursor) {
        let definition = if child.kind() == "decorated_definition" {
            match child.child_by_field_name("definition") {
                Some(definition) => definition,
                None => continue,
            }
        } else {
            child
        };
        match definition.kind() {
            "function_definition" => {
                if let Some(body) = definition.child_by_field_name("body") {
                    let name = definition
                        .child_by_field_name("name")
                        .and_then(|name| name.utf8_text(source.as_bytes()).ok());
                    // Python checks what the other special methods return
                    // (`__bool__` a bool, `__str__` a str, `__iter__` an
                    // iterator): a null value there raises TypeError,
                    // which a test of errors would take for the answer.
                    // They keep the starter's body.
                    let special = name.is_some_and(|name| {
                        name.len() > 4 && name.starts_with("__") && name.ends_with("__")
                    });
                    if special && name != Some("__init__") {
                        continue;
                    }
                    bodies.push(Body {
                        range: body.start_byte()..body.end_byte(),
                        // A constructor that returns anything but None
                        // raises TypeError: a null one does nothing.
                        returns_none: name == Some("__init__"),
                    });
                }
            }
            "class_definition" => {
                if let Some(body) = definition.child_by_field_name("body") {
                    collect_bodies(body, source, bodies);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_and_methods_return_the_value_and_nothing_else_changes() {
        let source = r#"import math

LIMIT = 3


def area(radius):
    """The area."""
    # a comment
    return math.pi * radius ** 2


def one_line(x): return x + 1


class Shape:
    sides = 0

    def __init__(self, sides):
        self.sides = sides

    def __str__(self):
        raise NotImplementedError

    @property
    def name(self):
        def helper():
            return "inner"
        return helper()

    class Inner:
        def deep(self, text="def not_a_function(): pass"):
            raise NotImplementedError
"#;
        let hollow = hollowed(source, "[]").unwrap();
        assert_eq!(
            hollow,
            r#"import math

LIMIT = 3


def area(radius):
    return []


def one_line(x): return []


class Shape:
    sides = 0

    def __init__(self, sides):
        return None

    def __str__(self):
        raise NotImplementedError

    @property
    def name(self):
        return []

    class Inner:
        def deep(self, text="def not_a_function(): pass"):
            return []
"#
        );
    }

    #[test]
    fn a_file_without_functions_or_that_does_not_parse_has_no_null_solution() {
        assert_eq!(hollowed("X = 1\nprint(X)\n", "0"), None);
        assert_eq!(hollowed("def broken(:\n    pass\n", "0"), None);
    }
}
