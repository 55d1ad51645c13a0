//! SMS-SUBMIT PDUs for sending text messages through a GSM modem in PDU mode.
//!
//! The branch server drives its modem with `AT+CMGF=0` and `AT+CMGS=<length>` (3GPP TS 27.005
//! §3.2.3 and §4.3), so it builds the binary SMS-SUBMIT itself instead of trusting the text mode
//! of the modem firmware, which varies between models in how it maps characters such as `€` and
//! never splits long messages. The PDU written after `AT+CMGS` is the SMSC address (TS 24.011
//! §8.2.5) followed by the TPDU (TS 27.005 §3.1, parameter `<pdu>`), both in hexadecimal.
//!
//! This module covers, with the sections of the specifications it follows:
//!
//! - the GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1 and
//!   §6.2.1.1) and the packing of septets into octets (TS 23.038 §6.1.2.1);
//! - the choice between the GSM 7-bit alphabet and UCS-2 in TP-DCS (TS 23.038 §4);
//! - the SMS-SUBMIT TPDU and its fields (3GPP TS 23.040 §9.2.2.2 and §9.2.3), with addresses in
//!   swapped semi-octets (TS 23.040 §9.1.2.3 and §9.1.2.5);
//! - concatenated messages with the 8-bit reference User Data Header (TS 23.040 §9.2.3.24.1),
//!   including the fill bits that put 7-bit text on a septet boundary after the header
//!   (TS 23.040 §9.2.3.16 and §9.2.3.24).
//!
//! A decoder for SMS-SUBMIT PDUs ([`decode_submit`] and [`reassemble`]) lets the test modem
//! simulator check exactly which text would have reached the network.
//!
//! UCS-2 proper cannot represent characters outside the Basic Multilingual Plane. Like current
//! handsets, this module sends them as UTF-16 surrogate pairs in UCS-2 messages and never puts the
//! two halves of a pair into different parts, so that every part decodes on its own.

use std::fmt;

/// The escape septet that introduces a character of the extension table (TS 23.038 §6.2.1.1).
const ESCAPE: u8 = 0x1B;

/// The GSM 7-bit default alphabet, indexed by septet value (TS 23.038 §6.2.1).
///
/// Position 0x1B is the escape to the extension table. It holds a space because that is what a
/// receiver shows for an escape that leads nowhere, and it is never chosen when encoding.
const GSM7_BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', ' ', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table of the default alphabet as (septet after the escape, character) pairs
/// (TS 23.038 §6.2.1.1).
const GSM7_EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// The most septets a single, unconcatenated GSM 7-bit message carries (140 octets).
const MAX_SINGLE_SEPTETS: usize = 160;

/// The most text septets in one part of a concatenated message: 160 minus the 7 septets that
/// the 6-octet header and its fill bit occupy.
const MAX_CONCAT_SEPTETS: usize = 153;

/// The most UTF-16 code units a single, unconcatenated UCS-2 message carries (140 octets).
const MAX_SINGLE_UCS2_UNITS: usize = 70;

/// The most UTF-16 code units in one part of a concatenated message: (140 - 6) / 2.
const MAX_CONCAT_UCS2_UNITS: usize = 67;

/// The size limit of TP-UD in octets (TS 23.040 §9.2.3.24).
const MAX_USER_DATA_OCTETS: usize = 140;

/// The most parts a concatenated message can have, because TP-UD counts them in one octet
/// (TS 23.040 §9.2.3.24.1).
const MAX_PARTS: usize = 255;

/// The most digits an address field holds: TP-DA has at most 10 octets of semi-octets
/// (TS 23.040 §9.1.2.5), and so does the SMSC address (TS 24.011 §8.2.5.2).
const MAX_ADDRESS_DIGITS: usize = 20;

/// TP-MTI for SMS-SUBMIT in bits 1..0 of the first octet (TS 23.040 §9.2.3.1).
const MTI_SUBMIT: u8 = 0x01;

/// The mask of TP-MTI in the first octet.
const MTI_MASK: u8 = 0x03;

/// TP-VPF = 10 (relative format) in bits 4..3 of the first octet (TS 23.040 §9.2.3.3).
const VPF_RELATIVE: u8 = 0x10;

/// TP-SRR, the status report request, in bit 5 of the first octet (TS 23.040 §9.2.3.5).
const SRR: u8 = 0x20;

/// TP-UDHI, set when TP-UD starts with a header, in bit 6 of the first octet
/// (TS 23.040 §9.2.3.23).
const UDHI: u8 = 0x40;

/// TP-MR = 0, which lets the modem assign the message reference (TS 23.040 §9.2.3.6).
const MESSAGE_REFERENCE: u8 = 0x00;

/// TP-PID = 0, a plain short message to an SME (TS 23.040 §9.2.3.9).
const PROTOCOL_ID: u8 = 0x00;

/// TP-DCS for uncompressed text in the GSM 7-bit default alphabet, no message class
/// (TS 23.038 §4).
const DCS_GSM7: u8 = 0x00;

/// TP-DCS for uncompressed text in UCS-2, no message class (TS 23.038 §4).
const DCS_UCS2: u8 = 0x08;

/// Type of address for an international number: extension bit, TON 001, NPI 0001 (E.164)
/// (TS 23.040 §9.1.2.5).
const TOA_INTERNATIONAL: u8 = 0x91;

/// Type of address for a number of unknown type (national dialling): TON 000, NPI 0001.
const TOA_UNKNOWN: u8 = 0x81;

/// The mask of the type of number in a type-of-address octet.
const TON_MASK: u8 = 0x70;

/// The type of number of an international number.
const TON_INTERNATIONAL: u8 = 0x10;

/// The type of number of an alphanumeric address, which this module does not decode.
const TON_ALPHANUMERIC: u8 = 0x50;

/// The information element identifier of a concatenation header with an 8-bit reference
/// (TS 23.040 §9.2.3.24.1).
const IEI_CONCAT_8BIT: u8 = 0x00;

/// The information element identifier of a concatenation header with a 16-bit reference
/// (TS 23.040 §9.2.3.24.8), accepted by the decoder only.
const IEI_CONCAT_16BIT: u8 = 0x08;

/// The relative validity period of 24 hours: 12 h + (167 - 143) × 30 min (TS 23.040 §9.2.3.12.1).
pub(crate) const VALIDITY_24_HOURS: u8 = 0xA7;

/// A concatenation header: (reference, total, sequence number) (TS 23.040 §9.2.3.24.1).
pub(crate) type Concat = (u16, u8, u8);

/// What can go wrong when building or reading a PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PduError {
    /// A phone number or SMSC address is not usable; the reason never repeats the number, so that
    /// customers' numbers stay out of logs.
    InvalidAddress(&'static str),
    /// The text needs more parts than the configured limit (itself at most 255).
    TooManyParts {
        /// How many parts the text would need.
        needed: usize,
        /// The limit in force.
        max: usize,
    },
    /// The PDU text is not an even number of hexadecimal digits.
    InvalidHex,
    /// The PDU ends before a field it announces.
    TruncatedPdu,
    /// The PDU goes on after the user data that TP-UDL announces.
    TrailingData,
    /// The first octet carries a TP-MTI other than SMS-SUBMIT; the value is the TP-MTI.
    NotSubmit(u8),
    /// The first octet carries a TP-MTI that is neither SMS-DELIVER nor SMS-STATUS-REPORT,
    /// in a PDU the network sent to the modem; the value is the TP-MTI.
    NotFromNetwork(u8),
    /// A time stamp (TP-SCTS, TP-DT) that is no date and time.
    InvalidTimestamp,
    /// TP-DCS names an alphabet or compression this module does not handle; the value is TP-DCS.
    UnsupportedDcs(u8),
    /// The user data or its header is malformed.
    InvalidUserData(&'static str),
    /// The parts given to [`reassemble`] do not form one concatenated message.
    InvalidConcatenation(&'static str),
    /// A part of a concatenated message is missing; the value is its sequence number.
    MissingPart(u8),
}

impl fmt::Display for PduError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidAddress(reason) => write!(f, "invalid address: {reason}"),
            Self::TooManyParts { needed, max } => {
                write!(
                    f,
                    "message needs {needed} parts, more than the limit of {max}"
                )
            }
            Self::InvalidHex => f.write_str("invalid hex in pdu"),
            Self::TruncatedPdu => f.write_str("truncated pdu"),
            Self::TrailingData => f.write_str("trailing data after the user data of the pdu"),
            Self::NotSubmit(mti) => write!(f, "not an sms-submit pdu (tp-mti {mti:02b})"),
            Self::NotFromNetwork(mti) => {
                write!(
                    f,
                    "neither sms-deliver nor status report (tp-mti {mti:02b})"
                )
            }
            Self::InvalidTimestamp => f.write_str("invalid time stamp"),
            Self::UnsupportedDcs(dcs) => write!(f, "unsupported data coding scheme 0x{dcs:02x}"),
            Self::InvalidUserData(reason) => write!(f, "invalid user data: {reason}"),
            Self::InvalidConcatenation(reason) => {
                write!(f, "invalid concatenated message: {reason}")
            }
            Self::MissingPart(seq) => write!(f, "missing part {seq} of concatenated message"),
        }
    }
}

impl std::error::Error for PduError {}

/// The alphabet of a message, as announced in TP-DCS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// The GSM 7-bit default alphabet with its extension table, packed into octets.
    Gsm7,
    /// UCS-2, sent as big-endian UTF-16 so that characters outside the BMP survive.
    Ucs2,
}

/// One SMS-SUBMIT ready for the modem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubmitPdu {
    /// The SMSC field and the TPDU in upper-case hexadecimal: what is written after
    /// `AT+CMGS=<n>` and before Ctrl-Z.
    pub(crate) hex: String,
    /// The length of the TPDU in octets, without the SMSC field: the `<n>` of `AT+CMGS`.
    pub(crate) tpdu_len: usize,
}

/// The settings of [`encode_submit`] that do not depend on the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubmitOptions {
    /// The SMSC address (`+62…` or national digits), or `None` to use the one stored on the SIM.
    pub(crate) smsc: Option<String>,
    /// Whether to ask the network for a status report on delivery (TP-SRR).
    pub(crate) status_report: bool,
    /// The relative validity period octet (TS 23.040 §9.2.3.12.1): 0–143 count 5 minutes each
    /// from 5 minutes, 144–167 add 30 minutes each to 12 hours, 168–196 are 2–30 days and
    /// 197–255 are 5–63 weeks. [`VALIDITY_24_HOURS`] is a sensible value.
    pub(crate) validity: u8,
    /// The concatenation reference shared by the parts of one long message; the caller supplies
    /// it, for example from a rolling counter, so that consecutive messages to one phone differ.
    pub(crate) reference: u8,
    /// The most parts one message may be split into; values above 255 count as 255.
    pub(crate) max_parts: usize,
}

impl Default for SubmitOptions {
    /// The SIM's SMSC, no status report, 24 hours of validity, reference 0 and up to 255 parts.
    fn default() -> Self {
        Self {
            smsc: None,
            status_report: false,
            validity: VALIDITY_24_HOURS,
            reference: 0,
            max_parts: MAX_PARTS,
        }
    }
}

/// What [`decode_submit`] found in one SMS-SUBMIT PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodedSubmit {
    /// The destination address, with a leading `+` when its type of number is international.
    pub(crate) destination: String,
    /// The text of this part alone.
    pub(crate) text: String,
    /// The concatenation header as (reference, total, sequence number), if there is one.
    pub(crate) concat: Option<(u16, u8, u8)>,
    /// The alphabet announced in TP-DCS.
    pub(crate) encoding: Encoding,
    /// Whether TP-SRR asks for a status report.
    pub(crate) status_report: bool,
    /// The validity period octet when TP-VPF says relative format, otherwise `None`.
    pub(crate) validity: Option<u8>,
}

/// The code units of one character: one septet or an escape and an extension septet for
/// GSM 7-bit, one code unit or a surrogate pair for UTF-16.
#[derive(Debug, Clone, Copy)]
struct CharUnits<T> {
    /// The code units; only the first `len` are meaningful.
    units: [T; 2],
    /// How many code units the character takes, 1 or 2.
    len: usize,
}

impl<T: Copy> CharUnits<T> {
    /// Returns the meaningful code units.
    fn as_slice(&self) -> &[T] {
        self.units.get(..self.len).unwrap_or(&[])
    }
}

/// The text of one part before it is put into TP-UD.
enum Body {
    /// Septets of the GSM 7-bit default alphabet, not yet packed.
    Gsm7(Vec<u8>),
    /// UTF-16 code units.
    Ucs2(Vec<u16>),
}

/// Returns the septets of `c` in the GSM 7-bit default alphabet or its extension table, or
/// `None` if the alphabet lacks it.
fn gsm7_char_units(c: char) -> Option<CharUnits<u8>> {
    let basic = GSM7_BASIC
        .iter()
        .zip(0u8..)
        .find(|&(&b, septet)| b == c && septet != ESCAPE)
        .map(|(_, septet)| septet);
    if let Some(septet) = basic {
        return Some(CharUnits {
            units: [septet, 0],
            len: 1,
        });
    }
    GSM7_EXTENSION
        .iter()
        .find(|&&(_, e)| e == c)
        .map(|&(septet, _)| CharUnits {
            units: [ESCAPE, septet],
            len: 2,
        })
}

/// Returns the UTF-16 code units of `c`: one inside the BMP, a surrogate pair outside it.
fn ucs2_char_units(c: char) -> CharUnits<u16> {
    let mut units = [0u16; 2];
    // A buffer of two code units holds every char, so encode_utf16 cannot fail here.
    let len = c.encode_utf16(&mut units).len();
    CharUnits { units, len }
}

/// Encodes `text` as septet values of the GSM 7-bit default alphabet (TS 23.038 §6.2.1), with
/// each extension character as an escape septet 0x1B and its code (§6.2.1.1).
///
/// Returns `None` if any character has no GSM 7-bit representation.
pub(crate) fn gsm7_encode(text: &str) -> Option<Vec<u8>> {
    let mut septets = Vec::with_capacity(text.len());
    for c in text.chars() {
        septets.extend_from_slice(gsm7_char_units(c)?.as_slice());
    }
    Some(septets)
}

/// Decodes septet values of the GSM 7-bit default alphabet into text.
///
/// An escape followed by a code missing from the extension table shows the character of the
/// basic table for that code, and an escape followed by another escape or by nothing shows a
/// space, as TS 23.038 §6.2.1.1 asks of receivers. Values above 0x7F, which no septet can hold,
/// become U+FFFD.
pub(crate) fn gsm7_decode(septets: &[u8]) -> String {
    let basic = |septet: u8| {
        GSM7_BASIC
            .get(usize::from(septet))
            .copied()
            .unwrap_or(char::REPLACEMENT_CHARACTER)
    };
    let mut text = String::with_capacity(septets.len());
    let mut iter = septets.iter().copied();
    while let Some(septet) = iter.next() {
        if septet != ESCAPE {
            text.push(basic(septet));
            continue;
        }
        let c = match iter.next() {
            None | Some(ESCAPE) => ' ',
            Some(code) => GSM7_EXTENSION
                .iter()
                .find(|&&(e, _)| e == code)
                .map_or_else(|| basic(code), |&(_, c)| c),
        };
        text.push(c);
    }
    text
}

/// Packs septets into octets, least significant bit first (TS 23.038 §6.1.2.1.1), after
/// `fill_bits` zero bits.
///
/// The fill bits put the first septet on a septet boundary when a User Data Header precedes
/// the text (TS 23.040 §9.2.3.24); see [`fill_bits`]. Bit 7 of each septet value is ignored.
pub(crate) fn pack_septets(septets: &[u8], fill_bits: usize) -> Vec<u8> {
    let total_bits = fill_bits + septets.len() * 7;
    let mut octets = Vec::with_capacity(total_bits.div_ceil(8));
    octets.resize(fill_bits / 8, 0);
    let mut acc: u32 = 0;
    let mut bits = fill_bits % 8;
    for &septet in septets {
        acc |= u32::from(septet & 0x7F) << bits;
        bits += 7;
        while bits >= 8 {
            octets.push((acc & 0xFF) as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        octets.push((acc & 0xFF) as u8);
    }
    octets
}

/// Unpacks `count` septets from `octets`, skipping `fill_bits` bits first; the inverse of
/// [`pack_septets`].
///
/// Fails with [`PduError::TruncatedPdu`] if the octets hold fewer bits than that.
pub(crate) fn unpack_septets(
    octets: &[u8],
    count: usize,
    fill_bits: usize,
) -> Result<Vec<u8>, PduError> {
    let needed_bits = count
        .checked_mul(7)
        .and_then(|bits| bits.checked_add(fill_bits))
        .ok_or(PduError::TruncatedPdu)?;
    if needed_bits > octets.len().saturating_mul(8) {
        return Err(PduError::TruncatedPdu);
    }
    (0..count)
        .map(|i| {
            let bit = fill_bits + i * 7;
            let low = octets.get(bit / 8).copied().ok_or(PduError::TruncatedPdu)?;
            let high = octets.get(bit / 8 + 1).copied().unwrap_or(0);
            let word = u16::from(low) | (u16::from(high) << 8);
            Ok(((word >> (bit % 8)) & 0x7F) as u8)
        })
        .collect()
}

/// Returns how many fill bits follow a User Data Header of `header_octets` octets (UDHL plus
/// the UDHL octet itself) so that 7-bit text starts on a septet boundary (TS 23.040 §9.2.3.24).
pub(crate) fn fill_bits(header_octets: usize) -> usize {
    (7 - (header_octets * 8) % 7) % 7
}

/// Returns how many septets a User Data Header of `header_octets` octets takes in TP-UDL of a
/// 7-bit message, fill bits included (TS 23.040 §9.2.3.16).
fn header_septets(header_octets: usize) -> usize {
    (header_octets * 8 + fill_bits(header_octets)) / 7
}

/// Chooses GSM 7-bit if every character of `text` is in the default alphabet or its extension
/// table, and UCS-2 otherwise (TS 23.038 §4).
#[cfg_attr(not(test), allow(dead_code))] // The tests' simulator and unit tests use it.
pub(crate) fn choose_encoding(text: &str) -> Encoding {
    if text.chars().all(|c| gsm7_char_units(c).is_some()) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

/// Splits characters into parts of code units: one part if all fit in `single_max`, otherwise
/// parts of at most `concat_max`, never separating the units of one character.
fn split_units<T: Copy>(
    chars: &[CharUnits<T>],
    single_max: usize,
    concat_max: usize,
) -> Vec<Vec<T>> {
    let total: usize = chars.iter().map(|c| c.len).sum();
    if total <= single_max {
        return vec![
            chars
                .iter()
                .flat_map(CharUnits::as_slice)
                .copied()
                .collect(),
        ];
    }
    let mut parts = Vec::with_capacity(total.div_ceil(concat_max.max(1)));
    let mut current = Vec::with_capacity(concat_max);
    for c in chars {
        if !current.is_empty() && current.len() + c.len > concat_max {
            parts.push(std::mem::take(&mut current));
        }
        current.extend_from_slice(c.as_slice());
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// Splits `text` into the bodies of its parts, in GSM 7-bit when possible and UCS-2 otherwise.
fn split_text(text: &str) -> Vec<Body> {
    let gsm7: Option<Vec<CharUnits<u8>>> = text.chars().map(gsm7_char_units).collect();
    match gsm7 {
        Some(chars) => split_units(&chars, MAX_SINGLE_SEPTETS, MAX_CONCAT_SEPTETS)
            .into_iter()
            .map(Body::Gsm7)
            .collect(),
        None => {
            let chars: Vec<CharUnits<u16>> = text.chars().map(ucs2_char_units).collect();
            split_units(&chars, MAX_SINGLE_UCS2_UNITS, MAX_CONCAT_UCS2_UNITS)
                .into_iter()
                .map(Body::Ucs2)
                .collect()
        }
    }
}

/// Splits a number into its type of address and its digits: `+` and digits is international
/// (0x91), digits alone are of unknown type (0x81).
fn parse_number(number: &str) -> Result<(u8, &str), PduError> {
    let (toa, digits) = match number.strip_prefix('+') {
        Some(digits) => (TOA_INTERNATIONAL, digits),
        None => (TOA_UNKNOWN, number),
    };
    if digits.is_empty() {
        return Err(PduError::InvalidAddress("no digits"));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PduError::InvalidAddress(
            "only digits are allowed, after an optional leading +",
        ));
    }
    if digits.len() > MAX_ADDRESS_DIGITS {
        return Err(PduError::InvalidAddress("more than 20 digits"));
    }
    Ok((toa, digits))
}

/// Encodes ASCII digits as semi-octets, the first digit in the low nibble of each octet and an
/// odd number of digits padded with 0xF (TS 23.040 §9.1.2.3).
fn semi_octets(digits: &str) -> Vec<u8> {
    let nibble = |d: Option<&u8>| d.map_or(0x0F, |d| d.wrapping_sub(b'0') & 0x0F);
    digits
        .as_bytes()
        .chunks(2)
        .map(|pair| (nibble(pair.get(1)) << 4) | nibble(pair.first()))
        .collect()
}

/// Encodes TP-DA: the number of digits, the type of address and the semi-octets
/// (TS 23.040 §9.1.2.5).
pub(super) fn encode_destination(number: &str) -> Result<Vec<u8>, PduError> {
    let (toa, digits) = parse_number(number)?;
    let len =
        u8::try_from(digits.len()).map_err(|_| PduError::InvalidAddress("more than 20 digits"))?;
    let mut field = vec![len, toa];
    field.extend(semi_octets(digits));
    Ok(field)
}

/// Encodes the SMSC field in front of the TPDU (TS 27.005 §3.1, TS 24.011 §8.2.5.2): `00` for
/// the SIM's SMSC, otherwise the number of octets that follow, the type of address and the
/// semi-octets.
fn encode_smsc(smsc: Option<&str>) -> Result<Vec<u8>, PduError> {
    let Some(number) = smsc else {
        return Ok(vec![0x00]);
    };
    let (toa, digits) = parse_number(number)?;
    let bcd = semi_octets(digits);
    let len =
        u8::try_from(bcd.len() + 1).map_err(|_| PduError::InvalidAddress("more than 20 digits"))?;
    let mut field = vec![len, toa];
    field.extend(bcd);
    Ok(field)
}

/// Builds one SMS-SUBMIT TPDU (TS 23.040 §9.2.2.2) from an encoded destination, an optional
/// User Data Header and the body of the part.
fn build_tpdu(
    destination: &[u8],
    header: Option<&[u8]>,
    body: &Body,
    opts: &SubmitOptions,
) -> Result<Vec<u8>, PduError> {
    let mut first = MTI_SUBMIT | VPF_RELATIVE;
    if opts.status_report {
        first |= SRR;
    }
    if header.is_some() {
        first |= UDHI;
    }
    let header = header.unwrap_or(&[]);
    let mut user_data = header.to_vec();
    let (dcs, udl) = match body {
        Body::Gsm7(septets) => {
            // TP-UDL counts septets, and the header counts as whole septets fill bits included.
            user_data.extend(pack_septets(septets, fill_bits(header.len())));
            (DCS_GSM7, header_septets(header.len()) + septets.len())
        }
        Body::Ucs2(units) => {
            user_data.extend(units.iter().flat_map(|u| u.to_be_bytes()));
            (DCS_UCS2, user_data.len())
        }
    };
    if user_data.len() > MAX_USER_DATA_OCTETS {
        return Err(PduError::InvalidUserData("more than 140 octets"));
    }
    let udl = u8::try_from(udl).map_err(|_| PduError::InvalidUserData("more than 140 octets"))?;
    let mut tpdu = Vec::with_capacity(destination.len() + user_data.len() + 6);
    tpdu.extend_from_slice(&[first, MESSAGE_REFERENCE]);
    tpdu.extend_from_slice(destination);
    tpdu.extend_from_slice(&[PROTOCOL_ID, dcs, opts.validity, udl]);
    tpdu.extend(user_data);
    Ok(tpdu)
}

/// Appends octets to `out` as upper-case hexadecimal.
pub(super) fn push_hex(out: &mut String, octets: &[u8]) {
    let digit = |n: u8| match n & 0x0F {
        n @ 0..=9 => char::from(b'0' + n),
        n => char::from(b'A' + n - 10),
    };
    for &octet in octets {
        out.push(digit(octet >> 4));
        out.push(digit(octet));
    }
}

/// Decodes hexadecimal text of either case into octets.
pub(super) fn decode_hex(hex: &str) -> Result<Vec<u8>, PduError> {
    let value = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        _ => Err(PduError::InvalidHex),
    };
    let (pairs, rest) = hex.as_bytes().as_chunks::<2>();
    if !rest.is_empty() {
        return Err(PduError::InvalidHex);
    }
    pairs
        .iter()
        .map(|&[high, low]| Ok((value(high)? << 4) | value(low)?))
        .collect()
}

/// Encodes `text` to `to` as one SMS-SUBMIT PDU per part, ready for `AT+CMGS`.
///
/// The text goes in GSM 7-bit if it can and in UCS-2 otherwise. A text that fits one message
/// (160 septets or 70 UTF-16 code units) gives one PDU without a header; a longer one gives
/// parts of at most 153 septets or 67 code units, each with the header `05 00 03 ref total seq`.
/// Neither an escape pair nor a surrogate pair is ever split between parts. `to` is `+` and an
/// E.164 number, or national digits.
pub(crate) fn encode_submit(
    to: &str,
    text: &str,
    opts: &SubmitOptions,
) -> Result<Vec<SubmitPdu>, PduError> {
    let smsc = encode_smsc(opts.smsc.as_deref())?;
    let destination = encode_destination(to)?;
    let bodies = split_text(text);
    let max = opts.max_parts.min(MAX_PARTS);
    let too_many = PduError::TooManyParts {
        needed: bodies.len(),
        max,
    };
    if bodies.len() > max {
        return Err(too_many);
    }
    let total = u8::try_from(bodies.len()).map_err(|_| too_many.clone())?;
    let mut pdus = Vec::with_capacity(bodies.len());
    for (seq, body) in (1..=total).zip(&bodies) {
        let header = [0x05, IEI_CONCAT_8BIT, 0x03, opts.reference, total, seq];
        let header = (total > 1).then_some(&header[..]);
        let tpdu = build_tpdu(&destination, header, body, opts)?;
        let mut hex = String::with_capacity((smsc.len() + tpdu.len()) * 2);
        push_hex(&mut hex, &smsc);
        push_hex(&mut hex, &tpdu);
        pdus.push(SubmitPdu {
            hex,
            tpdu_len: tpdu.len(),
        });
    }
    Ok(pdus)
}

/// A cursor over the octets of a PDU that fails with [`PduError::TruncatedPdu`] at the end.
pub(super) struct Reader<'a> {
    /// The octets not read yet.
    pub(super) rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads one octet.
    pub(super) fn octet(&mut self) -> Result<u8, PduError> {
        let (&octet, rest) = self.rest.split_first().ok_or(PduError::TruncatedPdu)?;
        self.rest = rest;
        Ok(octet)
    }

    /// Reads `len` octets.
    pub(super) fn take(&mut self, len: usize) -> Result<&'a [u8], PduError> {
        let (taken, rest) = self
            .rest
            .split_at_checked(len)
            .ok_or(PduError::TruncatedPdu)?;
        self.rest = rest;
        Ok(taken)
    }
}

/// Decodes an address of `digits` semi-octets with type of address `toa` (TS 23.040 §9.1.2.5).
pub(super) fn decode_address(digits: usize, toa: u8, octets: &[u8]) -> Result<String, PduError> {
    if toa & TON_MASK == TON_ALPHANUMERIC {
        return Err(PduError::InvalidAddress(
            "alphanumeric addresses are not supported",
        ));
    }
    if digits == 0 {
        return Err(PduError::InvalidAddress("no digits"));
    }
    let mut address = String::with_capacity(digits + 1);
    if toa & TON_MASK == TON_INTERNATIONAL {
        address.push('+');
    }
    for nibble in octets
        .iter()
        .flat_map(|&octet| [octet & 0x0F, octet >> 4])
        .take(digits)
    {
        match nibble {
            0..=9 => address.push(char::from(b'0' + nibble)),
            _ => return Err(PduError::InvalidAddress("semi-octet is not a digit")),
        }
    }
    Ok(address)
}

/// Reads the alphabet from TP-DCS (TS 23.038 §4), accepting uncompressed GSM 7-bit and UCS-2.
pub(super) fn encoding_from_dcs(dcs: u8) -> Result<Encoding, PduError> {
    let unsupported = Err(PduError::UnsupportedDcs(dcs));
    match dcs >> 4 {
        // General data coding and automatic deletion groups: bit 5 is compression and bits 3..2
        // the alphabet.
        0x0..=0x7 if dcs & 0x20 == 0 => match (dcs >> 2) & 0x03 {
            0b00 => Ok(Encoding::Gsm7),
            0b10 => Ok(Encoding::Ucs2),
            _ => unsupported,
        },
        // Message waiting indication groups: discard and store use GSM 7-bit, the next UCS-2.
        0xC | 0xD => Ok(Encoding::Gsm7),
        0xE => Ok(Encoding::Ucs2),
        // Data coding and message class group: bit 2 chooses between GSM 7-bit and 8-bit data.
        0xF if dcs & 0x04 == 0 => Ok(Encoding::Gsm7),
        _ => unsupported,
    }
}

/// Finds the concatenation element among the information elements of a User Data Header
/// (TS 23.040 §9.2.3.24), ignoring other elements.
fn parse_concat(mut elements: &[u8]) -> Result<Option<(u16, u8, u8)>, PduError> {
    let truncated = PduError::InvalidUserData("truncated information element");
    let mut concat = None;
    while let Some((&iei, rest)) = elements.split_first() {
        let (&len, rest) = rest.split_first().ok_or(truncated.clone())?;
        let (data, rest) = rest
            .split_at_checked(usize::from(len))
            .ok_or(truncated.clone())?;
        match (iei, data) {
            (IEI_CONCAT_8BIT, &[reference, total, seq]) => {
                concat = Some((u16::from(reference), total, seq));
            }
            (IEI_CONCAT_16BIT, &[high, low, total, seq]) => {
                concat = Some((u16::from_be_bytes([high, low]), total, seq));
            }
            (IEI_CONCAT_8BIT | IEI_CONCAT_16BIT, _) => {
                return Err(PduError::InvalidUserData("malformed concatenation element"));
            }
            _ => {}
        }
        elements = rest;
    }
    Ok(concat)
}

/// Reads TP-UDL and TP-UD (TS 23.040 §9.2.3.16 and §9.2.3.24) after the other fields of an
/// SMS-SUBMIT or SMS-DELIVER whose first octet is `first`: the concatenation header, if any,
/// and the text of this part.
pub(super) fn decode_user_data(
    first: u8,
    encoding: Encoding,
    reader: &mut Reader<'_>,
) -> Result<(Option<Concat>, String), PduError> {
    let udl = usize::from(reader.octet()?);
    let ud_octets = match encoding {
        Encoding::Gsm7 => (udl * 7).div_ceil(8),
        Encoding::Ucs2 => udl,
    };
    if ud_octets > MAX_USER_DATA_OCTETS {
        return Err(PduError::InvalidUserData("more than 140 octets"));
    }
    let user_data = reader.take(ud_octets)?;
    let header_too_long = PduError::InvalidUserData("header longer than the user data");
    let (concat, header_octets) = if first & UDHI != 0 {
        let (&udhl, rest) = user_data
            .split_first()
            .ok_or(PduError::InvalidUserData("missing header"))?;
        let elements = rest
            .get(..usize::from(udhl))
            .ok_or(header_too_long.clone())?;
        (parse_concat(elements)?, usize::from(udhl) + 1)
    } else {
        (None, 0)
    };
    let text_octets = user_data
        .get(header_octets..)
        .ok_or(header_too_long.clone())?;
    let text = match encoding {
        Encoding::Gsm7 => {
            let count = udl
                .checked_sub(header_septets(header_octets))
                .ok_or(header_too_long)?;
            gsm7_decode(&unpack_septets(
                text_octets,
                count,
                fill_bits(header_octets),
            )?)
        }
        Encoding::Ucs2 => {
            let (pairs, rest) = text_octets.as_chunks::<2>();
            if !rest.is_empty() {
                return Err(PduError::InvalidUserData("odd number of ucs-2 octets"));
            }
            char::decode_utf16(pairs.iter().map(|&pair| u16::from_be_bytes(pair)))
                .collect::<Result<String, _>>()
                .map_err(|_| PduError::InvalidUserData("unpaired utf-16 surrogate"))?
        }
    };
    Ok((concat, text))
}

/// Decodes one SMS-SUBMIT PDU written in hexadecimal, as a modem would receive it after
/// `AT+CMGS`; `has_smsc` says whether the PDU starts with the SMSC field.
///
/// The decoder is strict, because it checks what this module produced: it rejects a PDU with
/// octets after the announced user data, and user data that is not uncompressed GSM 7-bit or
/// UCS-2.
pub(crate) fn decode_submit(hex: &str, has_smsc: bool) -> Result<DecodedSubmit, PduError> {
    let octets = decode_hex(hex)?;
    let mut reader = Reader { rest: &octets };
    if has_smsc {
        let len = reader.octet()?;
        reader.take(usize::from(len))?;
    }
    let first = reader.octet()?;
    if first & MTI_MASK != MTI_SUBMIT {
        return Err(PduError::NotSubmit(first & MTI_MASK));
    }
    let _message_reference = reader.octet()?;
    let digits = usize::from(reader.octet()?);
    let toa = reader.octet()?;
    let destination = decode_address(digits, toa, reader.take(digits.div_ceil(2))?)?;
    let _protocol_id = reader.octet()?;
    let encoding = encoding_from_dcs(reader.octet()?)?;
    let validity = match (first >> 3) & 0x03 {
        0b00 => None,
        0b10 => Some(reader.octet()?),
        // The enhanced and absolute formats take seven octets that this decoder skips.
        _ => {
            reader.take(7)?;
            None
        }
    };
    let (concat, text) = decode_user_data(first, encoding, &mut reader)?;
    if !reader.rest.is_empty() {
        return Err(PduError::TrailingData);
    }
    Ok(DecodedSubmit {
        destination,
        text,
        concat,
        encoding,
        status_report: first & SRR != 0,
        validity,
    })
}

/// Joins the decoded parts of one message in sequence order, in whatever order they arrive.
///
/// A single part without a concatenation header is a whole message. Otherwise every part must
/// go to the same destination, carry the same reference and total, and every sequence number
/// from 1 to the total must appear exactly once.
pub(crate) fn reassemble(parts: &[DecodedSubmit]) -> Result<String, PduError> {
    let Some(first) = parts.first() else {
        return Err(PduError::InvalidConcatenation("no parts"));
    };
    if parts.iter().any(|p| p.destination != first.destination) {
        return Err(PduError::InvalidConcatenation(
            "parts go to different destinations",
        ));
    }
    let Some((reference, total, _)) = first.concat else {
        return match parts {
            [single] => Ok(single.text.clone()),
            _ => Err(PduError::InvalidConcatenation(
                "several parts without concatenation headers",
            )),
        };
    };
    if total == 0 {
        return Err(PduError::InvalidConcatenation("total of zero parts"));
    }
    let mut slots: Vec<Option<&str>> = vec![None; usize::from(total)];
    for part in parts {
        let Some((part_reference, part_total, seq)) = part.concat else {
            return Err(PduError::InvalidConcatenation(
                "a part lacks a concatenation header",
            ));
        };
        if part_reference != reference || part_total != total {
            return Err(PduError::InvalidConcatenation(
                "parts belong to different messages",
            ));
        }
        let slot = usize::from(seq)
            .checked_sub(1)
            .and_then(|index| slots.get_mut(index))
            .ok_or(PduError::InvalidConcatenation(
                "sequence number out of range",
            ))?;
        if slot.is_some() {
            return Err(PduError::InvalidConcatenation("duplicate part"));
        }
        *slot = Some(&part.text);
    }
    let mut text = String::new();
    for (seq, slot) in (1..=total).zip(&slots) {
        text.push_str(slot.ok_or(PduError::MissingPart(seq))?);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The destination of most tests, an Indonesian mobile number in international form.
    const TO: &str = "+6281234567890";

    /// TP-DA of [`TO`], derived by hand: 13 digits (0x0D), type 0x91, then the digit pairs
    /// 62 81 23 45 67 89 0F each with its nibbles swapped.
    const TO_DA: &str = "0D91261832547698F0";

    /// Decodes hexadecimal written by the tests.
    fn octets(hex: &str) -> Vec<u8> {
        decode_hex(hex).unwrap()
    }

    /// Returns TP-UDL of a PDU to [`TO`] without an SMSC: SMSC 1, first octet 1, MR 1, DA 9,
    /// PID 1, DCS 1 and VP 1 octet come before it.
    fn udl(pdu: &SubmitPdu) -> u8 {
        octets(&pdu.hex)[15]
    }

    /// Returns TP-DCS of a PDU to [`TO`] without an SMSC.
    fn dcs(pdu: &SubmitPdu) -> u8 {
        octets(&pdu.hex)[13]
    }

    /// Decodes every part and joins them again.
    fn round_trip(text: &str) -> String {
        let pdus = encode_submit(TO, text, &SubmitOptions::default()).unwrap();
        let parts: Vec<DecodedSubmit> = pdus
            .iter()
            .map(|pdu| decode_submit(&pdu.hex, true).unwrap())
            .collect();
        reassemble(&parts).unwrap()
    }

    #[test]
    fn hellohello_packs_to_the_classic_example() {
        let septets = gsm7_encode("hellohello").unwrap();
        assert_eq!(
            septets,
            [0x68, 0x65, 0x6C, 0x6C, 0x6F, 0x68, 0x65, 0x6C, 0x6C, 0x6F]
        );
        assert_eq!(pack_septets(&septets, 0), octets("E8329BFD4697D9EC37"));
        assert_eq!(
            unpack_septets(&octets("E8329BFD4697D9EC37"), 10, 0).unwrap(),
            septets
        );
    }

    #[test]
    fn hello_submit_matches_hand_derived_pdu() {
        // SMSC field: 00, use the SMSC stored on the SIM.
        // First octet: TP-RP 0, TP-UDHI 0, TP-SRR 0, TP-VPF 10, TP-RD 0, TP-MTI 01 = 0001 0001 = 0x11.
        // TP-MR: 00, the modem assigns it.
        // TP-DA: 0D (13 digits), 91 (international, E.164), then "6281234567890" as pairs
        // 62 81 23 45 67 89 0F with swapped nibbles: 26 18 32 54 76 98 F0.
        // TP-PID 00, TP-DCS 00 (GSM 7-bit), TP-VP A7 (24 hours), TP-UDL 05 (five septets).
        // TP-UD: H=0x48 e=0x65 l=0x6C l=0x6C o=0x6F packed least significant bit first:
        //   0x48 | (0x65 << 7) = C8, (0x65 >> 1) | (0x6C << 6) = 32,
        //   (0x6C >> 2) | (0x6C << 5) = 9B, (0x6C >> 3) | (0x6F << 4) = FD, 0x6F >> 4 = 06.
        let pdus = encode_submit(TO, "Hello", &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 1);
        assert_eq!(pdus[0].hex, "0011000D91261832547698F00000A705C8329BFD06");
        assert_eq!(pdus[0].tpdu_len, 20);
        assert_eq!(pdus[0].tpdu_len, pdus[0].hex.len() / 2 - 1);
    }

    #[test]
    fn explicit_smsc_and_status_report() {
        // SMSC "+6281100000": 10 digits in 5 octets 26 18 01 00 00, so the field is 06 (type
        // and five octets), 91, 2618010000. TP-SRR adds 0x20 to the first octet: 0x31.
        let opts = SubmitOptions {
            smsc: Some("+6281100000".to_owned()),
            status_report: true,
            validity: 0xAA,
            ..SubmitOptions::default()
        };
        let pdus = encode_submit(TO, "Hello", &opts).unwrap();
        assert_eq!(
            pdus[0].hex,
            format!("069126180100003100{TO_DA}0000AA05C8329BFD06")
        );
        assert_eq!(pdus[0].tpdu_len, pdus[0].hex.len() / 2 - 7);
        let decoded = decode_submit(&pdus[0].hex, true).unwrap();
        assert!(decoded.status_report);
        assert_eq!(decoded.validity, Some(0xAA));
        assert_eq!(decoded.destination, TO);
    }

    #[test]
    fn national_smsc_uses_unknown_type() {
        assert_eq!(encode_smsc(Some("0811")).unwrap(), [0x03, 0x81, 0x80, 0x11]);
        assert_eq!(encode_smsc(None).unwrap(), [0x00]);
        assert!(matches!(
            encode_smsc(Some("")),
            Err(PduError::InvalidAddress(_))
        ));
    }

    #[test]
    fn national_number_uses_type_81() {
        // "081234567890" has 12 digits (0x0C); pairs 08 12 34 56 78 90 swap to 80 21 43 65 87 09.
        assert_eq!(
            encode_destination("081234567890").unwrap(),
            octets("0C81802143658709")
        );
        let pdus = encode_submit("081234567890", "Hi", &SubmitOptions::default()).unwrap();
        let decoded = decode_submit(&pdus[0].hex, true).unwrap();
        assert_eq!(decoded.destination, "081234567890");
    }

    #[test]
    fn odd_and_even_digit_counts() {
        assert_eq!(semi_octets("1234"), [0x21, 0x43]);
        assert_eq!(semi_octets("12345"), [0x21, 0x43, 0xF5]);
        assert_eq!(semi_octets("1"), [0xF1]);
        assert_eq!(
            encode_destination("+12345").unwrap(),
            [0x05, 0x91, 0x21, 0x43, 0xF5]
        );
        assert_eq!(
            encode_destination("+1234").unwrap(),
            [0x04, 0x91, 0x21, 0x43]
        );
        assert_eq!(
            decode_address(5, 0x91, &[0x21, 0x43, 0xF5]).unwrap(),
            "+12345"
        );
        assert_eq!(decode_address(4, 0x81, &[0x21, 0x43]).unwrap(), "1234");
    }

    #[test]
    fn invalid_addresses_are_rejected() {
        for bad in [
            "",
            "+",
            "0812-3456",
            "+62 812",
            "abc",
            "++62",
            "123456789012345678901",
        ] {
            assert!(
                matches!(
                    encode_submit(bad, "x", &SubmitOptions::default()),
                    Err(PduError::InvalidAddress(_))
                ),
                "{bad:?} was accepted"
            );
        }
        assert!(encode_destination("12345678901234567890").is_ok());
        let opts = SubmitOptions {
            smsc: Some("+62x".to_owned()),
            ..SubmitOptions::default()
        };
        assert!(matches!(
            encode_submit(TO, "x", &opts),
            Err(PduError::InvalidAddress(_))
        ));
    }

    #[test]
    fn extension_characters_take_two_septets() {
        assert_eq!(gsm7_encode("€").unwrap(), [0x1B, 0x65]);
        assert_eq!(
            gsm7_encode("^{}\\[~]|\u{0C}").unwrap(),
            [
                0x1B, 0x14, 0x1B, 0x28, 0x1B, 0x29, 0x1B, 0x2F, 0x1B, 0x3C, 0x1B, 0x3D, 0x1B, 0x3E,
                0x1B, 0x40, 0x1B, 0x0A
            ]
        );
        assert_eq!(gsm7_decode(&[0x1B, 0x65, 0x1B, 0x0A]), "€\u{0C}");
    }

    #[test]
    fn every_basic_septet_round_trips() {
        for septet in (0u8..0x80).filter(|&s| s != ESCAPE) {
            let text = gsm7_decode(&[septet]);
            assert_eq!(
                gsm7_encode(&text).unwrap(),
                [septet],
                "septet {septet:#04x}"
            );
        }
        assert_eq!(gsm7_decode(&[0x00, 0x02, 0x11, 0x10, 0x7F]), "@$_Δà");
    }

    #[test]
    fn characters_outside_the_alphabet_are_not_gsm7() {
        for text in ["`", "ç", "中", "😊", "\u{A0}", "\t"] {
            assert_eq!(gsm7_encode(text), None, "{text:?}");
            assert_eq!(choose_encoding(text), Encoding::Ucs2, "{text:?}");
        }
        assert_eq!(choose_encoding("Rp 1.500.000 {€} @ 5%"), Encoding::Gsm7);
        assert_eq!(choose_encoding(""), Encoding::Gsm7);
    }

    #[test]
    fn stray_escapes_decode_as_the_spec_says() {
        // An escape before a code missing from the extension table shows the basic character.
        assert_eq!(gsm7_decode(&[0x1B, 0x41]), "A");
        // An escape before another escape, or at the end, shows a space.
        assert_eq!(gsm7_decode(&[0x1B, 0x1B, 0x41]), " A");
        assert_eq!(gsm7_decode(&[0x41, 0x1B]), "A ");
        assert_eq!(gsm7_decode(&[0x80]), "\u{FFFD}");
    }

    #[test]
    fn fill_bits_follow_the_spec_formula() {
        // A 6-octet concatenation header is 48 bits; one fill bit makes 49 bits, 7 septets.
        assert_eq!(fill_bits(6), 1);
        assert_eq!(header_septets(6), 7);
        assert_eq!(fill_bits(7), 0);
        assert_eq!(header_septets(7), 8);
        assert_eq!(fill_bits(0), 0);
        assert_eq!(header_septets(0), 0);
        for octets in 0..=140 {
            assert_eq!(fill_bits(octets), (7 - ((octets * 8) % 7)) % 7);
            assert_eq!(header_septets(octets), (octets * 8).div_ceil(7));
        }
    }

    #[test]
    fn packing_with_fill_bits_round_trips() {
        let septets: Vec<u8> = (0..=127).collect();
        for fill in 0..=13 {
            let packed = pack_septets(&septets, fill);
            assert_eq!(packed.len(), (fill + septets.len() * 7).div_ceil(8));
            assert_eq!(packed[0] & ((1u16 << fill.min(8)) - 1) as u8, 0);
            assert_eq!(
                unpack_septets(&packed, septets.len(), fill).unwrap(),
                septets
            );
        }
        assert_eq!(pack_septets(&[], 0), Vec::<u8>::new());
        assert_eq!(pack_septets(&[], 1), [0x00]);
    }

    #[test]
    fn packing_with_one_fill_bit_matches_hand_derivation() {
        // Eight septets 'a' = 0x61 after one fill bit occupy bits 1..=56:
        // bits 0-7 = fill 0 and a → C2; bits 8-15 = a and bit 0 of a → E1;
        // bits 16-23 = a >> 1 (0x30) and a & 3 << 6 (0x40) → 70; then 38 1C 0E 87 and 01.
        assert_eq!(pack_septets(&[0x61; 8], 1), octets("C2E170381C0E8701"));
    }

    #[test]
    fn unpacking_short_input_is_truncated() {
        assert_eq!(
            unpack_septets(&[0xC8, 0x32], 3, 0),
            Err(PduError::TruncatedPdu)
        );
        assert_eq!(unpack_septets(&[0xC8], 1, 2), Err(PduError::TruncatedPdu));
        assert_eq!(unpack_septets(&[0xC8], 1, 1).unwrap(), [0x64]);
    }

    #[test]
    fn exactly_160_septets_is_one_part() {
        let pdus = encode_submit(TO, &"a".repeat(160), &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 1);
        assert_eq!(udl(&pdus[0]), 160);
        assert_eq!(octets(&pdus[0].hex)[1] & UDHI, 0);
        assert_eq!(pdus[0].tpdu_len, 15 + 140);
        let pdus = encode_submit(TO, &"€".repeat(80), &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 1);
        assert_eq!(udl(&pdus[0]), 160);
    }

    #[test]
    fn septet_161_makes_two_parts_of_153_and_8() {
        let opts = SubmitOptions {
            reference: 0x2A,
            ..SubmitOptions::default()
        };
        let pdus = encode_submit(TO, &"a".repeat(161), &opts).unwrap();
        assert_eq!(pdus.len(), 2);
        // TP-UDL counts the 7 septets of header and fill bit: 7 + 153 and 7 + 8.
        assert_eq!(udl(&pdus[0]), 160);
        assert_eq!(udl(&pdus[1]), 15);
        assert_eq!(pdus[0].tpdu_len, 15 + 140);
        let first = decode_submit(&pdus[0].hex, true).unwrap();
        let second = decode_submit(&pdus[1].hex, true).unwrap();
        assert_eq!(first.text, "a".repeat(153));
        assert_eq!(second.text, "a".repeat(8));
        assert_eq!(first.concat, Some((0x2A, 2, 1)));
        assert_eq!(second.concat, Some((0x2A, 2, 2)));
    }

    #[test]
    fn second_part_matches_hand_derived_pdu() {
        // First octet: TP-UDHI 1, TP-VPF 10, TP-MTI 01 = 0101 0001 = 0x51.
        // TP-UDL: 7 septets for the 6-octet header and one fill bit, plus 8 text septets = 0x0F.
        // TP-UD: header 05 00 03 2A 02 02 (length 5, IEI 00, IE length 3, reference 0x2A,
        // 2 parts, part 2), then eight 'a' packed after one fill bit: C2 E1 70 38 1C 0E 87 01.
        // That is 6 + 8 = 14 octets, which is ceil(15 × 7 / 8).
        let opts = SubmitOptions {
            reference: 0x2A,
            ..SubmitOptions::default()
        };
        let pdus = encode_submit(TO, &"a".repeat(161), &opts).unwrap();
        assert_eq!(
            pdus[1].hex,
            format!("005100{TO_DA}0000A70F0500032A0202C2E170381C0E8701")
        );
        assert_eq!(pdus[1].tpdu_len, pdus[1].hex.len() / 2 - 1);
        // The first part starts the same way with its own sequence number.
        assert!(
            pdus[0]
                .hex
                .starts_with(&format!("005100{TO_DA}0000A7A00500032A0201C2E170"))
        );
    }

    #[test]
    fn euro_after_159_plain_characters_needs_two_parts() {
        let text = format!("{}€", "a".repeat(159));
        assert_eq!(gsm7_encode(&text).unwrap().len(), 161);
        let pdus = encode_submit(TO, &text, &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 2);
        assert_eq!(udl(&pdus[0]), 7 + 153);
        assert_eq!(udl(&pdus[1]), 7 + 8);
        assert_eq!(
            decode_submit(&pdus[1].hex, true).unwrap().text,
            format!("{}€", "a".repeat(6))
        );
    }

    #[test]
    fn escape_pair_is_never_split() {
        // The euro would take septets 153 and 154, so it moves whole to the second part.
        let text = format!("{}€{}", "a".repeat(152), "b".repeat(10));
        let pdus = encode_submit(TO, &text, &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 2);
        assert_eq!(udl(&pdus[0]), 7 + 152);
        assert_eq!(udl(&pdus[1]), 7 + 12);
        let second = decode_submit(&pdus[1].hex, true).unwrap();
        assert_eq!(second.text, format!("€{}", "b".repeat(10)));
        // Every part of a long text of euros holds whole pairs only.
        let pdus = encode_submit(TO, &"€".repeat(200), &SubmitOptions::default()).unwrap();
        for pdu in &pdus {
            let part = decode_submit(&pdu.hex, true).unwrap();
            assert!(part.text.chars().all(|c| c == '€'));
            assert_eq!(usize::from(udl(pdu)) - 7, part.text.chars().count() * 2);
        }
    }

    #[test]
    fn ucs2_with_emoji_matches_hand_derived_pdu() {
        // "Halo Ibu 😊" holds U+1F60A, which is not in GSM 7-bit, so TP-DCS is 08.
        // U+1F60A - 0x10000 = 0xF60A; high surrogate 0xD800 + 0x3D = D83D, low 0xDC00 + 0x20A = DE0A.
        // H a l o, space, I b u, space and the pair D83D DE0A are 11 code units: TP-UDL 22 = 0x16.
        let pdus = encode_submit(TO, "Halo Ibu 😊", &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 1);
        assert_eq!(dcs(&pdus[0]), DCS_UCS2);
        assert_eq!(
            pdus[0].hex,
            format!("001100{TO_DA}0008A71600480061006C006F00200049006200750020D83DDE0A")
        );
        assert_eq!(pdus[0].tpdu_len, pdus[0].hex.len() / 2 - 1);
        let decoded = decode_submit(&pdus[0].hex, true).unwrap();
        assert_eq!(decoded.encoding, Encoding::Ucs2);
        assert_eq!(decoded.text, "Halo Ibu 😊");
    }

    #[test]
    fn seventy_bmp_characters_are_one_part() {
        let pdus = encode_submit(TO, &"中".repeat(70), &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 1);
        assert_eq!(udl(&pdus[0]), 140);
        assert_eq!(dcs(&pdus[0]), DCS_UCS2);
    }

    #[test]
    fn seventy_one_bmp_characters_are_67_and_4() {
        let pdus = encode_submit(TO, &"中".repeat(71), &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 2);
        // TP-UDL of UCS-2 counts octets, header included: 6 + 134 and 6 + 8.
        assert_eq!(udl(&pdus[0]), 140);
        assert_eq!(udl(&pdus[1]), 14);
        assert_eq!(
            decode_submit(&pdus[0].hex, true).unwrap().text,
            "中".repeat(67)
        );
        assert_eq!(
            decode_submit(&pdus[1].hex, true).unwrap().text,
            "中".repeat(4)
        );
        assert_eq!(
            octets(&pdus[0].hex)[16..22],
            [0x05, 0x00, 0x03, 0x00, 0x02, 0x01]
        );
    }

    #[test]
    fn emoji_is_never_split() {
        // The emoji would take code units 67 and 68, so it moves whole to the second part.
        let text = format!("{}😊{}", "中".repeat(66), "中".repeat(10));
        let pdus = encode_submit(TO, &text, &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 2);
        assert_eq!(udl(&pdus[0]), 6 + 132);
        let second = decode_submit(&pdus[1].hex, true).unwrap();
        assert!(second.text.starts_with('😊'));
        // A text of emoji alone splits into parts of 33 emoji (66 code units) each.
        let pdus = encode_submit(TO, &"😊".repeat(100), &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 4);
        for pdu in &pdus[..3] {
            assert_eq!(decode_submit(&pdu.hex, true).unwrap().text, "😊".repeat(33));
        }
        // 69 GSM characters and one emoji are 71 code units: 67, then 2 and the emoji.
        let text = format!("{}😊", "a".repeat(69));
        let pdus = encode_submit(TO, &text, &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 2);
        assert_eq!(decode_submit(&pdus[1].hex, true).unwrap().text, "aa😊");
    }

    #[test]
    fn parts_share_reference_and_count_up() {
        let opts = SubmitOptions {
            reference: 0xFE,
            ..SubmitOptions::default()
        };
        let pdus = encode_submit(TO, &"x".repeat(153 * 4 + 1), &opts).unwrap();
        assert_eq!(pdus.len(), 5);
        for (seq, pdu) in (1u8..).zip(&pdus) {
            let decoded = decode_submit(&pdu.hex, true).unwrap();
            assert_eq!(decoded.concat, Some((0xFE, 5, seq)));
            assert_eq!(pdu.tpdu_len, pdu.hex.len() / 2 - 1);
        }
    }

    #[test]
    fn too_many_parts_is_an_error() {
        let opts = SubmitOptions {
            max_parts: 2,
            ..SubmitOptions::default()
        };
        assert!(encode_submit(TO, &"a".repeat(306), &opts).is_ok());
        assert_eq!(
            encode_submit(TO, &"a".repeat(307), &opts),
            Err(PduError::TooManyParts { needed: 3, max: 2 })
        );
        // The protocol limit of 255 parts holds whatever the configured limit.
        let opts = SubmitOptions {
            max_parts: 1000,
            ..SubmitOptions::default()
        };
        assert_eq!(
            encode_submit(TO, &"a".repeat(153 * 255), &opts)
                .unwrap()
                .len(),
            255
        );
        assert_eq!(
            encode_submit(TO, &"a".repeat(153 * 255 + 1), &opts),
            Err(PduError::TooManyParts {
                needed: 256,
                max: 255
            })
        );
        let opts = SubmitOptions {
            max_parts: 0,
            ..SubmitOptions::default()
        };
        assert!(matches!(
            encode_submit(TO, "", &opts),
            Err(PduError::TooManyParts { .. })
        ));
    }

    #[test]
    fn empty_text_is_one_empty_message() {
        let pdus = encode_submit(TO, "", &SubmitOptions::default()).unwrap();
        assert_eq!(pdus.len(), 1);
        assert_eq!(pdus[0].hex, format!("001100{TO_DA}0000A700"));
    }

    #[test]
    fn round_trips() {
        let long_indonesian = "Yth. Bapak/Ibu, barang jaminan gadai Anda dengan nomor \
            SBG 0042/PB/2025 akan jatuh tempo pada 15-07-2025. Silakan lakukan perpanjangan \
            atau pelunasan di cabang terdekat. Abaikan pesan ini jika sudah membayar. \
            Terima kasih.";
        let texts = [
            String::new(),
            "Hello".to_owned(),
            "Kode masuk Anda: 482913".to_owned(),
            "Sisa pinjaman: Rp 1.250.000 [lunas ~ 3 hari] {cabang} a|b \\ ^ €".to_owned(),
            "Ibu Ñoño, gadai emas 24K @ Rp 1.100.000/gram; Δ=5%\r\nSalam".to_owned(),
            long_indonesian.to_owned(),
            long_indonesian.repeat(5),
            "Halo Ibu 😊".to_owned(),
            "Terima kasih 🙏 sudah datang ke cabang kami! 💍💰".repeat(4),
            "`backtick` forces UCS-2".to_owned(),
            "€".repeat(161),
            "abcdef@".to_owned(),
            "@".repeat(8),
            "\u{0C}page".to_owned(),
        ];
        for text in &texts {
            assert_eq!(&round_trip(text), text);
        }
    }

    #[test]
    fn decode_without_smsc_and_without_validity() {
        // First octet 0x01: TP-VPF 00, so no TP-VP octet follows TP-DCS.
        let decoded = decode_submit(&format!("0100{TO_DA}000005C8329BFD06"), false).unwrap();
        assert_eq!(decoded.text, "Hello");
        assert_eq!(decoded.validity, None);
        assert_eq!(decoded.concat, None);
        assert_eq!(decoded.encoding, Encoding::Gsm7);
        // Lower-case hex is accepted too.
        let lower = format!("0100{TO_DA}000005c8329bfd06").to_lowercase();
        assert_eq!(decode_submit(&lower, false).unwrap().text, "Hello");
    }

    #[test]
    fn decode_sixteen_bit_concatenation_reference() {
        // Header 06 08 04 12 34 02 01 (16-bit reference 0x1234, part 1 of 2), UCS-2 text "A";
        // TP-UDL = 7 header octets + 2 text octets.
        let decoded =
            decode_submit(&format!("005100{TO_DA}0008A709060804123402010041"), true).unwrap();
        assert_eq!(decoded.concat, Some((0x1234, 2, 1)));
        assert_eq!(decoded.text, "A");
    }

    #[test]
    fn decode_errors() {
        let good = format!("001100{TO_DA}0000A705C8329BFD06");
        assert!(decode_submit(&good, true).is_ok());
        assert_eq!(decode_submit("0G", true), Err(PduError::InvalidHex));
        assert_eq!(decode_submit("001", true), Err(PduError::InvalidHex));
        assert_eq!(decode_submit("", true), Err(PduError::TruncatedPdu));
        assert_eq!(
            decode_submit(&good[..good.len() - 2], true),
            Err(PduError::TruncatedPdu)
        );
        assert_eq!(
            decode_submit(&format!("{good}00"), true),
            Err(PduError::TrailingData)
        );
        // An SMS-DELIVER has TP-MTI 00.
        assert_eq!(
            decode_submit(&format!("000000{}", &good[6..]), true),
            Err(PduError::NotSubmit(0))
        );
        // TP-DCS 04 is 8-bit data.
        assert_eq!(
            decode_submit(&format!("001100{TO_DA}0004A705C8329BFD06"), true),
            Err(PduError::UnsupportedDcs(0x04))
        );
        // An odd number of UCS-2 octets, and an unpaired surrogate.
        assert!(matches!(
            decode_submit(&format!("001100{TO_DA}0008A703004800"), true),
            Err(PduError::InvalidUserData(_))
        ));
        assert!(matches!(
            decode_submit(&format!("001100{TO_DA}0008A702D83D"), true),
            Err(PduError::InvalidUserData(_))
        ));
        // A header that claims more octets than the user data holds.
        assert!(matches!(
            decode_submit(&format!("005100{TO_DA}0008A70406000300"), true),
            Err(PduError::InvalidUserData(_))
        ));
        // TP-UDL 161 septets would need 141 octets.
        assert!(matches!(
            decode_submit(&format!("001100{TO_DA}0000A7A1"), true),
            Err(PduError::InvalidUserData(_))
        ));
    }

    #[test]
    fn dcs_groups() {
        assert_eq!(encoding_from_dcs(0x00), Ok(Encoding::Gsm7));
        assert_eq!(encoding_from_dcs(0x08), Ok(Encoding::Ucs2));
        assert_eq!(encoding_from_dcs(0x10), Ok(Encoding::Gsm7));
        assert_eq!(encoding_from_dcs(0x18), Ok(Encoding::Ucs2));
        assert_eq!(encoding_from_dcs(0xF0), Ok(Encoding::Gsm7));
        assert_eq!(encoding_from_dcs(0x20), Err(PduError::UnsupportedDcs(0x20)));
        assert_eq!(encoding_from_dcs(0xF4), Err(PduError::UnsupportedDcs(0xF4)));
        assert_eq!(encoding_from_dcs(0x80), Err(PduError::UnsupportedDcs(0x80)));
    }

    #[test]
    fn reassemble_orders_and_checks_parts() {
        let text = "z".repeat(400);
        let pdus = encode_submit(TO, &text, &SubmitOptions::default()).unwrap();
        let mut parts: Vec<DecodedSubmit> = pdus
            .iter()
            .map(|pdu| decode_submit(&pdu.hex, true).unwrap())
            .collect();
        assert_eq!(parts.len(), 3);
        parts.reverse();
        assert_eq!(reassemble(&parts).unwrap(), text);

        assert_eq!(reassemble(&parts[..2]), Err(PduError::MissingPart(1)));
        assert_eq!(
            reassemble(&[]),
            Err(PduError::InvalidConcatenation("no parts"))
        );

        let mut duplicate = parts.clone();
        duplicate[0] = parts[1].clone();
        assert_eq!(
            reassemble(&duplicate),
            Err(PduError::InvalidConcatenation("duplicate part"))
        );

        let mut other_message = parts.clone();
        other_message[0].concat = Some((9, 3, 3));
        assert!(matches!(
            reassemble(&other_message),
            Err(PduError::InvalidConcatenation(_))
        ));

        let mut other_phone = parts.clone();
        other_phone[0].destination = "+6280000000000".to_owned();
        assert!(matches!(
            reassemble(&other_phone),
            Err(PduError::InvalidConcatenation(_))
        ));

        let mut out_of_range = parts.clone();
        out_of_range[0].concat = Some((0, 3, 4));
        assert!(matches!(
            reassemble(&out_of_range),
            Err(PduError::InvalidConcatenation(_))
        ));

        let single = decode_submit(
            &encode_submit(TO, "Hi", &SubmitOptions::default()).unwrap()[0].hex,
            true,
        )
        .unwrap();
        assert_eq!(reassemble(std::slice::from_ref(&single)).unwrap(), "Hi");
        assert!(matches!(
            reassemble(&[single.clone(), single]),
            Err(PduError::InvalidConcatenation(_))
        ));
    }

    #[test]
    fn error_messages_are_lowercase() {
        let errors = [
            PduError::InvalidAddress("no digits"),
            PduError::TooManyParts { needed: 3, max: 2 },
            PduError::InvalidHex,
            PduError::TruncatedPdu,
            PduError::TrailingData,
            PduError::NotSubmit(0),
            PduError::UnsupportedDcs(0x04),
            PduError::InvalidUserData("odd number of ucs-2 octets"),
            PduError::InvalidConcatenation("duplicate part"),
            PduError::MissingPart(2),
        ];
        for error in errors {
            let message = error.to_string();
            assert_eq!(message, message.to_lowercase());
            let _: &dyn std::error::Error = &error;
        }
        assert_eq!(
            PduError::UnsupportedDcs(0x04).to_string(),
            "unsupported data coding scheme 0x04"
        );
    }
}
