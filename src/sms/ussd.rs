//! The SIM's prepaid balance by USSD: the `AT+CUSD` request, the `+CUSD:` answer decoded as
//! modems return it, and the amount read from the operator's text by the configured pattern.
//!
//! `AT+CUSD=1,"<code>",15` asks (3GPP TS 27.007 §7.15); the network's answer comes as
//! `+CUSD: <m>,"<text>",<dcs>`. Modems disagree on `<text>`: most give it in the character set
//! of `AT+CSCS`, but Huawei firmware returns hexadecimal, the GSM 7-bit septets packed
//! (TS 23.038 §6.1.2.3) for `dcs` 15, or UCS-2 for `dcs` 72; both are decoded here.

use regex::Regex;

use super::pdu;
use crate::plumbing::money;

/// What went wrong reading the balance.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UssdError {
    #[error("the modem's USSD answer cannot be read: {0:?}")]
    Unreadable(String),
    #[error("the network ended the USSD session without an answer (+CUSD: {0})")]
    Refused(u8),
    #[error("no amount in the operator's answer {0:?}")]
    NoAmount(String),
}

/// The `AT+CUSD` command that sends `code` (GSM 7-bit default alphabet, `dcs` 15).
pub(crate) fn request(code: &str) -> String {
    format!("AT+CUSD=1,\"{code}\",15")
}

/// The operator's text in a `+CUSD:` line.
pub(crate) fn answer_text(line: &str) -> Result<String, UssdError> {
    let unreadable = || UssdError::Unreadable(line.to_owned());
    let rest = line.strip_prefix("+CUSD:").ok_or_else(unreadable)?.trim();
    let (m, rest) = rest.split_once(',').unwrap_or((rest, ""));
    let m: u8 = m.trim().parse().map_err(|_| unreadable())?;
    if m > 1 {
        return Err(UssdError::Refused(m));
    }
    let open = rest.find('"').ok_or_else(unreadable)?;
    let close = rest
        .rfind('"')
        .filter(|c| *c > open)
        .ok_or_else(unreadable)?;
    let text = &rest[open + 1..close];
    let dcs: Option<u8> = rest[close + 1..]
        .trim_start_matches(',')
        .trim()
        .parse()
        .ok();
    Ok(decode(text, dcs))
}

/// Decodes hexadecimal answers (UCS-2 for `dcs` 72, packed GSM 7-bit for `dcs` 15 or 0) and
/// leaves plain text as it is.
fn decode(text: &str, dcs: Option<u8>) -> String {
    let is_hex = !text.is_empty()
        && text.len().is_multiple_of(2)
        && text.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_hex {
        return text.to_owned();
    }
    let octets: Vec<u8> = (0..text.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect();
    match dcs {
        Some(72) => ucs2(&octets).unwrap_or_else(|| text.to_owned()),
        Some(0 | 15) => packed_gsm7(&octets).unwrap_or_else(|| text.to_owned()),
        _ => text.to_owned(),
    }
}

/// UCS-2 big-endian octets as text.
fn ucs2(octets: &[u8]) -> Option<String> {
    let units: Vec<u16> = octets
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some(u16::from(*hi) << 8 | u16::from(*lo)),
            _ => None,
        })
        .collect::<Option<_>>()?;
    String::from_utf16(&units).ok()
}

/// Packed GSM 7-bit octets as text, if they read as printable text.
fn packed_gsm7(octets: &[u8]) -> Option<String> {
    let count = octets.len() * 8 / 7;
    let septets = pdu::unpack_septets(octets, count, 0).ok()?;
    let text = pdu::gsm7_decode(&septets);
    // Seven spare bits at the end read as an '@' (septet 0) or a CR padding (TS 23.038 §6.1.2.3.1).
    let text = text.trim_end_matches(['@', '\r']).to_owned();
    text.chars()
        .all(|c| !c.is_control() || c == '\n' || c == '\r')
        .then_some(text)
}

/// The amount, in minor units of a currency with `exponent` decimals, that `pattern`'s first
/// group finds in `text` ("Rp 12.500" is 12500 rupiah).
pub(crate) fn amount(text: &str, pattern: &Regex, exponent: u8) -> Result<i64, UssdError> {
    let no_amount = || UssdError::NoAmount(text.to_owned());
    let found = pattern
        .captures(text)
        .and_then(|c| c.get(1))
        .ok_or_else(no_amount)?;
    let number = found.as_str().trim_end_matches(['.', ',']);
    money::parse_amount(number, exponent).ok_or_else(no_amount)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hex(octets: &[u8]) -> String {
        octets.iter().map(|o| format!("{o:02X}")).collect()
    }

    fn default_pattern() -> Regex {
        let config = crate::plumbing::config::ModemConfig::default();
        Regex::new(&config.balance_pattern).unwrap()
    }

    #[test]
    fn plain_ucs2_and_packed_answers_are_read() {
        let text = "Sisa pulsa Rp 12.500 s/d 31-12-2026";
        let plain = format!("+CUSD: 0,\"{text}\",15");
        assert_eq!(answer_text(&plain).unwrap(), text);
        let units: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let ucs2 = format!("+CUSD: 0,\"{}\",72", hex(&units));
        assert_eq!(answer_text(&ucs2).unwrap(), text);
        let septets = pdu::gsm7_encode(text).unwrap();
        let packed = format!("+CUSD: 1,\"{}\",15", hex(&pdu::pack_septets(&septets, 0)));
        assert_eq!(answer_text(&packed).unwrap(), text);
        assert_eq!(amount(text, &default_pattern(), 0).unwrap(), 12_500);
    }

    #[test]
    fn refusals_and_answers_without_an_amount_are_errors() {
        assert_eq!(answer_text("+CUSD: 2").unwrap_err(), UssdError::Refused(2));
        assert_eq!(answer_text("+CUSD: 4").unwrap_err(), UssdError::Refused(4));
        assert!(matches!(
            answer_text("+CUSD: 0,no quotes"),
            Err(UssdError::Unreadable(_))
        ));
        assert!(matches!(
            amount("Layanan sedang sibuk", &default_pattern(), 0),
            Err(UssdError::NoAmount(_))
        ));
        assert_eq!(
            amount("Pulsa:Rp5.000. Aktif s/d 01-01-2027", &default_pattern(), 0).unwrap(),
            5_000
        );
        assert_eq!(
            amount("Your balance is Rp 1,250", &default_pattern(), 0).unwrap(),
            1_250
        );
    }
}
