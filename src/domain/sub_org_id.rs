use std::fmt;

use serde::{Deserialize, Serialize};

/// A PostGrid sub-organization id: `sub_org_` followed by letters, digits and `_`.
///
/// It goes into the `PostGrid-Org` header and into URL paths, so nothing else may get through.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SubOrgId(String);

pub const SUB_ORG_PREFIX: &str = "sub_org_";
const MAX_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sub-organization id starts with sub_org_ followed by letters, digits or _")]
pub struct InvalidSubOrgId;

impl SubOrgId {
    pub fn parse(raw: &str) -> Result<Self, InvalidSubOrgId> {
        let rest = raw.strip_prefix(SUB_ORG_PREFIX).ok_or(InvalidSubOrgId)?;
        let valid = !rest.is_empty()
            && raw.len() <= MAX_LEN
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        valid.then(|| Self(raw.to_owned())).ok_or(InvalidSubOrgId)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SubOrgId {
    type Error = InvalidSubOrgId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<SubOrgId> for String {
    fn from(id: SubOrgId) -> Self {
        id.0
    }
}

impl fmt::Display for SubOrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_postgrid_shaped_ids() {
        for ok in ["sub_org_abc123def456ghi6789", "sub_org_A_1", "sub_org_x"] {
            assert_eq!(SubOrgId::parse(ok).expect(ok).as_str(), ok);
        }
    }

    #[test]
    fn rejects_anything_that_could_break_a_header_or_a_path() {
        for bad in [
            "",
            "sub_org_",
            "org_abc",
            "SUB_ORG_abc",
            "sub_org_abc/../x",
            "sub_org_abc\r\nX-Evil: 1",
            "sub_org_abc def",
            "sub_org_abc%2f",
            "sub_org_é",
            &format!("sub_org_{}", "a".repeat(60)),
        ] {
            assert_eq!(SubOrgId::parse(bad), Err(InvalidSubOrgId), "{bad:?}");
        }
    }

    #[test]
    fn deserializing_validates() {
        assert!(serde_json::from_str::<SubOrgId>("\"sub_org_ok\"").is_ok());
        assert!(serde_json::from_str::<SubOrgId>("\"sub_org_../\"").is_err());
    }
}
