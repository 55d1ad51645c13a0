//! The email typos staff may correct for a customer from a complaint case (seed 002 step 3,
//! second level): the seed refers to a table of allowed errors it does not contain, so the
//! table is configuration (`[complaints] email_typos` and `email_fixes`, defaults in
//! `plumbing::config`), shown on the case page. A change is accepted only when the new
//! address is the old one with exactly one allowed correction applied; anything else is
//! refused (the customer changes it themselves, or at the counter with a reason).
//!
//! A correction goes through the counter's contact change (`customers::phone_and_email`):
//! the address becomes unverified, the customer is told at their number, the customer's
//! history and the audit log record it; the case's timeline records it too.

use chrono::{DateTime, Utc};
use rusqlite::Transaction;

use super::cases::{self, CaseError};
use super::{Category, EventKind};
use crate::audit::{self, Actor, Change};
use crate::customers::phone_and_email::{ContactChange, Notice, change_contact};
use crate::plumbing::config::{ComplaintsConfig, Config, EmailTypo};
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::ComplaintId;
use crate::roles::StaffUser;

/// One allowed correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Correction<'a> {
    /// A misspelt ending of the address (`gmial.com` → `gmail.com`, `.con` → `.com`).
    Ending(&'a EmailTypo),
    /// A dot at the end of the address, taken off.
    TrailingDot,
    /// Spaces in the address, taken out.
    Spaces,
    /// A comma typed for a dot.
    Comma,
}

impl Correction<'_> {
    /// What the case page's table says was typed and what it becomes.
    pub(crate) fn shown(self) -> (Shown, Shown) {
        match self {
            Correction::Ending(t) => (Shown::Text(t.wrong.clone()), Shown::Text(t.right.clone())),
            Correction::TrailingDot => (
                Shown::Label(Msg::EmailTypoTrailingDot),
                Shown::Label(Msg::EmailTypoNothing),
            ),
            Correction::Spaces => (
                Shown::Label(Msg::EmailTypoSpaces),
                Shown::Label(Msg::EmailTypoNothing),
            ),
            Correction::Comma => (
                Shown::Label(Msg::EmailTypoComma),
                Shown::Text(".".to_owned()),
            ),
        }
    }

    /// The correction's code for the audit log.
    fn code(self) -> String {
        match self {
            Correction::Ending(t) => format!("{} -> {}", t.wrong, t.right),
            Correction::TrailingDot => "trailing_dot".to_owned(),
            Correction::Spaces => "spaces".to_owned(),
            Correction::Comma => "comma".to_owned(),
        }
    }

    /// The address with this correction applied, if it applies to it.
    pub(crate) fn apply(self, address: &str) -> Option<String> {
        match self {
            Correction::Ending(t) => {
                let (name, domain) = address.rsplit_once('@')?;
                let lower = domain.to_ascii_lowercase();
                let wrong = t.wrong.to_ascii_lowercase();
                let at_boundary = lower == wrong
                    || (lower.ends_with(&wrong)
                        && (wrong.starts_with('.')
                            || lower[..lower.len() - wrong.len()].ends_with('.')));
                at_boundary.then(|| {
                    format!(
                        "{name}@{}{}",
                        &domain[..domain.len() - wrong.len()],
                        t.right
                    )
                })
            }
            Correction::TrailingDot => address
                .ends_with('.')
                .then(|| address.trim_end_matches('.').to_owned()),
            Correction::Spaces => address
                .contains(char::is_whitespace)
                .then(|| address.chars().filter(|c| !c.is_whitespace()).collect()),
            Correction::Comma => address.contains(',').then(|| address.replace(',', ".")),
        }
    }
}

/// A cell of the table: a value as written, or words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shown {
    Text(String),
    Label(Msg),
}

/// Every correction the configuration allows, endings first.
pub(crate) fn allowed(config: &ComplaintsConfig) -> Vec<Correction<'_>> {
    let mut all: Vec<Correction> = config.email_typos.iter().map(Correction::Ending).collect();
    for fix in &config.email_fixes {
        all.push(match fix.as_str() {
            "trailing_dot" => Correction::TrailingDot,
            "spaces" => Correction::Spaces,
            _ => Correction::Comma,
        });
    }
    all
}

/// The one allowed correction that turns `old` into `new`, if there is one.
pub(crate) fn correction<'a>(
    config: &'a ComplaintsConfig,
    old: &str,
    new: &str,
) -> Option<Correction<'a>> {
    allowed(config)
        .into_iter()
        .find(|c| c.apply(old).as_deref() == Some(new) && new != old)
}

/// Corrects the email address of the case's customer to `new`, when it is the old one with
/// exactly one allowed correction applied (a one-time code case, open). In the caller's
/// transaction; returns the old address.
pub(crate) fn correct_email(
    tx: &Transaction,
    id: &ComplaintId,
    new: &str,
    user: &StaffUser,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<String, CaseError> {
    let case = super::get(tx, id)?.ok_or(CaseError::NoSuchCase)?;
    if !case.state.is_open() {
        return Err(CaseError::Closed);
    }
    if case.category != Category::OneTimeCode {
        return Err(CaseError::NotAllowedTypo);
    }
    let customer =
        crate::customers::get(tx, &case.customer_id)?.ok_or(CaseError::NoSuchCustomer)?;
    let old = customer.email.clone().ok_or(CaseError::NoEmail)?;
    let new = new.trim();
    let found = correction(&config.complaints, &old, new).ok_or(CaseError::NotAllowedTypo)?;
    let lang = config.language();
    let detail = lang.fill(Msg::EmailTypoCorrected, &[("from", &old), ("to", new)]);
    let change = ContactChange {
        phone: &customer.phone,
        email: Some(new),
        reason: &detail,
    };
    // The phone stays as it is, so the only refusal (another customer's number) cannot come.
    change_contact(tx, &customer, &change, user, &Notice::of(config), now).map_err(
        |e| match e {
            crate::customers::ContactError::Db(e) => CaseError::Db(e),
            crate::customers::ContactError::PhoneTaken => CaseError::NotAllowedTypo,
        },
    )?;
    cases::record(
        tx,
        id,
        EventKind::EmailCorrected,
        Some(&user.id),
        (None, None),
        &detail,
        now,
    )?;
    let audited = Change {
        action: "complaint.email_correction",
        entity: "complaint",
        entity_id: id.as_str(),
        before: Some(serde_json::json!({ "email": old })),
        after: Some(serde_json::json!({ "email": new, "correction": found.code() })),
    };
    audit::record(tx, &Actor::Staff(user), &audited, now)?;
    cases::responded(tx, id, now)?;
    Ok(old)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ComplaintsConfig {
        ComplaintsConfig::default()
    }

    #[test]
    fn exactly_one_allowed_correction_is_accepted() {
        let c = config();
        for (old, new) in [
            ("siti@gmial.com", "siti@gmail.com"),
            ("siti@gamil.com", "siti@gmail.com"),
            ("siti@GMAL.com", "siti@gmail.com"),
            ("siti@yaho.com", "siti@yahoo.com"),
            ("siti@example.con", "siti@example.com"),
            ("siti@mail.example.cmo", "siti@mail.example.com"),
            ("siti@gmail.com.", "siti@gmail.com"),
            ("siti @gmail.com ", "siti@gmail.com"),
            ("siti@gmail,com", "siti@gmail.com"),
        ] {
            assert!(correction(&c, old, new).is_some(), "{old} -> {new}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        let c = config();
        for (old, new) in [
            // Another address altogether, or another name.
            ("siti@gmial.com", "ani@gmail.com"),
            ("siti@gmail.com", "siti@yahoo.com"),
            // Two corrections at once.
            ("siti@gmial.con", "siti@gmail.com"),
            // No change.
            ("siti@gmail.com", "siti@gmail.com"),
            // Not at a label boundary: xgmial.com is someone's own domain.
            ("siti@xgmial.com", "siti@xgmail.com"),
            // A correction the table does not have.
            ("siti@gmail.com", "siti@gmail.co.id"),
            // The ending changed in the name, not the domain.
            ("gmial.com@example.com", "gmail.com@example.com"),
        ] {
            assert!(correction(&c, old, new).is_none(), "{old} -> {new}");
        }
        let only_endings = ComplaintsConfig {
            email_fixes: Vec::new(),
            ..config()
        };
        assert!(correction(&only_endings, "siti@gmail.com.", "siti@gmail.com").is_none());
    }

    #[test]
    fn the_fixes_match_the_configuration_names() {
        for name in crate::plumbing::config::EMAIL_FIXES {
            let c = ComplaintsConfig {
                email_typos: Vec::new(),
                email_fixes: vec![name.to_owned()],
                ..config()
            };
            let fix = allowed(&c);
            assert_eq!(fix.len(), 1);
            let code = fix[0].code();
            assert_eq!(code, name);
        }
    }
}
