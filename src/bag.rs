//! (temporary stub, replaced by the bag branch)
#![allow(missing_docs)]
use std::path::Path;
pub struct BagInfo {
    pub source_organization: Option<String>,
    pub external_identifier: Option<String>,
    pub software_agent: String,
    pub extra: Vec<(String, String)>,
}
pub struct BagReport;
pub fn write_bag(_dir: &Path, _info: &BagInfo) -> crate::Result<BagReport> {
    Ok(BagReport)
}
pub struct VerifyReport {
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}
impl VerifyReport {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}
pub fn verify(_dir: &Path) -> crate::Result<VerifyReport> {
    Ok(VerifyReport {
        problems: vec![],
        warnings: vec![],
    })
}
