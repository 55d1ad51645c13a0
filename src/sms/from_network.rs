//! The PDUs the network sends to the modem (3GPP TS 23.040 §9.2.2.1 and §9.2.2.3): a message
//! from a customer (SMS-DELIVER) and the status report on a message the branch sent
//! (SMS-STATUS-REPORT), as `+CMGR`, `+CMGL` and `+CDS` give them in PDU mode.
//!
//! [`decode`] reads either; the simulator builds them with [`encode_deliver`] and
//! [`encode_status_report`]. The user data (GSM 7-bit, UCS-2, the concatenation header) is
//! read by the same code as the SMS-SUBMIT decoder in [`super::pdu`].

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::pdu::{self, Encoding, PduError, Reader};

/// TP-MTI of an SMS-DELIVER (TS 23.040 §9.2.3.1).
const MTI_DELIVER: u8 = 0x00;
/// TP-MTI of an SMS-STATUS-REPORT.
const MTI_STATUS_REPORT: u8 = 0x02;
/// TP-MMS, set when no more messages wait at the service centre (TS 23.040 §9.2.3.2).
const NO_MORE_MESSAGES: u8 = 0x04;
/// The type of number of an alphanumeric sender (TS 23.040 §9.1.2.5), such as an operator's
/// "TELKOMSEL".
const TON_ALPHANUMERIC: u8 = 0x50;

/// One part of a message from a phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeliverPart {
    /// The sender: `+` and digits when international, national digits, or an alphanumeric
    /// name.
    pub(crate) sender: String,
    /// The text of this part.
    pub(crate) text: String,
    /// The concatenation header as (reference, total, sequence number), if there is one.
    pub(crate) concat: Option<(u16, u8, u8)>,
    /// When the service centre received it (TP-SCTS), in the network's time zone.
    pub(crate) sent_at: DateTime<FixedOffset>,
    pub(crate) encoding: Encoding,
}

/// The network's report on one part the branch sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatusReport {
    /// TP-MR: the message reference `+CMGS` gave the part.
    pub(crate) reference: u8,
    /// TP-RA: the number the part went to.
    pub(crate) recipient: String,
    /// TP-SCTS: when the service centre took the part.
    pub(crate) submitted_at: DateTime<FixedOffset>,
    /// TP-DT: when it reached the phone, or when the service centre gave up.
    pub(crate) discharged_at: DateTime<FixedOffset>,
    /// TP-ST (TS 23.040 §9.2.3.15).
    pub(crate) status: u8,
}

/// What the network sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FromNetwork {
    Deliver(DeliverPart),
    StatusReport(StatusReport),
}

/// Decodes a PDU from `+CMGR`, `+CMGL` or `+CDS`; `tpdu_len` is the `<length>` the modem gave
/// (octets without the SMSC field): a PDU longer than that starts with the SMSC field, as most
/// modems send it.
pub(crate) fn decode(hex: &str, tpdu_len: usize) -> Result<FromNetwork, PduError> {
    let octets = pdu::decode_hex(hex.trim())?;
    let mut reader = Reader { rest: &octets };
    if octets.len() > tpdu_len {
        let len = reader.octet()?;
        reader.take(usize::from(len))?;
    }
    let first = reader.octet()?;
    match first & 0x03 {
        MTI_DELIVER => decode_deliver(first, &mut reader).map(FromNetwork::Deliver),
        MTI_STATUS_REPORT => decode_report(&mut reader).map(FromNetwork::StatusReport),
        other => Err(PduError::NotFromNetwork(other)),
    }
}

/// The fields of an SMS-DELIVER after its first octet.
fn decode_deliver(first: u8, reader: &mut Reader<'_>) -> Result<DeliverPart, PduError> {
    let sender = address(reader)?;
    let _protocol_id = reader.octet()?;
    let encoding = pdu::encoding_from_dcs(reader.octet()?)?;
    let sent_at = timestamp(reader.take(7)?)?;
    let (concat, text) = pdu::decode_user_data(first, encoding, reader)?;
    Ok(DeliverPart {
        sender,
        text,
        concat,
        sent_at,
        encoding,
    })
}

/// The fields of an SMS-STATUS-REPORT after its first octet; the optional parameters after
/// TP-ST are ignored.
fn decode_report(reader: &mut Reader<'_>) -> Result<StatusReport, PduError> {
    let reference = reader.octet()?;
    let recipient = address(reader)?;
    let submitted_at = timestamp(reader.take(7)?)?;
    let discharged_at = timestamp(reader.take(7)?)?;
    let status = reader.octet()?;
    Ok(StatusReport {
        reference,
        recipient,
        submitted_at,
        discharged_at,
        status,
    })
}

/// An address field (TS 23.040 §9.1.2.5): digits, or an alphanumeric name in packed GSM 7-bit.
fn address(reader: &mut Reader<'_>) -> Result<String, PduError> {
    let digits = usize::from(reader.octet()?);
    let toa = reader.octet()?;
    let octets = reader.take(digits.div_ceil(2))?;
    if toa & 0x70 == TON_ALPHANUMERIC {
        let septets = pdu::unpack_septets(octets, digits * 4 / 7, 0)?;
        return Ok(pdu::gsm7_decode(&septets));
    }
    pdu::decode_address(digits, toa, octets)
}

/// Reads a semi-octet pair, low digit first (TS 23.040 §9.1.2.3).
fn swapped(octet: u8) -> u32 {
    u32::from(octet & 0x0F) * 10 + u32::from(octet >> 4)
}

/// Decodes TP-SCTS / TP-DT (TS 23.040 §9.2.3.11): year, month, day, hour, minute, second in
/// swapped semi-octets, then the time zone in quarters of an hour, bit 3 its sign.
fn timestamp(octets: &[u8]) -> Result<DateTime<FixedOffset>, PduError> {
    let &[y, mo, d, h, mi, s, tz] = octets else {
        return Err(PduError::TruncatedPdu);
    };
    let year = swapped(y);
    // Two digits: the 1990s are the only past a network could still report.
    let year = i32::try_from(if year >= 90 { 1900 + year } else { 2000 + year })
        .map_err(|_| PduError::InvalidTimestamp)?;
    let quarters = i32::from(tz & 0x07) * 10 + i32::from(tz >> 4);
    let seconds = quarters * 15 * 60 * if tz & 0x08 == 0 { 1 } else { -1 };
    let zone = FixedOffset::east_opt(seconds).ok_or(PduError::InvalidTimestamp)?;
    NaiveDate::from_ymd_opt(year, swapped(mo), swapped(d))
        .and_then(|date| date.and_hms_opt(swapped(h), swapped(mi), swapped(s)))
        .and_then(|local| local.and_local_timezone(zone).single())
        .ok_or(PduError::InvalidTimestamp)
}

/// Encodes a time stamp; the inverse of [`timestamp`].
#[cfg_attr(not(test), allow(dead_code))] // The simulator builds PDUs with it.
fn encode_timestamp(at: DateTime<FixedOffset>) -> [u8; 7] {
    use chrono::{Datelike, Timelike};
    let swap = |v: u32| -> u8 { u8::try_from(((v % 10) << 4) | (v / 10 % 10)).unwrap_or(0) };
    let offset = at.offset().local_minus_utc();
    let quarters = offset.unsigned_abs() / 900;
    let sign = if offset < 0 { 0x08 } else { 0 };
    [
        swap(at.year().unsigned_abs() % 100),
        swap(at.month()),
        swap(at.day()),
        swap(at.hour()),
        swap(at.minute()),
        swap(at.second()),
        swap(quarters) | sign,
    ]
}

/// The SMS-DELIVER PDUs (SMSC field and TPDU, hexadecimal, with their TPDU lengths) of `text`
/// from `sender`: GSM 7-bit when it can, UCS-2 otherwise, and concatenated parts sharing
/// `reference` when it is long. Built from the SMS-SUBMIT of the same text, whose user data is
/// the same.
#[cfg_attr(not(test), allow(dead_code))] // The simulator builds PDUs with it.
pub(crate) fn encode_deliver(
    sender: &str,
    text: &str,
    sent_at: DateTime<FixedOffset>,
    reference: u8,
) -> Result<Vec<(String, usize)>, PduError> {
    let options = pdu::SubmitOptions {
        reference,
        ..pdu::SubmitOptions::default()
    };
    let mut parts = Vec::new();
    for submit in pdu::encode_submit(sender, text, &options)? {
        let octets = pdu::decode_hex(&submit.hex)?;
        // SMSC "00", first octet, TP-MR, TP-DA, TP-PID, TP-DCS, TP-VP, then TP-UDL and TP-UD.
        let mut reader = Reader { rest: &octets };
        reader.take(1)?;
        let first = reader.octet()?;
        reader.octet()?;
        let digits = usize::from(reader.octet()?);
        let address = reader.take(1 + digits.div_ceil(2))?;
        let pid_dcs = reader.take(2)?;
        reader.octet()?;
        let mut tpdu = vec![MTI_DELIVER | NO_MORE_MESSAGES | (first & 0x40)];
        tpdu.push(u8::try_from(digits).map_err(|_| PduError::TruncatedPdu)?);
        tpdu.extend_from_slice(address);
        tpdu.extend_from_slice(pid_dcs);
        tpdu.extend_from_slice(&encode_timestamp(sent_at));
        tpdu.extend_from_slice(reader.rest);
        let mut hex = "00".to_owned();
        pdu::push_hex(&mut hex, &tpdu);
        parts.push((hex, tpdu.len()));
    }
    Ok(parts)
}

/// The SMS-STATUS-REPORT PDU (hexadecimal, SMSC field "00" first) and its TPDU length.
#[cfg_attr(not(test), allow(dead_code))] // The simulator builds PDUs with it.
pub(crate) fn encode_status_report(report: &StatusReport) -> Result<(String, usize), PduError> {
    let mut tpdu = vec![MTI_STATUS_REPORT | NO_MORE_MESSAGES, report.reference];
    tpdu.extend(pdu::encode_destination(&report.recipient)?);
    tpdu.extend_from_slice(&encode_timestamp(report.submitted_at));
    tpdu.extend_from_slice(&encode_timestamp(report.discharged_at));
    tpdu.push(report.status);
    let mut hex = "00".to_owned();
    pdu::push_hex(&mut hex, &tpdu);
    Ok((hex, tpdu.len()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    /// The SMS-DELIVER example of the widely copied "SMS and the PDU format" page
    /// (dreamfabric.com): "hellohello" from 27838890001, SMSC +27381000015.
    #[test]
    fn a_published_sms_deliver() {
        let hex = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37";
        let FromNetwork::Deliver(part) = decode(hex, 24).unwrap() else {
            panic!("not a deliver");
        };
        assert_eq!(part.sender, "27838890001");
        assert_eq!(part.text, "hellohello");
        assert_eq!(part.concat, None);
        assert_eq!(part.encoding, Encoding::Gsm7);
        assert_eq!(part.sent_at, at("1999-03-29T15:16:59+02:00"));
    }

    /// A status report built by hand from TS 23.040 §9.2.2.3 and checked against the one
    /// published in fkgi/sms's tests: TP-MR 0 to "1234", both times 2011-03-22 14:25:40 +09:00,
    /// TP-ST 0 (received by the phone); without the SMSC field (length 21).
    #[test]
    fn a_published_status_report() {
        let hex = "060004802143113022415204631130224152046300";
        let FromNetwork::StatusReport(report) = decode(hex, 21).unwrap() else {
            panic!("not a report");
        };
        assert_eq!(report.reference, 0);
        assert_eq!(report.recipient, "1234");
        assert_eq!(report.submitted_at, at("2011-03-22T14:25:40+09:00"));
        assert_eq!(report.discharged_at, at("2011-03-22T14:25:40+09:00"));
        assert_eq!(report.status, 0);
    }

    /// Built by hand, with an SMSC field, as a SIM800 gives it after `+CDS: 26`: TP-MR 0x2A to
    /// +6281234567890, taken 10:41:55 and delivered 10:42:07 WIB (+07:00: 28 quarters, `82`),
    /// TP-ST 0.
    #[test]
    fn a_status_report_with_its_smsc_field() {
        let hex = concat!(
            "07912618010000F0", // SMSC +62811000000
            "06",               // SMS-STATUS-REPORT, no more messages
            "2A",               // TP-MR 42
            "0D91",             // 13 digits, international
            "261832547698F0",   // 6281234567890
            "62211001145582",   // TP-SCTS 26-12-01 10:41:55 +07:00
            "62211001247082",   // TP-DT 26-12-01 10:42:07 +07:00
            "00",               // TP-ST: received by the phone
        );
        let report = match decode(hex, 26).unwrap() {
            FromNetwork::StatusReport(report) => report,
            other => panic!("{other:?}"),
        };
        assert_eq!(report.reference, 42);
        assert_eq!(report.recipient, "+6281234567890");
        assert_eq!(report.submitted_at, at("2026-12-01T10:41:55+07:00"));
        assert_eq!(report.discharged_at, at("2026-12-01T10:42:07+07:00"));
        assert_eq!(report.status, 0);
    }

    #[test]
    fn negative_time_zones_and_a_round_trip() {
        let report = StatusReport {
            reference: 255,
            recipient: "+6281234567890".to_owned(),
            submitted_at: at("2026-12-01T10:41:55-03:30"),
            discharged_at: at("2026-12-02T00:00:01-03:30"),
            status: 0x46,
        };
        let (hex, len) = encode_status_report(&report).unwrap();
        assert_eq!(
            decode(&hex, len).unwrap(),
            FromNetwork::StatusReport(report)
        );
    }

    #[test]
    fn ucs2_and_concatenated_messages_from_a_phone() {
        let sent = at("2026-12-01T10:42:00+07:00");
        let parts =
            encode_deliver("+6281234567890", "Terima kasih 🙏 sudah bayar", sent, 7).unwrap();
        let FromNetwork::Deliver(part) = decode(&parts[0].0, parts[0].1).unwrap() else {
            panic!()
        };
        assert_eq!(part.encoding, Encoding::Ucs2);
        assert_eq!(part.text, "Terima kasih 🙏 sudah bayar");
        assert_eq!(part.sender, "+6281234567890");
        assert_eq!(part.sent_at, sent);

        let long = "Saya akan bayar besok pagi di cabang. ".repeat(6);
        let parts = encode_deliver("081234567890", &long, sent, 9).unwrap();
        assert_eq!(parts.len(), 2);
        let texts: Vec<(Option<pdu::Concat>, String)> = parts
            .iter()
            .map(|(hex, len)| match decode(hex, *len).unwrap() {
                FromNetwork::Deliver(p) => (p.concat, p.text),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(texts[0].0, Some((9, 2, 1)));
        assert_eq!(texts[1].0, Some((9, 2, 2)));
        assert_eq!(format!("{}{}", texts[0].1, texts[1].1), long);
    }

    #[test]
    fn an_alphanumeric_sender() {
        // "TELKOMSEL": 9 septets packed into 8 octets, 16 semi-octets, TON alphanumeric.
        let septets = pdu::gsm7_encode("TELKOMSEL").unwrap();
        let packed = pdu::pack_septets(&septets, 0);
        let mut tpdu = vec![0x04, 16, 0xD0];
        tpdu.extend(&packed);
        tpdu.extend([0x00, 0x00]);
        tpdu.extend([0x62, 0x21, 0x10, 0x01, 0x24, 0x00, 0x82, 0x02, 0xC8, 0x34]);
        let mut hex = String::new();
        pdu::push_hex(&mut hex, &tpdu);
        let FromNetwork::Deliver(part) = decode(&hex, tpdu.len()).unwrap() else {
            panic!()
        };
        assert_eq!(part.sender, "TELKOMSEL");
        assert_eq!(part.text, "Hi");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for hex in ["", "0", "00", "0001", "0006", "00062A0D91", "ZZ", "0003"] {
            assert!(decode(hex, hex.len() / 2).is_err(), "{hex}");
        }
    }
}
