//! Recovery codes: ten single-use codes shown once at enrolment, for when the authenticator is
//! lost. Each is 10 characters from an alphabet without look-alikes (about 50 bits), shown as
//! two groups of five; what people type is read back however they spaced or cased it.

pub const COUNT: usize = 10;
const LENGTH: usize = 10;
/// No `0`/`o`, `1`/`l`/`i`: nothing to misread from paper.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A new set of codes, in the form they are shown (`abcde-fghjk`).
pub fn new_codes() -> Vec<String> {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..COUNT)
        .map(|_| {
            let code: String = (0..LENGTH)
                .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                .collect();
            format!("{}-{}", &code[..5], &code[5..])
        })
        .collect()
}

/// The code as stored: lower case, without spaces or hyphens; `None` when it cannot be one.
pub fn normalize(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_read_back_however_typed() {
        let codes = new_codes();
        assert_eq!(codes.len(), COUNT);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), COUNT);
        for code in &codes {
            let stored = normalize(code).expect("a code reads back");
            assert_eq!(
                normalize(&code.to_uppercase().replace('-', " ")),
                Some(stored)
            );
        }
        assert_eq!(normalize("123456"), None);
        assert_eq!(normalize("abcde-fghj0"), None, "0 is not in the alphabet");
    }
}
