//! `usersig`: print a UserSig for use with curl or other tools.

use super::Outcome;
use crate::config::UsersigConfig;
use crate::error::Result;

/// `usersig`: print a UserSig on standard output.
pub(crate) fn usersig(config: &UsersigConfig) -> Result<Outcome> {
    let now = chrono::Utc::now().timestamp();
    let sig = crate::usersig::gen_usersig(
        config.sdkappid,
        config.key.expose(),
        &config.identifier,
        config.expire,
        now,
    );
    println!("{sig}");
    Ok(Outcome::default())
}
