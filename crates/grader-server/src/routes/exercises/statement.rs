//! An exercise's statement (its README.md), from Markdown to HTML that the learner's page
//! can put in the document as it is.
//!
//! The statement is the author's, but the page treats it as untrusted: raw
//! HTML in the Markdown comes out as text, a link or an image whose address
//! is not `http`, `https`, `mailto` or relative points nowhere, and headings
//! move one level down (the page has its own `h1`). Code blocks keep their
//! language as `class="language-…"`, which the page highlights.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// `markdown` as HTML safe to insert into the page.
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        // Raw HTML is shown, never interpreted.
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: lower(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(lower(level))),
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

fn lower(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// `url` if its scheme is one a statement may use (or it has none: a
/// relative address, a `#fragment`); `#` otherwise.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    // A scheme ends at the first `:` before any `/`, `?` or `#`; browsers
    // ignore tabs and newlines in it and read it in any case.
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let scheme = match cleaned.find([':', '/', '?', '#']) {
        Some(at) if cleaned[at..].starts_with(':') => Some(cleaned[..at].to_ascii_lowercase()),
        _ => None,
    };
    match scheme.as_deref() {
        None | Some("http" | "https" | "mailto") => url,
        Some(_) => CowStr::Borrowed("#"),
    }
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[track_caller]
    fn check(markdown: &str, expected: &str) {
        assert_eq!(to_html(markdown), expected, "for {markdown:?}");
    }

    #[test]
    fn headings_move_one_level_down_and_code_keeps_its_language() {
        check(
            "# FizzBuzz\n\n```python\nprint(1 < 2)\n```\n",
            "<h2>FizzBuzz</h2>\n<pre><code class=\"language-python\">print(1 &lt; 2)\n</code></pre>\n",
        );
    }

    #[test]
    fn tables_and_inline_code_render() {
        check(
            "| a | b |\n|---|---|\n| `x` | 2 |\n",
            "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>\n<tr><td><code>x</code></td><td>2</td></tr>\n</tbody></table>\n",
        );
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        check(
            "<script>alert(1)</script>\n",
            "&lt;script&gt;alert(1)&lt;/script&gt;\n",
        );
        check(
            "a <img src=x onerror=alert(1)> b\n",
            "<p>a &lt;img src=x onerror=alert(1)&gt; b</p>\n",
        );
    }

    #[test]
    fn links_keep_only_safe_schemes() {
        check(
            "[docs](https://docs.python.org/3/) [top](#rules) [rel](tests/x.py) [mail](mailto:a@b.c)\n",
            "<p><a href=\"https://docs.python.org/3/\">docs</a> <a href=\"#rules\">top</a> <a href=\"tests/x.py\">rel</a> <a href=\"mailto:a@b.c\">mail</a></p>\n",
        );
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "java%0ascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "vbscript:x",
        ] {
            let html = to_html(&format!("[x](<{url}>) ![y](<{url}>)\n"));
            assert!(
                html.contains("href=\"#\"") && html.contains("src=\"#\""),
                "{url} was kept: {html}"
            );
        }
        // A tab inside the scheme is ignored by browsers, so here too.
        let html = to_html("[x](<java\tscript:alert(1)>)\n");
        assert!(html.contains("href=\"#\""), "{html}");
    }
}
