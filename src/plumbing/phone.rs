//! E.164 normalisation of customer phone numbers.
//!
//! Clerks type numbers the way customers say them: "0812-3456-7890",
//! "+62 812 3456 7890" or "6281234567890" all name the same Indonesian
//! mobile. The branch sends SMS through a GSM modem and matches customers by
//! phone, so every number is stored in one canonical form, E.164
//! ("+6281234567890"). `normalise` turns typed input into that form, using the
//! branch's home country for numbers typed without a country code, and
//! `E164` carries the result so that unnormalised strings cannot be stored by
//! mistake.
//!
//! Country calling codes and trunk prefixes come from `crate::plumbing::iso`. Only
//! calling codes of ISO 3166-1 countries are accepted, so non-geographic
//! codes such as +800 or +881 and Kosovo's +383 are rejected as unknown.

use std::fmt;

use crate::plumbing::iso;

/// The fewest digits, calling code included, that a number may have.
///
/// Real numbers are longer almost everywhere; the handful of territories with
/// shorter numbers (some four-digit numbers on Niue, Tokelau or Saint Helena)
/// are rejected, which is the price of catching numbers typed half-way.
const MIN_DIGITS: usize = 8;

/// The most digits, calling code included, that E.164 allows.
const MAX_DIGITS: usize = 15;

/// A phone number in E.164 form, e.g. "+6281234567890".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct E164(String);

impl E164 {
    /// Returns the number as stored, for example "+6281234567890".
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a value read back from the database, which `normalise` produced.
    ///
    /// The value is trusted: only debug builds check that it looks like
    /// E.164, so a corrupt row shows up in tests rather than in production.
    #[allow(dead_code)] // Used by the customer portal and staff customer pages.
    pub(crate) fn from_stored(s: String) -> Self {
        debug_assert!(
            looks_like_e164(&s),
            "stored phone number {s:?} is not E.164"
        );
        Self(s)
    }

    /// Returns the number with all but the calling code and last four digits
    /// hidden, for example "+62 ••• •••• 7890", for logs and receipts.
    #[allow(dead_code)] // Used by the customer portal and staff customer pages.
    pub(crate) fn masked(&self) -> String {
        let Some((calling_code, nsn)) = self.split() else {
            // A stored value that is not E.164 is hidden entirely.
            return "+•••".to_owned();
        };
        // The national number is ASCII digits, so byte offsets are safe; one
        // of four digits or fewer is hidden entirely.
        let (hidden, shown) = if nsn.len() > 4 {
            nsn.split_at(nsn.len() - 4)
        } else {
            (nsn, "")
        };
        let hidden = hidden.len();
        let mut parts = vec![format!("+{calling_code}")];
        if hidden % 4 > 0 {
            parts.push("•".repeat(hidden % 4));
        }
        for _ in 0..hidden / 4 {
            parts.push("•".repeat(4));
        }
        if !shown.is_empty() {
            parts.push(shown.to_owned());
        }
        parts.join(" ")
    }

    /// Returns the form to show a clerk in the branch's home country.
    ///
    /// A number from the home country (one with the same calling code) is
    /// shown as dialled there: the trunk prefix followed by the national
    /// number, grouped for Indonesian mobiles ("0812-3456-7890") and North
    /// American numbers ("(212) 555-1234"). Any other number, or any number
    /// when `default_country` is unknown, is shown in E.164 form.
    #[allow(dead_code)] // Used by the customer portal and staff customer pages.
    pub(crate) fn national(&self, default_country: &str) -> String {
        let (Some(home), Some((calling_code, nsn))) = (iso::country(default_country), self.split())
        else {
            return self.0.clone();
        };
        if calling_code != home.calling_code {
            return self.0.clone();
        }
        match calling_code {
            "62" if nsn.starts_with('8') && (9..=12).contains(&nsn.len()) => {
                let (operator, rest) = nsn.split_at(3);
                let middle = if rest.len() >= 7 { 4 } else { 3 };
                let (middle, last) = rest.split_at(middle);
                format!("0{operator}-{middle}-{last}")
            }
            "1" if nsn.len() == 10 => {
                let (area, rest) = nsn.split_at(3);
                let (exchange, line) = rest.split_at(3);
                format!("({area}) {exchange}-{line}")
            }
            _ => format!("{}{nsn}", home.trunk_prefix),
        }
    }

    /// Returns the digits after the "+".
    fn digits(&self) -> &str {
        self.0.strip_prefix('+').unwrap_or(&self.0)
    }

    /// Splits the number into its calling code and national significant
    /// number, or returns `None` if the calling code is not in the table or
    /// the rest is not all digits.
    fn split(&self) -> Option<(&'static str, &str)> {
        let digits = self.digits();
        let calling_code = calling_code_of(digits)?;
        let nsn = digits.get(calling_code.len()..)?;
        nsn.bytes()
            .all(|b| b.is_ascii_digit())
            .then_some((calling_code, nsn))
    }
}

/// Shows the number in E.164 form, as `as_str` returns it.
impl fmt::Display for E164 {
    /// Writes the E.164 string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a typed phone number could not be normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PhoneError {
    /// The input has no digits at all.
    Empty,
    /// The input has something other than digits, spaces, dashes, dots,
    /// parentheses and one leading "+".
    InvalidCharacters,
    /// The number has fewer than eight digits, calling code included.
    TooShort,
    /// The number has more than fifteen digits, calling code included.
    TooLong,
    /// The number is international but starts with no known calling code.
    UnknownCountryCode,
    /// The number is national but the default country is not an ISO 3166-1
    /// alpha-2 code in upper case; this is a configuration error.
    UnknownDefaultCountry,
}

/// Gives each error a short lower-case message for logs and forms.
impl fmt::Display for PhoneError {
    /// Writes the message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "phone number is empty",
            Self::InvalidCharacters => "phone number has invalid characters",
            Self::TooShort => "phone number is too short",
            Self::TooLong => "phone number is too long",
            Self::UnknownCountryCode => "unknown country calling code",
            Self::UnknownDefaultCountry => "unknown default country",
        })
    }
}

/// Lets a `PhoneError` travel as a `Box<dyn Error>` or inside another error.
impl std::error::Error for PhoneError {}

/// Normalises a typed phone number to E.164.
///
/// Spaces, dashes, dots and parentheses are ignored. A leading "+" or "00"
/// marks an international number, whose digits must start with a known
/// calling code. Any other number is read against `default_country` (an
/// upper-case ISO 3166-1 alpha-2 code such as "ID"): a leading trunk prefix
/// is replaced by the calling code ("0812…" becomes "+62812…"); digits that
/// already start with the calling code and leave a national number of a
/// length the country uses are taken as international ("62812…"); anything
/// else is a national number typed without its trunk prefix ("812…").
///
/// Where every country sharing a calling code uses the trunk prefix "0", zeros
/// right after the calling code are dropped, so the common "+44 (0)20…" and
/// "+62 0812…" come out right. Normalising the result again returns it
/// unchanged.
pub(crate) fn normalise(input: &str, default_country: &str) -> Result<E164, PhoneError> {
    let trimmed = input.trim();
    let mut plus = false;
    let mut digits = String::with_capacity(trimmed.len());
    for (index, ch) in trimmed.char_indices() {
        match ch {
            '0'..='9' => digits.push(ch),
            '+' if index == 0 => plus = true,
            '-' | '.' | '(' | ')' => {}
            _ if ch.is_whitespace() => {}
            _ => return Err(PhoneError::InvalidCharacters),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    let full = if plus {
        international(&digits)?
    } else if let Some(rest) = digits.strip_prefix("00") {
        international(rest)?
    } else {
        national(&digits, default_country)?
    };
    if full.len() < MIN_DIGITS {
        return Err(PhoneError::TooShort);
    }
    if full.len() > MAX_DIGITS {
        return Err(PhoneError::TooLong);
    }
    Ok(E164(format!("+{full}")))
}

/// Reads digits that start with a calling code and returns the E.164 digits.
fn international(digits: &str) -> Result<String, PhoneError> {
    let calling_code = calling_code_of(digits).ok_or(PhoneError::UnknownCountryCode)?;
    let mut nsn = digits.get(calling_code.len()..).unwrap_or_default();
    if trunk_prefix_is_zero(calling_code) {
        nsn = nsn.trim_start_matches('0');
    }
    Ok(format!("{calling_code}{nsn}"))
}

/// Reads digits typed without an international prefix and returns the E.164
/// digits, using the default country's calling code and trunk prefix.
fn national(digits: &str, default_country: &str) -> Result<String, PhoneError> {
    let home = iso::country(default_country).ok_or(PhoneError::UnknownDefaultCountry)?;
    let calling_code = home.calling_code;
    if !home.trunk_prefix.is_empty()
        && let Some(nsn) = digits.strip_prefix(home.trunk_prefix)
    {
        return Ok(format!("{calling_code}{nsn}"));
    }
    if let Some(nsn) = digits.strip_prefix(calling_code)
        && plausible_nsn_length(calling_code, nsn.len())
    {
        return international(digits);
    }
    Ok(format!("{calling_code}{digits}"))
}

/// Returns the calling code that `digits` start with, if any.
///
/// The longest match wins, although no calling code in the table is a prefix
/// of another, so at most one can match.
fn calling_code_of(digits: &str) -> Option<&'static str> {
    (1..=3)
        .rev()
        .filter_map(|len| digits.get(..len))
        .find_map(|prefix| {
            iso::countries()
                .iter()
                .find(|country| country.calling_code == prefix)
                .map(|country| country.calling_code)
        })
}

/// Tells whether every country using `calling_code` has the trunk prefix "0".
///
/// National numbers in such countries never start with "0", so a "0" after
/// the calling code can only be a trunk prefix typed by habit. Russia's "8"
/// is not treated this way because Russian numbers may start with "8".
fn trunk_prefix_is_zero(calling_code: &str) -> bool {
    iso::countries()
        .iter()
        .filter(|country| country.calling_code == calling_code)
        .all(|country| country.trunk_prefix == "0")
}

/// Tells whether a national significant number of `len` digits is one that
/// the countries using `calling_code` issue for fixed lines or mobiles.
fn plausible_nsn_length(calling_code: &str, len: usize) -> bool {
    match NSN_LENGTHS
        .iter()
        .find(|(code, _, _)| *code == calling_code)
    {
        Some(&(_, min, max)) => (usize::from(min)..=usize::from(max)).contains(&len),
        None => (MIN_DIGITS..=MAX_DIGITS).contains(&(calling_code.len() + len)),
    }
}

/// Tells whether `s` is "+" followed by 8 to 15 digits, the first not "0".
fn looks_like_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|digits| {
        (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// The shortest and longest national significant numbers, in digits, that
/// each calling code uses for fixed lines and mobiles.
///
/// Taken from libphonenumber's metadata, merged over the countries sharing a
/// code. It only decides whether digits such as "6281234567890", typed
/// without "+", already carry the calling code; it does not reject numbers.
static NSN_LENGTHS: &[(&str, u8, u8)] = &[
    ("1", 10, 10),
    ("7", 10, 10),
    ("20", 8, 10),
    ("27", 5, 9),
    ("30", 10, 10),
    ("31", 9, 11),
    ("32", 8, 9),
    ("33", 9, 9),
    ("34", 9, 9),
    ("36", 8, 9),
    ("39", 6, 12),
    ("40", 6, 9),
    ("41", 9, 9),
    ("43", 4, 13),
    ("44", 9, 10),
    ("45", 8, 8),
    ("46", 7, 9),
    ("47", 8, 8),
    ("48", 7, 9),
    ("49", 5, 15),
    ("51", 8, 9),
    ("52", 10, 10),
    ("53", 6, 10),
    ("54", 10, 11),
    ("55", 10, 11),
    ("56", 9, 9),
    ("57", 8, 10),
    ("58", 10, 10),
    ("60", 8, 10),
    ("61", 9, 9),
    ("62", 7, 12),
    ("63", 6, 10),
    ("64", 8, 10),
    ("65", 8, 8),
    ("66", 8, 9),
    ("81", 9, 10),
    ("82", 5, 10),
    ("84", 9, 10),
    ("86", 7, 11),
    ("90", 10, 10),
    ("91", 10, 10),
    ("92", 9, 10),
    ("93", 9, 9),
    ("94", 9, 9),
    ("95", 6, 10),
    ("98", 6, 10),
    ("211", 9, 9),
    ("212", 9, 9),
    ("213", 8, 9),
    ("216", 8, 8),
    ("218", 9, 9),
    ("220", 7, 9),
    ("221", 9, 9),
    ("222", 8, 8),
    ("223", 8, 8),
    ("224", 8, 9),
    ("225", 10, 10),
    ("226", 8, 8),
    ("227", 8, 8),
    ("228", 8, 8),
    ("229", 10, 10),
    ("230", 7, 8),
    ("231", 7, 9),
    ("232", 8, 8),
    ("233", 9, 9),
    ("234", 10, 10),
    ("235", 8, 8),
    ("236", 8, 8),
    ("237", 9, 9),
    ("238", 7, 7),
    ("239", 7, 7),
    ("240", 9, 9),
    ("241", 7, 8),
    ("242", 9, 9),
    ("243", 7, 10),
    ("244", 9, 9),
    ("245", 9, 9),
    ("246", 7, 7),
    ("248", 7, 7),
    ("249", 9, 9),
    ("250", 8, 9),
    ("251", 9, 9),
    ("252", 6, 9),
    ("253", 8, 8),
    ("254", 7, 9),
    ("255", 9, 9),
    ("256", 9, 9),
    ("257", 8, 8),
    ("258", 8, 9),
    ("260", 9, 9),
    ("261", 9, 9),
    ("262", 9, 9),
    ("263", 9, 9),
    ("264", 8, 9),
    ("265", 7, 9),
    ("266", 8, 8),
    ("267", 7, 8),
    ("268", 8, 8),
    ("269", 7, 7),
    ("290", 4, 5),
    ("291", 7, 7),
    ("297", 7, 7),
    ("298", 6, 6),
    ("299", 6, 6),
    ("350", 8, 8),
    ("351", 9, 9),
    ("352", 4, 11),
    ("353", 7, 10),
    ("354", 7, 9),
    ("355", 8, 9),
    ("356", 8, 8),
    ("357", 8, 8),
    ("358", 5, 10),
    ("359", 6, 9),
    ("370", 8, 8),
    ("371", 8, 8),
    ("372", 7, 8),
    ("373", 8, 8),
    ("374", 8, 8),
    ("375", 9, 9),
    ("376", 6, 9),
    ("377", 8, 9),
    ("378", 8, 10),
    ("380", 9, 9),
    ("381", 7, 12),
    ("382", 8, 8),
    ("385", 8, 9),
    ("386", 8, 8),
    ("387", 8, 9),
    ("389", 8, 8),
    ("420", 9, 9),
    ("421", 6, 9),
    ("423", 7, 9),
    ("500", 5, 5),
    ("501", 7, 7),
    ("502", 8, 8),
    ("503", 8, 8),
    ("504", 8, 8),
    ("505", 8, 8),
    ("506", 8, 8),
    ("507", 7, 8),
    ("508", 6, 9),
    ("509", 8, 8),
    ("590", 9, 9),
    ("591", 8, 8),
    ("592", 7, 7),
    ("593", 8, 9),
    ("594", 9, 9),
    ("595", 7, 9),
    ("596", 9, 9),
    ("597", 6, 7),
    ("598", 8, 8),
    ("599", 7, 8),
    ("670", 7, 8),
    ("672", 6, 6),
    ("673", 7, 7),
    ("674", 7, 7),
    ("675", 7, 8),
    ("676", 5, 7),
    ("677", 5, 7),
    ("678", 5, 7),
    ("679", 7, 7),
    ("680", 7, 7),
    ("681", 6, 6),
    ("682", 5, 5),
    ("683", 4, 7),
    ("685", 5, 10),
    ("686", 5, 8),
    ("687", 6, 6),
    ("688", 5, 7),
    ("689", 8, 8),
    ("690", 4, 7),
    ("691", 7, 7),
    ("692", 7, 7),
    ("850", 8, 10),
    ("852", 8, 8),
    ("853", 8, 8),
    ("855", 8, 9),
    ("856", 8, 10),
    ("880", 6, 10),
    ("886", 8, 9),
    ("960", 7, 7),
    ("961", 7, 8),
    ("962", 8, 9),
    ("963", 8, 9),
    ("964", 8, 10),
    ("965", 8, 8),
    ("966", 9, 9),
    ("967", 7, 9),
    ("968", 8, 8),
    ("970", 8, 9),
    ("971", 8, 9),
    ("972", 8, 12),
    ("973", 8, 8),
    ("974", 8, 8),
    ("975", 7, 8),
    ("976", 8, 10),
    ("977", 8, 10),
    ("992", 9, 9),
    ("993", 8, 8),
    ("994", 9, 9),
    ("995", 9, 9),
    ("996", 9, 9),
    ("998", 9, 9),
];

/// Unit tests for normalisation, display and masking.
#[cfg(test)]
mod tests {
    use super::*;

    /// Normalises `input` with default `country`, compares the result with
    /// `expected`, and checks that normalising a success again changes
    /// nothing, whatever the default country.
    fn check(input: &str, country: &str, expected: Result<&str, PhoneError>) {
        let got = normalise(input, country);
        assert_eq!(
            got.as_ref().map(E164::as_str).map_err(|e| *e),
            expected,
            "{input:?} with default {country}"
        );
        if let Ok(number) = got {
            for again in [country, "US", "KE"] {
                assert_eq!(
                    normalise(number.as_str(), again).as_ref(),
                    Ok(&number),
                    "{input:?} is not idempotent with default {again}"
                );
            }
        }
    }

    /// Checks the Indonesian forms a branch clerk meets most.
    #[test]
    fn indonesia() {
        let mobile = Ok("+6281234567890");
        check("0812-3456-7890", "ID", mobile);
        check("+62 812 3456 7890", "ID", mobile);
        check("6281234567890", "ID", mobile);
        check("0062 812 3456 7890", "ID", mobile);
        check("+62 (0)812 3456 7890", "ID", mobile);
        check("+62 0812 3456 7890", "ID", mobile);
        check("812 3456 7890", "ID", mobile);
        check("0812.3456.7890", "ID", mobile);
        check("  (0812) 3456-7890\t", "ID", mobile);
        check("0812\u{a0}3456\u{a0}7890", "ID", mobile);
        check("+6281234567890", "ID", mobile);
        check("(021) 555-1234", "ID", Ok("+62215551234"));
        check("021 5551234", "ID", Ok("+62215551234"));
    }

    /// Checks national and international forms in other home countries.
    #[test]
    fn other_home_countries() {
        check("0712 345678", "KE", Ok("+254712345678"));
        check("+254 712 345 678", "KE", Ok("+254712345678"));
        check("254712345678", "KE", Ok("+254712345678"));
        check("712345678", "KE", Ok("+254712345678"));
        check("(212) 555-1234", "US", Ok("+12125551234"));
        check("1 212 555 1234", "US", Ok("+12125551234"));
        check("+1 212-555-1234", "US", Ok("+12125551234"));
        check("416 555 0123", "CA", Ok("+14165550123"));
        check("020 7946 0000", "GB", Ok("+442079460000"));
        check("+44 (0)20 7946 0000", "GB", Ok("+442079460000"));
        check("0917 123 4567", "PH", Ok("+639171234567"));
        check("012-345 6789", "MY", Ok("+60123456789"));
        check("082 123 4567", "ZA", Ok("+27821234567"));
        check("9123 4567", "SG", Ok("+6591234567"));
        check("6591234567", "SG", Ok("+6591234567"));
        check("6512 3456", "SG", Ok("+6565123456"));
        check("98765 43210", "IN", Ok("+919876543210"));
        check("919876543210", "IN", Ok("+919876543210"));
        check("9198765432", "IN", Ok("+919198765432"));
        check("06 1234 5678", "IT", Ok("+390612345678"));
        check("+39 06 1234 5678", "IT", Ok("+390612345678"));
        check("8 916 123-45-67", "RU", Ok("+79161234567"));
        check("7 916 123 45 67", "RU", Ok("+79161234567"));
        check("+7 800 555 35 35", "RU", Ok("+78005553535"));
        check("06 30 123 4567", "HU", Ok("+36301234567"));
        check("8 029 491-19-11", "BY", Ok("+375294911911"));
    }

    /// Checks that numbers with "+" or "00" do not need the default country.
    #[test]
    fn foreign_numbers_ignore_the_default_country() {
        check("+254 712 345678", "ID", Ok("+254712345678"));
        check("00 44 20 7946 0000", "ID", Ok("+442079460000"));
        check("+62 812 3456 7890", "KE", Ok("+6281234567890"));
        check("+62 812 3456 7890", "XX", Ok("+6281234567890"));
        check("+500 12345", "GB", Ok("+50012345"));
    }

    /// Checks every error, and the length limits on both sides.
    #[test]
    fn errors() {
        use PhoneError::*;
        check("", "ID", Err(Empty));
        check("   ", "ID", Err(Empty));
        check("( ) - .", "ID", Err(Empty));
        check("+", "ID", Err(Empty));
        check("0812-3456-789O", "ID", Err(InvalidCharacters));
        check("0812 3456 7890 ext 12", "ID", Err(InvalidCharacters));
        check("62+81234567890", "ID", Err(InvalidCharacters));
        check("++6281234567890", "ID", Err(InvalidCharacters));
        check("0812/3456/7890", "ID", Err(InvalidCharacters));
        check("\u{660}\u{668}\u{661}\u{662}", "ID", Err(InvalidCharacters));
        check("0812", "ID", Err(TooShort));
        check("+62 812", "ID", Err(TooShort));
        check("+1", "US", Err(TooShort));
        check("+290 1234", "SH", Err(TooShort));
        check("+62 812 3456 7890 12", "ID", Ok("+628123456789012"));
        check("+62 812 3456 7890 123", "ID", Err(TooLong));
        check("0812 3456 7890 1234", "ID", Err(TooLong));
        check("+999 1234 5678", "ID", Err(UnknownCountryCode));
        check("+0 812 3456 7890", "ID", Err(UnknownCountryCode));
        check("000 812 3456 7890", "ID", Err(UnknownCountryCode));
        check("+383 44 123 456", "ID", Err(UnknownCountryCode));
        check("0812-3456-7890", "id", Err(UnknownDefaultCountry));
        check("0812-3456-7890", "XX", Err(UnknownDefaultCountry));
        check("0812-3456-7890", "", Err(UnknownDefaultCountry));
    }

    /// Checks that each country's national form round-trips through E.164.
    #[test]
    fn every_country_reads_its_own_national_numbers() {
        for country in iso::countries() {
            let input = format!("{}2345678", country.trunk_prefix);
            let expected = format!("+{}2345678", country.calling_code);
            check(&input, country.code, Ok(&expected));
            let number = E164::from_stored(expected);
            assert_eq!(number.national(country.code), input, "{}", country.code);
        }
    }

    /// Checks that masking keeps only the calling code and last four digits.
    #[test]
    fn masking() {
        let cases = [
            ("+6281234567890", "+62 ••• •••• 7890"),
            ("+254712345678", "+254 • •••• 5678"),
            ("+12125551234", "+1 •• •••• 1234"),
            ("+447911123456", "+44 •• •••• 3456"),
            ("+50012345", "+500 • 2345"),
        ];
        for (stored, masked) in cases {
            assert_eq!(E164::from_stored(stored.to_owned()).masked(), masked);
        }
        // A corrupt value can only come from the database, bypassing
        // `from_stored` and its debug check; masking must still not panic.
        assert_eq!(E164("+62ab€d".to_owned()).masked(), "+•••");
        assert_eq!(E164("+999123456789".to_owned()).masked(), "+•••");
        assert_eq!(
            E164("+6281234567890".to_owned()).national("ID"),
            "0812-3456-7890"
        );
        assert_eq!(E164("+62€".to_owned()).national("ID"), "+62€");
    }

    /// Checks the home-country display form.
    #[test]
    fn national_display() {
        let cases = [
            ("+6281234567890", "ID", "0812-3456-7890"),
            ("+628123456789", "ID", "0812-3456-789"),
            ("+62812345678901", "ID", "0812-3456-78901"),
            ("+62812345678", "ID", "0812-345-678"),
            ("+62215551234", "ID", "0215551234"),
            ("+6281234567890", "KE", "+6281234567890"),
            ("+6281234567890", "XX", "+6281234567890"),
            ("+254712345678", "KE", "0712345678"),
            ("+12125551234", "US", "(212) 555-1234"),
            ("+12125551234", "CA", "(212) 555-1234"),
            ("+6591234567", "SG", "91234567"),
            ("+390612345678", "IT", "0612345678"),
            ("+79161234567", "KZ", "89161234567"),
            ("+447911123456", "JE", "07911123456"),
        ];
        for (stored, country, shown) in cases {
            assert_eq!(
                E164::from_stored(stored.to_owned()).national(country),
                shown,
                "{stored} in {country}"
            );
        }
    }

    /// Checks `Display`, `as_str` and the stored-value check.
    #[test]
    fn display_and_storage() {
        let number = E164::from_stored("+6281234567890".to_owned());
        assert_eq!(number.to_string(), "+6281234567890");
        assert_eq!(number.as_str(), "+6281234567890");
        assert_eq!(normalise("0812-3456-7890", "ID").as_ref(), Ok(&number));
        assert!(looks_like_e164("+6281234567890"));
        assert!(!looks_like_e164("6281234567890"));
        assert!(!looks_like_e164("+620812"));
        assert!(!looks_like_e164("+0812345678"));
    }

    /// Checks that error messages are short and lower-case.
    #[test]
    fn error_messages() {
        let all = [
            PhoneError::Empty,
            PhoneError::InvalidCharacters,
            PhoneError::TooShort,
            PhoneError::TooLong,
            PhoneError::UnknownCountryCode,
            PhoneError::UnknownDefaultCountry,
        ];
        for error in all {
            let message = Box::<dyn std::error::Error>::from(error).to_string();
            assert!(!message.is_empty());
            assert_eq!(message, message.to_lowercase());
        }
        assert_eq!(
            PhoneError::TooShort.to_string(),
            "phone number is too short"
        );
    }

    /// Checks that the length table covers exactly the known calling codes.
    #[test]
    fn length_table_matches_the_country_table() {
        for country in iso::countries() {
            assert!(
                NSN_LENGTHS
                    .iter()
                    .any(|(code, _, _)| *code == country.calling_code),
                "no lengths for {} ({})",
                country.calling_code,
                country.code
            );
        }
        for &(code, min, max) in NSN_LENGTHS {
            assert!(
                calling_code_of(code) == Some(code),
                "{code} is not a calling code"
            );
            assert!(min <= max, "{code}");
        }
    }
}
