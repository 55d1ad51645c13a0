//! Parsing of `application/x-www-form-urlencoded` forms, query strings, percent-encoded paths
//! and `Cookie` headers: the one place that decodes what a browser sends.
//!
//! Decoding is strict: a bad percent escape, bytes that are not UTF-8, or a control character
//! (NUL, ESC, BEL, DEL, ...; tab and line breaks are text) are an error with a reason (answered
//! as 400), never replaced silently, so a mangled name or amount is not saved. Every form, query
//! string and path goes through this one check.

use std::fmt;

/// A parsed form: its fields in the order sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Form {
    fields: Vec<(String, String)>,
}

/// Why a form could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormError {
    /// A `%` not followed by two hexadecimal digits.
    BadEscape,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
    /// The body is not a urlencoded form.
    ContentType(String),
    /// A decoded value holds a control character other than tab, CR or LF.
    Control,
    /// A `multipart/form-data` body that could not be read.
    Multipart(Box<super::multipart::MultipartError>),
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::BadEscape => f.write_str("malformed percent-encoding"),
            FormError::NotUtf8 => f.write_str("text is not valid UTF-8"),
            FormError::Control => f.write_str("text contains a control character"),
            FormError::Multipart(e) => write!(f, "{e}"),
            FormError::ContentType(t) if t.is_empty() => {
                f.write_str("missing content type; expected a form")
            }
            FormError::ContentType(t) => write!(
                f,
                "content type {t} is not application/x-www-form-urlencoded"
            ),
        }
    }
}

impl std::error::Error for FormError {}

impl Form {
    /// A form with no fields.
    pub(crate) const EMPTY: Form = Form { fields: Vec::new() };

    /// Parses `a=1&b=two+words`.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Form, FormError> {
        let mut fields = Vec::new();
        for pair in bytes.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            fields.push((decode(name, true)?, decode(value, true)?));
        }
        Ok(Form { fields })
    }

    /// A form from fields already decoded and checked (multipart text parts).
    pub(crate) fn from_fields(fields: Vec<(String, String)>) -> Form {
        Form { fields }
    }

    /// The first value of a field, if sent.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a field, trimmed; empty when not sent.
    pub(crate) fn text(&self, name: &str) -> &str {
        self.get(name).map_or("", str::trim)
    }
}

/// Percent-decodes a path (where `+` is a plus sign).
pub(crate) fn percent_decode(text: &str) -> Result<String, FormError> {
    decode(text.as_bytes(), false)
}

/// Percent-encodes a value for a query string or a `next=` parameter.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes percent escapes, and `+` as a space in forms.
fn decode(bytes: &[u8], plus_is_space: bool) -> Result<String, FormError> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(FormError::BadEscape)?;
                let hi = hex_value(hex[0]).ok_or(FormError::BadEscape)?;
                let lo = hex_value(hex[1]).ok_or(FormError::BadEscape)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    let text = String::from_utf8(out).map_err(|_| FormError::NotUtf8)?;
    check_text(&text)?;
    Ok(text)
}

/// Refuses text holding a control character other than tab and line breaks.
pub(super) fn check_text(text: &str) -> Result<(), FormError> {
    if text.chars().any(is_forbidden_control) {
        return Err(FormError::Control);
    }
    Ok(())
}

/// A control character no text field may hold: every one but tab and line breaks, which
/// multi-line fields (notes, addresses, pasted statements) need.
fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The value of one hexadecimal digit.
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Finds a cookie's value in a `Cookie` header.
pub(crate) fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|part| {
        let (n, v) = part.trim().split_once('=')?;
        (n == name).then(|| v.trim_matches('"'))
    })
}

/// Builds a `Set-Cookie` value: HttpOnly, the given SameSite, Path=/, and Secure when asked.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    same_site: &str,
    secure: bool,
    max_age: Option<i64>,
) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn forms() {
        let f = Form::parse(b"name=Siti+Rahma&phone=%2B62+812&empty=&flag").unwrap();
        assert_eq!(f.get("name"), Some("Siti Rahma"));
        assert_eq!(f.get("phone"), Some("+62 812"));
        assert_eq!(f.get("empty"), Some(""));
        assert_eq!(f.get("flag"), Some(""));
        assert_eq!(f.get("missing"), None);
        assert_eq!(Form::parse(b"a=%E2%82%AC").unwrap().get("a"), Some("€"));
    }

    #[test]
    fn bad_forms_are_errors() {
        assert_eq!(Form::parse(b"a=%zz"), Err(FormError::BadEscape));
        assert_eq!(Form::parse(b"a=%4"), Err(FormError::BadEscape));
        assert_eq!(Form::parse(b"a=%ff%fe"), Err(FormError::NotUtf8));
        assert_eq!(Form::parse(&[b'a', b'=', 0xff]), Err(FormError::NotUtf8));
        for bad in ["%00", "%1B%5B31m", "%07", "%7F", "%C2%85", "%C2%9B"] {
            let body = format!("name=Budi{bad}");
            assert_eq!(
                Form::parse(body.as_bytes()),
                Err(FormError::Control),
                "{bad}"
            );
        }
        assert_eq!(
            percent_decode("/staff/customers/%00"),
            Err(FormError::Control)
        );
    }

    #[test]
    fn tabs_and_line_breaks_are_text() {
        let f = Form::parse(b"note=one%0D%0Atwo%09three%0Afour").unwrap();
        assert_eq!(f.get("note"), Some("one\r\ntwo\tthree\nfour"));
    }

    #[test]
    fn paths_keep_plus() {
        assert_eq!(percent_decode("/a+b/%20c").unwrap(), "/a+b/ c");
        assert_eq!(percent_encode("/staff?x=1 2"), "/staff%3Fx%3D1%202");
    }

    #[test]
    fn cookies() {
        let h = "a=1; pb_staff=abc; lang=id";
        assert_eq!(cookie(h, "pb_staff"), Some("abc"));
        assert_eq!(cookie(h, "lang"), Some("id"));
        assert_eq!(cookie(h, "nope"), None);
        assert_eq!(
            set_cookie("s", "v", "Strict", true, Some(0)),
            "s=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
        );
    }
}
