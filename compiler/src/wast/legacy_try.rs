//! The folded text form of the legacy exception-handling `try`, which the `wast` crate no
//! longer parses, rewritten into the flat form it does parse:
//!
//! ```text
//! (try $l (result i32) (do A) (catch $e B) (catch_all C))  =>  try $l (result i32) A catch $e B catch_all C end
//! (try (do A) (delegate $l))                               =>  try A delegate $l
//! ```
//!
//! The Wasm 3.0 testsuite's `legacy/` scripts are written this way. Only parentheses and
//! the `do` keyword are replaced (by spaces, and the closing one by ` end`), so lines and
//! most columns of error messages stay those of the original text. Strings and comments
//! are left alone; text that does not lex is returned unchanged for the parser to report.

/// An open list while scanning: where its `(` is, its first atom, and the folded-`try`
/// clauses seen among its direct children.
struct List<'a> {
    open: usize,
    head: Option<(&'a str, usize)>,
    clauses: Vec<Clause<'a>>,
}

/// A direct child `(do …)`, `(catch …)`, `(catch_all …)` or `(delegate …)` of a list.
struct Clause<'a> {
    keyword: &'a str,
    open: usize,
    /// End of the keyword.
    keyword_end: usize,
    close: usize,
}

const CLAUSES: [&str; 4] = ["do", "catch", "catch_all", "delegate"];

/// `text` with every folded legacy `try` unfolded, or `None` if it has none.
pub fn unfold(text: &str) -> Option<String> {
    let edits = edits(text)?;
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 4 * edits.len());
    let mut at = 0;
    for (range, replacement) in edits {
        out.push_str(&text[at..range.start]);
        out.push_str(replacement);
        at = range.end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

type Edit = (std::ops::Range<usize>, &'static str);

/// The replacements that unfold every folded `try`, in text order; `None` if the text
/// does not lex (an unterminated string or comment, unbalanced parentheses).
fn edits(text: &str) -> Option<Vec<Edit>> {
    let bytes = text.as_bytes();
    let mut edits: Vec<Edit> = Vec::new();
    let mut stack: Vec<List> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b';' if bytes.get(i + 1) == Some(&b';') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'(' if bytes.get(i + 1) == Some(&b';') => i = block_comment_end(text, i)?,
            b'(' => {
                stack.push(List {
                    open: i,
                    head: None,
                    clauses: Vec::new(),
                });
                i += 1;
            }
            b')' => {
                let list = stack.pop()?;
                if let Some(parent) = stack.last_mut() {
                    if let Some((keyword, end)) = list.head.filter(|(h, _)| CLAUSES.contains(h)) {
                        parent.clauses.push(Clause {
                            keyword,
                            open: list.open,
                            keyword_end: end,
                            close: i,
                        });
                    }
                }
                if list.head.is_some_and(|(h, _)| h == "try") {
                    unfold_try(&list, i, &mut edits);
                }
                i += 1;
            }
            b'"' => i = string_end(bytes, i)?,
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while i < bytes.len() && !b" \t\r\n()\";".contains(&bytes[i]) {
                    i += 1;
                }
                i = i.max(start + 1);
                if let Some(list) = stack.last_mut().filter(|l| l.head.is_none()) {
                    list.head = Some((&text[start..i], i));
                }
            }
        }
    }
    if !stack.is_empty() {
        return None;
    }
    edits.sort_by_key(|(range, _)| range.start);
    Some(edits)
}

/// The edits unfolding the `try` list `list`, whose `)` is at `close`, if it is folded
/// (has a `(do …)` clause).
fn unfold_try(list: &List, close: usize, edits: &mut Vec<Edit>) {
    if !list.clauses.iter().any(|c| c.keyword == "do") {
        return;
    }
    edits.push((list.open..list.open + 1, " "));
    for clause in &list.clauses {
        if clause.keyword == "do" {
            edits.push((clause.open..clause.keyword_end, " "));
        } else {
            edits.push((clause.open..clause.open + 1, " "));
        }
        edits.push((clause.close..clause.close + 1, " "));
    }
    let delegated = list.clauses.iter().any(|c| c.keyword == "delegate");
    edits.push((close..close + 1, if delegated { " " } else { " end" }));
}

/// The position after the block comment opening at `at`, nested ones included.
fn block_comment_end(text: &str, at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at;
    let bytes = text.as_bytes();
    while i + 1 < bytes.len() {
        match &bytes[i..i + 2] {
            b"(;" => {
                depth += 1;
                i += 2;
            }
            b";)" => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The position after the string opening at `at`.
fn string_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::unfold;

    #[test]
    fn catch_clauses_become_flat_with_an_end() {
        let text = "(func (result i32) (try $l (result i32) (do (i32.const 1)) (catch $e (i32.const 2)) (catch_all (i32.const 3))))";
        let out = unfold(text).unwrap();
        let words: Vec<&str> = out.split_whitespace().collect();
        assert_eq!(
            words.join(" "),
            "(func (result i32) try $l (result i32) (i32.const 1) catch $e (i32.const 2) catch_all (i32.const 3) end)"
        );
    }

    #[test]
    fn delegate_ends_the_try_and_nesting_unfolds_inside_out() {
        let text = "(try $t (do (try (do (throw $e)) (delegate $t))) (catch_all))";
        let out = unfold(text).unwrap();
        let words: Vec<&str> = out.split_whitespace().collect();
        assert_eq!(
            words.join(" "),
            "try $t try (throw $e) delegate $t catch_all end"
        );
    }

    #[test]
    fn lines_strings_comments_and_other_text_stay() {
        let text = "(module\n  ;; (try (do))\n  (; (try (do)) ;)\n  (data \"(try (do))\")\n  (func (try (do)\n   (catch_all))))";
        let out = unfold(text).unwrap();
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(out.contains(";; (try (do))") && out.contains("(; (try (do)) ;)"));
        assert!(out.contains("\"(try (do))\""));
        assert_eq!(unfold("(module (func try nop catch_all end))"), None);
        assert_eq!(
            unfold("(module (func (try (do)"),
            None,
            "unbalanced: left alone"
        );
    }
}
