//! What the step-up page needs when a risky form asks for a fresh code: where the form goes,
//! what was typed in it (kept as hidden fields), which fields must be typed again (passwords
//! are never echoed into a page), and the problem with the last code.

/// The form field that carries the step-up code along with the form it confirms.
pub const CODE_FIELD: &str = "step_up_code";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpAsked {
    /// The path the form posts to.
    pub action: String,
    /// The form's fields as typed, passwords left out.
    pub kept: Vec<(String, String)>,
    /// The names of password fields, to type again.
    pub retype: Vec<String>,
    pub problem: Option<String>,
    /// The person has no code of the portal's (their second factor was the identity
    /// provider's): they sign in there again, coming back to this page.
    pub again_at_provider: Option<String>,
}

impl StepUpAsked {
    pub fn new(action: String, fields: Vec<(String, String)>, problem: Option<String>) -> Self {
        let mut kept = Vec::new();
        let mut retype = Vec::new();
        for (name, value) in fields {
            if name == CODE_FIELD {
                continue;
            }
            if name.contains("password") {
                if !retype.contains(&name) {
                    retype.push(name);
                }
            } else {
                kept.push((name, value));
            }
        }
        Self {
            action,
            kept,
            retype,
            problem,
            again_at_provider: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_the_old_code_are_not_kept() {
        let fields = [
            ("name", "Lee"),
            ("password", "hunter2-hunter2"),
            (CODE_FIELD, "123456"),
            ("role", "admin"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec();
        let asked = StepUpAsked::new("/staff".into(), fields, None);
        assert_eq!(
            asked.kept,
            [
                ("name".to_owned(), "Lee".to_owned()),
                ("role".to_owned(), "admin".to_owned())
            ]
        );
        assert_eq!(asked.retype, ["password"]);
    }
}
