//! Escaping for the places the renderer leaves raw.
//!
//! tachys 0.2.19 (Leptos 0.8's renderer) declares `textarea` (with `script`, `style` and
//! `noscript`) as an element whose children are written without escaping, and leptos_meta
//! 0.8.7 writes `<title>` the same way. Both are "escapable raw text" in HTML: character
//! references inside them are decoded, so text escaped here shows exactly as it was.

/// `text` with `&`, `<`, `>` and both quotes as character references.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_text;

    #[test]
    fn markup_cannot_close_the_element_it_sits_in() {
        assert_eq!(
            escape_text("</textarea><form a=\"b\" c='d'>&amp;"),
            "&lt;/textarea&gt;&lt;form a=&quot;b&quot; c=&#39;d&#39;&gt;&amp;amp;"
        );
        assert_eq!(escape_text("plain text, ü"), "plain text, ü");
    }
}
