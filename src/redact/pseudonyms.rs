//! Pseudonyms for accounts (SPEC §12): the customer becomes `Customer`, agents `Agent 1`,
//! `Agent 2`… in order of first appearance, consistently within a session — or, with
//! `--pseudonyms per-export`, across every session of one export, so that one customer
//! keeps one name through a legal production.

use std::collections::HashMap;

/// How long a pseudonym lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Numbering starts again in every session (the default).
    #[default]
    PerSession,
    /// One numbering for the whole export.
    PerExport,
}

impl Scope {
    /// The `--pseudonyms` value: `per-session` or `per-export`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::PerSession => "per-session",
            Scope::PerExport => "per-export",
        }
    }
}

/// Who an account is, for its pseudonym.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Role 1.
    Customer,
    /// Role 2.
    Agent,
    /// Role 3.
    System,
    /// Any other role, or an account seen only in a forwarded message.
    Other,
}

impl Kind {
    /// The kind of an API role number.
    pub fn of_role(role: Option<i64>) -> Kind {
        match role {
            Some(1) => Kind::Customer,
            Some(2) => Kind::Agent,
            Some(3) => Kind::System,
            _ => Kind::Other,
        }
    }
}

/// The accounts seen so far and their pseudonyms.
#[derive(Debug, Clone, Default)]
pub struct Pseudonyms {
    scope: Scope,
    names: HashMap<String, String>,
    counts: [usize; 4],
}

impl Pseudonyms {
    /// An empty map.
    pub fn new(scope: Scope) -> Pseudonyms {
        Pseudonyms {
            scope,
            ..Pseudonyms::default()
        }
    }

    /// Forgets the session's accounts, unless pseudonyms last the whole export.
    pub fn next_session(&mut self) {
        if self.scope == Scope::PerSession {
            self.names.clear();
            self.counts = [0; 4];
        }
    }

    /// The pseudonym of `account`, given one the first time it is seen. An empty account
    /// stays empty (the pages say "no account").
    pub fn name(&mut self, account: &str, kind: Kind) -> String {
        if account.is_empty() {
            return String::new();
        }
        if let Some(name) = self.names.get(account) {
            return name.clone();
        }
        let slot = kind as usize;
        self.counts[slot] += 1;
        let n = self.counts[slot];
        let name = match kind {
            Kind::Customer if self.scope == Scope::PerSession && n == 1 => "Customer".to_owned(),
            Kind::Customer => format!("Customer {n}"),
            Kind::Agent => format!("Agent {n}"),
            Kind::System if n == 1 => "System".to_owned(),
            Kind::System => format!("System {n}"),
            Kind::Other => format!("Participant {n}"),
        };
        self.names.insert(account.to_owned(), name.clone());
        name
    }

    /// The pseudonym of an account already seen.
    pub fn known(&self, account: &str) -> Option<&str> {
        self.names.get(account).map(String::as_str)
    }

    /// Every account seen and its pseudonym, longest account first (so that a longer
    /// account is replaced before one it contains).
    pub fn accounts(&self) -> Vec<(&str, &str)> {
        let mut all: Vec<(&str, &str)> = self
            .names
            .iter()
            .map(|(a, n)| (a.as_str(), n.as_str()))
            .collect();
        all.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_in_order_of_appearance_and_stable() {
        let mut p = Pseudonyms::new(Scope::PerSession);
        assert_eq!(p.name("c1", Kind::Customer), "Customer");
        assert_eq!(p.name("a9", Kind::Agent), "Agent 1");
        assert_eq!(p.name("a3", Kind::Agent), "Agent 2");
        assert_eq!(p.name("a9", Kind::Agent), "Agent 1");
        assert_eq!(p.name("c1", Kind::Other), "Customer");
        assert_eq!(p.name("", Kind::Agent), "");
        p.next_session();
        assert_eq!(p.name("a3", Kind::Agent), "Agent 1");
    }

    #[test]
    fn per_export_keeps_names_across_sessions() {
        let mut p = Pseudonyms::new(Scope::PerExport);
        assert_eq!(p.name("c1", Kind::Customer), "Customer 1");
        p.next_session();
        assert_eq!(p.name("c2", Kind::Customer), "Customer 2");
        assert_eq!(p.name("c1", Kind::Customer), "Customer 1");
    }
}
