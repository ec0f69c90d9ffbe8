//! The merge variables a template or letter HTML uses: `{{name}}` placeholders PostGrid fills
//! from `mergeVariables` when it renders the order. `to.*` and `from.*` it fills itself from
//! the order's contacts, so they are not asked for.

/// Each variable the HTML asks for, once, in order of first use.
pub fn used_in(html: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("{{") {
        rest = &rest[open + 2..];
        let Some(close) = rest.find("}}") else { break };
        let inside = rest[..close].trim_start_matches('{').trim();
        rest = &rest[close + 2..];
        // Block helpers (`#if`, `/if`, `else`, comments, partials) are not variables.
        let Some(name) = inside.split_whitespace().next() else {
            continue;
        };
        let plain = name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        let filled_by_postgrid = name.starts_with("to.") || name.starts_with("from.");
        let helper = inside.contains(' ') || name == "else";
        if plain && !filled_by_postgrid && !helper && !found.iter().any(|f| f == name) {
            found.push(name.to_owned());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::used_in;

    #[test]
    fn finds_the_variables_a_person_must_give() {
        let html =
            "<p>Hi {{to.firstName}}, your plan is {{ plan }} ({{plan}}) from {{from.companyName}}.\
            {{#if vip}}VIP{{/if}} {{{ raw_html }}} {{amount_due}} {{!-- note --}} {{else}}</p>";
        assert_eq!(used_in(html), ["plan", "raw_html", "amount_due"]);
        assert!(used_in("no variables {{ unclosed").is_empty());
    }
}
