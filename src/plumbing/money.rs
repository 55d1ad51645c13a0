//! Money: integer amounts in minor units of the branch currency, and how to show them.
//!
//! Amounts are `i64` minor units everywhere (never floats). The number of minor units per major
//! unit follows the currency's exponent as used day to day: ISO 4217 gives the rupiah two
//! decimals, but rupiah amounts are whole, so IDR counts in whole rupiah (see
//! [`everyday_exponent`]); `[branch] currency_exponent` overrides it.

use crate::plumbing::i18n::Lang;
use crate::plumbing::iso;

/// Currencies whose ISO exponent is not what anyone uses: amounts are whole units.
const WHOLE_UNIT_CURRENCIES: &[&str] = &["IDR"];

/// The exponent of a currency as amounts are written day to day.
pub(crate) fn everyday_exponent(code: &str) -> Option<u8> {
    let currency = iso::currency(code)?;
    Some(if WHOLE_UNIT_CURRENCIES.contains(&code) {
        0
    } else {
        currency.exponent
    })
}

/// How amounts of the branch currency are written.
#[derive(Debug, Clone)]
pub(crate) struct Currency {
    pub(crate) code: String,
    pub(crate) exponent: u8,
}

impl Currency {
    /// Writes an amount of minor units, grouped the way the language does (`Rp 1.500.000` in
    /// Indonesian, `IDR 1,500,000` in English).
    pub(crate) fn format(&self, minor: i64, lang: Lang) -> String {
        let symbol = self.symbol(lang);
        let mut out = String::with_capacity(symbol.len() + 32);
        if minor < 0 {
            out.push('-');
        }
        out.push_str(symbol);
        out.push(' ');
        write_decimal(&mut out, minor.unsigned_abs(), self.exponent, lang);
        out
    }

    /// What an amount is written after: `Rp` for rupiah in Indonesian, else the ISO code.
    pub(crate) fn symbol(&self, lang: Lang) -> &str {
        match (self.code.as_str(), lang) {
            ("IDR", Lang::Id) => "Rp",
            (code, _) => code,
        }
    }
}

/// The group and decimal separators of a language: `1.500.000,50` in Indonesian,
/// `1,500,000.50` in English.
pub(crate) fn separators(lang: Lang) -> (char, char) {
    match lang {
        Lang::En => (',', '.'),
        Lang::Id => ('.', ','),
    }
}

/// A count of `10^-exponent` units written with `exponent` decimals, grouped by thousands the
/// way the language does.
fn decimal(units: u64, exponent: u8, lang: Lang) -> String {
    let mut out = String::with_capacity(32);
    write_decimal(&mut out, units, exponent, lang);
    out
}

/// [`decimal`], written at the end of `out` (an amount on a page is one string, not three).
fn write_decimal(out: &mut String, units: u64, exponent: u8, lang: Lang) {
    let (group, mark) = separators(lang);
    let scale = 10u64.pow(u32::from(exponent));
    let (whole, fraction) = (units / scale, units % scale);
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = whole;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for i in (0..len).rev() {
        out.push(char::from(digits[i]));
        if i > 0 && i.is_multiple_of(3) {
            out.push(group);
        }
    }
    if exponent > 0 {
        out.push(mark);
        let mut divisor = scale / 10;
        while divisor > 0 {
            out.push(char::from(b'0' + (fraction / divisor % 10) as u8));
            divisor /= 10;
        }
    }
}

/// A rate kept in basis points as a percentage, with the language's decimal mark: "1,15%" in
/// Indonesian, "1.15%" in English.
pub(crate) fn percent(bp: u32, lang: Lang) -> String {
    format!("{}%", percent_input(bp, lang))
}

/// A rate kept in basis points as a form field holds it: "1,15" in Indonesian, "1.15" in
/// English (either mark is accepted back).
pub(crate) fn percent_input(bp: u32, lang: Lang) -> String {
    decimal(u64::from(bp), 2, lang)
}

/// A weight kept in milligrams, in grams as a pawn ticket prints it: two decimals with the
/// language's decimal mark ("5,00 g" in Indonesian, "5.00 g" in English), three when the
/// milligrams need them ("5,125 g"), so nothing weighed is rounded away.
pub(crate) fn grams(mg: i64, lang: Lang) -> String {
    let sign = if mg < 0 { "-" } else { "" };
    let mg = mg.unsigned_abs();
    let text = if mg.is_multiple_of(10) {
        decimal(mg / 10, 2, lang)
    } else {
        decimal(mg, 3, lang)
    };
    format!("{sign}{text} g")
}

/// Parses an amount typed in major units ("1.500.000", "1,500,000.50", "1500000") into minor
/// units of the branch currency; `None` when it is not a plain amount.
pub(crate) fn parse_amount(text: &str, exponent: u8) -> Option<i64> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, 'R' | 'p'))
        .collect();
    // The last '.' or ',' followed by 1 to `exponent` digits is the decimal mark (so
    // "12.5" is twelve and a half); other marks group thousands ("1.500.000" in rupiah).
    let (whole, fraction) = match cleaned.rfind(['.', ',']) {
        Some(i) if (1..=usize::from(exponent)).contains(&(cleaned.len() - i - 1)) => {
            (&cleaned[..i], &cleaned[i + 1..])
        }
        _ => (cleaned.as_str(), ""),
    };
    // Thousands come in groups of three after the first ("12.3.4" is a slip, not 1234).
    let mut groups = whole.split(['.', ',']);
    let first = groups.next().map_or(0, str::len);
    if whole.contains(['.', ',']) && (!(1..=3).contains(&first) || groups.any(|g| g.len() != 3)) {
        return None;
    }
    let digits: String = whole.chars().filter(|c| *c != '.' && *c != ',').collect();
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let scale = 10i64.checked_pow(u32::from(exponent))?;
    let major: i64 = digits.parse().ok()?;
    let fraction = format!("{fraction:0<width$}", width = usize::from(exponent));
    let minor: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    major.checked_mul(scale)?.checked_add(minor)
}

/// An amount pre-filled in a form, grouped the way the reader writes it ("1.500.000");
/// [`parse_amount`] reads it back, with or without the separators.
pub(crate) fn amount_input(minor: i64, exponent: u8, lang: Lang) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}", decimal(minor.unsigned_abs(), exponent, lang))
}

/// An amount for a form field (major units, no grouping).
pub(crate) fn amount_field(minor: i64, exponent: u8) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(u32::from(exponent));
    format!(
        "{}.{:0width$}",
        minor / scale,
        minor % scale,
        width = usize::from(exponent)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let idr = Currency {
            code: "IDR".into(),
            exponent: everyday_exponent("IDR").unwrap_or(9),
        };
        assert_eq!(idr.format(1_500_000, Lang::Id), "Rp 1.500.000");
        assert_eq!(idr.format(1_500_000, Lang::En), "IDR 1,500,000");
        assert_eq!(idr.format(999, Lang::En), "IDR 999");
        let kes = Currency {
            code: "KES".into(),
            exponent: everyday_exponent("KES").unwrap_or(9),
        };
        assert_eq!(kes.format(123_456_789, Lang::En), "KES 1,234,567.89");
        assert_eq!(kes.format(-5, Lang::Id), "-KES 0,05");
    }

    /// The written amount against the plain way of writing it (the digits grouped from the
    /// right, the fraction padded), for amounts of every length and each exponent.
    #[test]
    fn decimals_are_grouped_and_padded() {
        fn plain(units: u64, exponent: u8, lang: Lang) -> String {
            let (group, mark) = separators(lang);
            let scale = 10u64.pow(u32::from(exponent));
            let digits: Vec<char> = (units / scale).to_string().chars().collect();
            let mut out = String::new();
            for (i, c) in digits.iter().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push(group);
                }
                out.push(*c);
            }
            if exponent > 0 {
                let width = usize::from(exponent);
                out.push_str(&format!("{mark}{:0width$}", units % scale));
            }
            out
        }
        let mut amounts = vec![0, 1, 9, 10, 99, 100, 999, 1_000, 1_001, 1_500_000, u64::MAX];
        amounts.extend((0..19).map(|p| 10u64.pow(p) - 1));
        amounts.extend((0..64).map(|b| 1u64 << b));
        for units in amounts {
            for exponent in 0..=3 {
                for lang in [Lang::En, Lang::Id] {
                    assert_eq!(
                        decimal(units, exponent, lang),
                        plain(units, exponent, lang),
                        "{units} at 10^-{exponent}"
                    );
                }
            }
        }
        assert_eq!(decimal(123_456, 2, Lang::Id), "1.234,56");
        assert_eq!(decimal(5, 3, Lang::En), "0.005");
    }

    #[test]
    fn grams_in_each_language() {
        assert_eq!(grams(5_000, Lang::Id), "5,00 g");
        assert_eq!(grams(5_000, Lang::En), "5.00 g");
        assert_eq!(grams(12_500, Lang::Id), "12,50 g");
        assert_eq!(grams(3_200, Lang::En), "3.20 g");
        assert_eq!(
            grams(5_125, Lang::Id),
            "5,125 g",
            "milligrams are never rounded away"
        );
        assert_eq!(grams(7, Lang::En), "0.007 g");
        assert_eq!(grams(0, Lang::En), "0.00 g");
        assert_eq!(grams(1_250_000, Lang::Id), "1.250,00 g");
        assert_eq!(grams(1_250_000, Lang::En), "1,250.00 g");
    }

    #[test]
    fn rates_in_each_language() {
        assert_eq!(percent(115, Lang::Id), "1,15%");
        assert_eq!(percent(115, Lang::En), "1.15%");
        assert_eq!(percent(9_000, Lang::Id), "90,00%");
        assert_eq!(percent(5, Lang::En), "0.05%");
    }

    #[test]
    fn amounts_typed_at_the_counter() {
        assert_eq!(parse_amount("1.500.000", 0), Some(1_500_000));
        assert_eq!(parse_amount("Rp 1.500.000", 0), Some(1_500_000));
        assert_eq!(parse_amount("1500000", 0), Some(1_500_000));
        assert_eq!(parse_amount("1,234.56", 2), Some(123_456));
        assert_eq!(parse_amount("1.234,56", 2), Some(123_456));
        assert_eq!(parse_amount("12", 2), Some(1_200));
        assert_eq!(parse_amount("12.5", 2), Some(1_250));
        assert_eq!(
            parse_amount("1,500", 2),
            Some(150_000),
            "three digits after the mark: grouping"
        );
        assert_eq!(parse_amount("12.5", 3), Some(12_500), "grams to milligrams");
        assert_eq!(parse_amount("-5", 0), None);
        assert_eq!(parse_amount("abc", 0), None);
        assert_eq!(parse_amount("12.3.4", 0), None, "a slip, not 1234");
        assert_eq!(parse_amount("1.50.000", 0), None);
        assert_eq!(parse_amount("1234.567", 0), None);
        assert_eq!(parse_amount("", 0), None);
        assert_eq!(amount_field(123_456, 2), "1234.56");
        // Pre-filled amounts are grouped in the reader's style and read back either way.
        assert_eq!(amount_input(1_500_000, 0, Lang::Id), "1.500.000");
        assert_eq!(amount_input(1_500_000, 0, Lang::En), "1,500,000");
        assert_eq!(amount_input(123_456, 2, Lang::Id), "1.234,56");
        for lang in Lang::ALL {
            for (minor, exponent) in [(1_500_000, 0), (999, 0), (123_456, 2), (5, 2)] {
                let shown = amount_input(minor, exponent, lang);
                assert_eq!(parse_amount(&shown, exponent), Some(minor), "{shown}");
            }
        }
        assert_eq!(parse_amount("1 500 000", 0), Some(1_500_000));
        assert_eq!(parse_amount("1,500,000", 0), Some(1_500_000));
        assert_eq!(amount_field(1_500_000, 0), "1500000");
    }
}
