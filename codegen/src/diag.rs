//! Errors in a spec: every one is collected, placed (file, line, column, YAML path) and sorted.

use std::fmt;

/// One mistake in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The spec file, as the caller named it (e.g. `spec/resources/note.yaml`).
    pub file: String,
    /// 1-based line and column, when the place could be found in the text.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The YAML path of the offending node (`resources.note.endpoints.list.filters[3]`).
    pub path: String,
    /// What is wrong, and what to write instead.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if self.path.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": at `{}`: {}", self.path, self.message)
        }
    }
}

/// All the mistakes found in a spec, sorted by file and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<Diagnostic>);

impl Errors {
    pub(crate) fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (&a.file, a.line.unwrap_or(usize::MAX), a.column.unwrap_or(0), &a.path, &a.message).cmp(&(
                &b.file,
                b.line.unwrap_or(usize::MAX),
                b.column.unwrap_or(0),
                &b.path,
                &b.message,
            ))
        });
        self.0.dedup();
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(f, "{n} error{} in the spec", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Errors {}

/// Finds the line and column of a YAML path (`a.b[2].c`) in the text of a block-style YAML
/// document. Best effort: returns the closest ancestor it can find.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    locate_nth(text, path, 0)
}

/// Like [`locate`], for the `nth` (0-based) occurrence of the path's last key in its mapping:
/// the place of a duplicate key.
pub fn locate_nth(text: &str, path: &str, nth: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found: Option<(usize, usize)> = None;
    // The block we search in: lines [start, end), children indented more than `indent`.
    let (mut start, mut end, mut indent): (usize, usize, isize) = (0, lines.len(), -1);
    // When the current node is an inline (flow) value, the remaining segments are searched in
    // that one line.
    let mut inline: Option<(usize, usize)> = None;
    let segs = split_path(path);
    let last = segs.len().saturating_sub(1);
    for (si, seg) in segs.iter().enumerate() {
        let skip = if si == last { nth } else { 0 };
        if let Some((line, col)) = inline {
            // Inside a flow value on one line: find `key:` or the nth item after `col`.
            let rest = lines[line].get(col..).unwrap_or("");
            let next = match seg {
                Seg::Key(k) => find_flow_key(rest, k, skip).map(|c| c + col),
                Seg::Index(i) => find_flow_item(rest, *i).map(|c| c + col),
            };
            match next {
                Some(c) => {
                    inline = Some((line, c));
                    found = Some((line + 1, c + 1));
                    continue;
                }
                None => return found,
            }
        }
        let child_indent = (start..end)
            .filter_map(|i| content_indent(lines[i]))
            .find(|&ind| ind as isize > indent)?;
        let mut hit = None;
        let mut item = 0usize;
        let mut seen = 0usize;
        for (i, line) in lines.iter().enumerate().take(end).skip(start) {
            let Some(ind) = content_indent(line) else { continue };
            if ind != child_indent {
                continue;
            }
            let body = &line[ind..];
            match seg {
                Seg::Key(k) => {
                    let body = body.strip_prefix("- ").unwrap_or(body);
                    if key_matches(body, k) {
                        if seen == skip {
                            hit = Some((i, line.len() - body.len()));
                            break;
                        }
                        seen += 1;
                    }
                }
                Seg::Index(n) => {
                    if body.starts_with('-') {
                        if item == *n {
                            hit = Some((i, ind + 2));
                            break;
                        }
                        item += 1;
                    }
                }
            }
        }
        match hit {
            Some((i, col)) => {
                found = Some((i + 1, col + 1));
                // The node's children: following lines indented more, until the block ends.
                let node_end = (i + 1..end)
                    .find(|&j| content_indent(lines[j]).is_some_and(|ind| ind <= col && ind <= child_indent))
                    .unwrap_or(end);
                let after_colon = lines[i].get(col..).and_then(|rest| rest.find(':')).map(|c| col + c + 1);
                let value_inline = after_colon
                    .and_then(|c| lines[i].get(c..))
                    .map(str::trim)
                    .is_some_and(|v| v.starts_with('[') || v.starts_with('{'));
                if value_inline {
                    inline = Some((i, after_colon.unwrap_or(col)));
                } else if let Seg::Index(_) = seg {
                    // A sequence item: its mapping keys sit at col (after "- ").
                    start = i;
                    end = node_end;
                    indent = col as isize - 1;
                    let rest = lines[i].get(col..).unwrap_or("").trim_start();
                    if rest.starts_with('{') || rest.starts_with('[') {
                        inline = Some((i, col));
                    }
                    continue;
                }
                start = i + 1;
                end = node_end;
                indent = child_indent as isize;
            }
            None => return found,
        }
    }
    found
}

/// The YAML path of the node on line `line` (1-based) of a block-style document, or of the
/// closest node above it: where a syntax error sits. Best effort.
pub fn path_at_line(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let mut i = line.saturating_sub(1).min(lines.len() - 1);
    // A line indented with a tab has no meaningful indentation: start from the line above.
    let tab_indented = |l: &str| l[..l.len() - l.trim_start().len()].contains('\t');
    while content_indent(lines[i]).is_none() || tab_indented(lines[i]) {
        if i == 0 {
            return String::new();
        }
        i -= 1;
    }
    // Segments, innermost first.
    let mut segs: Vec<String> = Vec::new();
    let mut cur = usize::MAX;
    let mut first = true;
    loop {
        if let Some(ind) = content_indent(lines[i]).filter(|&ind| ind < cur) {
            let body = &lines[i][ind..];
            if let Some(rest) = body.strip_prefix("- ").or_else(|| (body == "-").then_some("")) {
                // A sequence item; on the starting line, its first key is the node.
                if let Some(k) = key_of(rest).filter(|_| first) {
                    segs.push(format!(".{k}"));
                }
                let mut n = 0;
                for l in lines[..i].iter().rev() {
                    match content_indent(l) {
                        Some(x) if x < ind => break,
                        Some(x) if x == ind && l[x..].starts_with('-') => n += 1,
                        _ => {}
                    }
                }
                segs.push(format!("[{n}]"));
            } else if let Some(k) = key_of(body) {
                segs.push(format!(".{k}"));
            }
            cur = ind;
            first = false;
            if ind == 0 {
                break;
            }
        }
        if i == 0 {
            break;
        }
        i -= 1;
    }
    let path: String = segs.iter().rev().map(String::as_str).collect();
    path.strip_prefix('.').unwrap_or(&path).to_owned()
}

/// The key of a `key: value` line, without quotes.
fn key_of(body: &str) -> Option<String> {
    let body = body.trim();
    for q in ['"', '\''] {
        if let Some(rest) = body.strip_prefix(q) {
            let end = rest.find(q)?;
            return rest[end + 1..].trim_start().starts_with(':').then(|| rest[..end].to_owned());
        }
    }
    let colon = body.char_indices().find(|&(i, c)| c == ':' && body[i + 1..].chars().next().is_none_or(char::is_whitespace))?.0;
    let key = body[..colon].trim_end();
    if key.is_empty() || key.starts_with(['{', '[', '#', '-']) { None } else { Some(key.to_owned()) }
}

enum Seg {
    Key(String),
    Index(usize),
}

fn split_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Seg::Key(key.to_owned()));
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(n) = idx.trim_end_matches(']').parse() {
                out.push(Seg::Index(n));
            }
        }
    }
    out
}

fn content_indent(line: &str) -> Option<usize> {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        None
    } else {
        Some(line.len() - trimmed.len())
    }
}

fn key_matches(body: &str, key: &str) -> bool {
    for quoted in [key.to_owned(), format!("\"{key}\""), format!("'{key}'")] {
        if body.strip_prefix(&quoted).is_some_and(|rest| rest.starts_with(':')) {
            return true;
        }
    }
    false
}

fn find_flow_key(text: &str, key: &str, mut skip: usize) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    let mut from = 0;
    while let Some(i) = text[from..].find(key) {
        let at = from + i;
        let before_ok = at == 0 || matches!(text.as_bytes()[at - 1], b'{' | b' ' | b',' | b'"' | b'\'');
        let after = &text[at + key.len()..];
        let after = after.trim_start_matches(['"', '\'']);
        if before_ok && after.starts_with(':') {
            if skip == 0 {
                return Some(at);
            }
            skip -= 1;
        }
        from = at + key.len();
    }
    None
}

fn find_flow_item(text: &str, n: usize) -> Option<usize> {
    let open = text.find('[')?;
    let mut depth = 0usize;
    let mut item = 0usize;
    let mut item_start = open + 1;
    for (i, c) in text.char_indices().skip(open) {
        match c {
            '[' | '{' => {
                depth += 1;
            }
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                if item == n {
                    break;
                }
                item += 1;
                item_start = i + 1;
            }
            _ => {}
        }
    }
    if item == n {
        let skipped = text[item_start..].len() - text[item_start..].trim_start().len();
        Some(item_start + skipped)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::locate;

    const DOC: &str = "\
resources:
  note:
    fields:
      id: id
      body: string?
    endpoints:
      list:
        method: GET
        filters: [a, b, c]
        includes:
          - user
          - notable
";

    #[test]
    fn finds_keys_items_and_flow_items() {
        assert_eq!(locate(DOC, "resources.note.fields.body"), Some((5, 7)));
        assert_eq!(locate(DOC, "resources.note.endpoints.list.method"), Some((8, 9)));
        assert_eq!(locate(DOC, "resources.note.endpoints.list.filters[2]"), Some((9, 25)));
        assert_eq!(locate(DOC, "resources.note.endpoints.list.includes[1]"), Some((12, 13)));
        // A missing leaf gives its closest ancestor.
        assert_eq!(locate(DOC, "resources.note.endpoints.get"), Some((6, 5)));
    }

    #[test]
    fn finds_the_second_occurrence_of_a_duplicate_key() {
        let doc = "a:\n  b: 1\n  c: 2\n  b: 3\nd: { x: 1, x: 2 }\n";
        assert_eq!(super::locate_nth(doc, "a.b", 0), Some((2, 3)));
        assert_eq!(super::locate_nth(doc, "a.b", 1), Some((4, 3)));
        assert_eq!(super::locate_nth(doc, "d.x", 1), Some((5, 12)));
    }

    #[test]
    fn gives_the_path_of_a_line() {
        use super::path_at_line;
        assert_eq!(path_at_line(DOC, 5), "resources.note.fields.body");
        assert_eq!(path_at_line(DOC, 9), "resources.note.endpoints.list.filters");
        assert_eq!(path_at_line(DOC, 12), "resources.note.endpoints.list.includes[1]");
        assert_eq!(path_at_line(DOC, 1), "resources");
        assert_eq!(path_at_line("", 3), "");
    }
}
