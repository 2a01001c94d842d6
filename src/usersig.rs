//! (temporary stub, replaced by the fetch branch)

/// A secret string.
pub struct Secret(pub String);
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}
impl Secret {
    /// The secret.
    pub fn expose(&self) -> &str {
        &self.0
    }
}
/// Stub.
pub fn gen_usersig(_a: u64, _k: &str, _i: &str, _e: u64, _n: i64) -> String {
    String::new()
}
