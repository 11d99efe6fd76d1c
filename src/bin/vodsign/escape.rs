//! Safe display of text from a signature or an argument on a terminal.
//!
//! A decoded value may hold any character: a newline that forges an output line, an escape
//! sequence the terminal obeys, a bidi control that reorders what is shown. Text output shows
//! every such character as a visible escape, and a literal backslash as `\\`, so that what is
//! printed maps back to exactly one text.

use std::fmt::Write;

/// Whether `c` must not reach a terminal as itself: control characters (C0, DEL, C1), Unicode
/// format characters (bidi controls, zero-width characters, the byte-order mark, tags, ...) and
/// the line and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{AD}'
                | '\u{600}'..='\u{605}'
                | '\u{61C}'
                | '\u{6DD}'
                | '\u{70F}'
                | '\u{890}'..='\u{891}'
                | '\u{8E2}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0001}'
                | '\u{E0020}'..='\u{E007F}'
        )
}

/// Writes `c` as an escape: `\n`, `\r`, `\t`, `\xHH` for the other ASCII controls, `\u{H...}`
/// for the rest (lowercase hex).
fn push_escape(out: &mut String, c: char) {
    let _ = match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        c if c.is_ascii() => write!(out, "\\x{:02x}", c as u32),
        c => write!(out, "\\u{{{:x}}}", c as u32),
    };
}

/// `s` for text output: unsafe characters escaped, a backslash doubled.
pub fn shown(s: &str) -> String {
    if !s.chars().any(|c| c == '\\' || is_unsafe(c)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if is_unsafe(c) => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// `s` in double quotes for a message, escaped as by [`shown`] (a quote as `\"`) and shortened
/// to 32 characters, so that a message stays one line of reasonable size.
pub fn quoted(s: &str) -> String {
    const MAX: usize = 32;
    let (head, cut) = match s.char_indices().nth(MAX) {
        Some((i, _)) => (&s[..i], true),
        None => (s, false),
    };
    let body = shown(head).replace('"', "\\\"");
    format!("\"{body}{}\"", if cut { "..." } else { "" })
}

/// A message for the terminal: its line breaks kept, every other unsafe character escaped. The
/// last guard for messages already written with escaped values (the library quotes values in
/// its messages), so a backslash is left as it is.
pub fn inert(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        match c {
            '\n' => out.push('\n'),
            c if is_unsafe(c) => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_visible_and_unambiguous() {
        assert_eq!(shown("plain 文字"), "plain 文字");
        assert_eq!(shown("a\nb\r\t\x1b[2J\x7f"), "a\\nb\\r\\t\\x1b[2J\\x7f");
        assert_eq!(shown("\\n"), "\\\\n");
        assert_eq!(shown("\u{202E}\u{2066}\u{85}\u{200B}\u{FEFF}\u{E0041}"), "\\u{202e}\\u{2066}\\u{85}\\u{200b}\\u{feff}\\u{e0041}");
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        assert_eq!(quoted(&"x".repeat(40)), format!("\"{}...\"", "x".repeat(32)));
        assert_eq!(inert("line\nnext \\ \x1b"), "line\nnext \\ \\x1b");
    }
}
