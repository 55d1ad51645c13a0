//! A small, strict `multipart/form-data` parser (RFC 7578, delimiters from RFC 2046) for the
//! few forms that upload a file (complaint attachments).
//!
//! The whole body is already in memory, bounded by the route's body limit, so parsing is one
//! pass over a byte slice: no streaming, no temporary files. It is strict on purpose: the
//! boundary must be a valid RFC 2046 boundary, the body must start with the first delimiter and
//! end with the close delimiter (an optional CRLF after it, nothing else), every part must carry
//! exactly one `Content-Disposition: form-data` with a `name`, header lines are UTF-8 without
//! control characters, and the number of parts and the size of each header block are bounded.
//! Anything else is a [`MultipartError`] (answered as 400); nothing here panics or allocates
//! more than the body's size. Quoted parameter values are read up to the next `"` with no
//! backslash escapes, as the HTML standard's encoder writes them (`"` sent as `%22`).
//!
//! Text parts become a [`Form`] through the same control-character check as urlencoded forms,
//! so CSRF tokens and fields are read exactly as in any other form.

use super::form::{self, Form};

/// At most this many parts in one form (a few fields and one file).
const MAX_PARTS: usize = 32;
/// At most this many bytes in one part's header block.
const MAX_HEADER_BYTES: usize = 2048;
/// RFC 2046: a boundary is 1 to 70 characters.
const MAX_BOUNDARY: usize = 70;

/// Why a multipart body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MultipartError {
    #[error("content type is not multipart/form-data")]
    ContentType,
    #[error("multipart boundary is missing or invalid")]
    Boundary,
    #[error("multipart body does not start with its boundary")]
    NoOpening,
    #[error("multipart body has no closing boundary")]
    NoClosing,
    #[error("multipart body has data after its closing boundary")]
    Trailing,
    #[error("multipart delimiter is not followed by a line break")]
    Delimiter,
    #[error("multipart part headers are malformed")]
    Headers,
    #[error("multipart part headers are too long")]
    HeadersTooLong,
    #[error("multipart part has no form-data name")]
    Disposition,
    #[error("multipart form has too many parts")]
    TooManyParts,
    #[error("multipart text field: {0}")]
    Text(form::FormError),
}

/// One part of a form: a field, or a file when it has a file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub(crate) name: String,
    /// The file name as sent (may hold a path; callers keep only what they need).
    pub(crate) filename: Option<String>,
    /// The type the client claims (never trusted for files: sniff the bytes).
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl Part {
    /// A file input left empty: browsers send `filename=""` and no bytes.
    pub(crate) fn is_empty_file(&self) -> bool {
        self.filename.as_deref() == Some("") && self.body.is_empty()
    }
}

/// A parsed multipart form: its parts in the order sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Multipart {
    parts: Vec<Part>,
}

impl Multipart {
    /// Parses `body` sent with the given `Content-Type` header.
    pub(crate) fn parse(content_type: &str, body: &[u8]) -> Result<Multipart, MultipartError> {
        let boundary = boundary(content_type)?;
        let parts = split_parts(body, boundary.as_bytes())?
            .into_iter()
            .map(parse_part)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Multipart { parts })
    }

    /// The text fields (parts without a file name) as a form, checked like any form.
    pub(crate) fn fields(&self) -> Result<Form, MultipartError> {
        let mut fields = Vec::new();
        for part in self.parts.iter().filter(|p| p.filename.is_none()) {
            let value = String::from_utf8(part.body.clone())
                .map_err(|_| MultipartError::Text(form::FormError::NotUtf8))?;
            form::check_text(&value).map_err(MultipartError::Text)?;
            fields.push((part.name.clone(), value));
        }
        Ok(Form::from_fields(fields))
    }

    /// The first file part of that name that is not an empty file input.
    pub(crate) fn file(&self, name: &str) -> Option<&Part> {
        self.parts
            .iter()
            .find(|p| p.name == name && p.filename.is_some() && !p.is_empty_file())
    }

    /// Every part, in order.
    #[cfg(test)]
    pub(crate) fn parts(&self) -> &[Part] {
        &self.parts
    }
}

/// The boundary parameter of a `multipart/form-data` content type, validated per RFC 2046.
fn boundary(content_type: &str) -> Result<String, MultipartError> {
    let pieces = split_params(content_type).ok_or(MultipartError::Boundary)?;
    let mut pieces = pieces.into_iter();
    let media = pieces.next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::ContentType);
    }
    let mut found = None;
    for piece in pieces {
        let (key, value) = piece.split_once('=').ok_or(MultipartError::Boundary)?;
        if key.trim().eq_ignore_ascii_case("boundary") {
            if found.is_some() {
                return Err(MultipartError::Boundary);
            }
            found = Some(unquote(value.trim()).ok_or(MultipartError::Boundary)?);
        }
    }
    let b = found.ok_or(MultipartError::Boundary)?;
    let valid = (1..=MAX_BOUNDARY).contains(&b.len())
        && !b.ends_with(' ')
        && b.bytes().all(is_boundary_char);
    if valid {
        Ok(b.to_owned())
    } else {
        Err(MultipartError::Boundary)
    }
}

/// RFC 2046 `bchars`.
fn is_boundary_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&b)
}

/// Splits `a; b="x;y"; c` at the semicolons outside double quotes; `None` for an unclosed quote.
fn split_params(value: &str) -> Option<Vec<&str>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                pieces.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&value[start..]);
    (!quoted).then_some(pieces)
}

/// A parameter value, bare or in double quotes (no escapes inside).
fn unquote(value: &str) -> Option<&str> {
    match value.strip_prefix('"') {
        Some(rest) => {
            let inner = rest.strip_suffix('"')?;
            (!inner.contains('"')).then_some(inner)
        }
        None => (!value.contains('"')).then_some(value),
    }
}

/// Splits the body into each part's raw bytes (headers and content) between delimiters.
fn split_parts<'a>(body: &'a [u8], boundary: &[u8]) -> Result<Vec<&'a [u8]>, MultipartError> {
    let mut dash = Vec::with_capacity(boundary.len() + 2);
    dash.extend_from_slice(b"--");
    dash.extend_from_slice(boundary);
    let mut delimiter = Vec::with_capacity(dash.len() + 2);
    delimiter.extend_from_slice(b"\r\n");
    delimiter.extend_from_slice(&dash);

    let mut rest = body
        .strip_prefix(dash.as_slice())
        .ok_or(MultipartError::NoOpening)?;
    let mut parts = Vec::new();
    loop {
        if let Some(after) = rest.strip_prefix(b"--") {
            return match after {
                b"" | b"\r\n" => Ok(parts),
                _ => Err(MultipartError::Trailing),
            };
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or(MultipartError::Delimiter)?;
        if parts.len() == MAX_PARTS {
            return Err(MultipartError::TooManyParts);
        }
        let end = find(rest, &delimiter).ok_or(MultipartError::NoClosing)?;
        parts.push(&rest[..end]);
        rest = &rest[end + delimiter.len()..];
    }
}

/// The first position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(i) = haystack.get(from..)?.iter().position(|&b| b == first) {
        let at = from + i;
        if haystack.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// One part's raw bytes: a header block, a blank line, the content.
fn parse_part(raw: &[u8]) -> Result<Part, MultipartError> {
    let split = find(raw, b"\r\n\r\n");
    let (head, body) = match split {
        Some(i) if i <= MAX_HEADER_BYTES => (&raw[..i], &raw[i + 4..]),
        Some(_) => return Err(MultipartError::HeadersTooLong),
        None if raw.len() > MAX_HEADER_BYTES => return Err(MultipartError::HeadersTooLong),
        None => return Err(MultipartError::Headers),
    };
    let head = std::str::from_utf8(head).map_err(|_| MultipartError::Headers)?;
    let mut disposition = None;
    let mut content_type = None;
    for line in head.split("\r\n") {
        if line.chars().any(|c| c.is_control() && c != '\t') {
            return Err(MultipartError::Headers);
        }
        let (key, value) = line.split_once(':').ok_or(MultipartError::Headers)?;
        let slot = if key.eq_ignore_ascii_case("content-disposition") {
            &mut disposition
        } else if key.eq_ignore_ascii_case("content-type") {
            &mut content_type
        } else {
            continue;
        };
        if slot.replace(value.trim()).is_some() {
            return Err(MultipartError::Headers);
        }
    }
    let (name, filename) = parse_disposition(disposition.ok_or(MultipartError::Disposition)?)?;
    Ok(Part {
        name,
        filename,
        content_type: content_type.map(str::to_owned),
        body: body.to_vec(),
    })
}

/// `form-data; name="x"; filename="y"`: the name (required) and the file name.
fn parse_disposition(value: &str) -> Result<(String, Option<String>), MultipartError> {
    let pieces = split_params(value).ok_or(MultipartError::Headers)?;
    let mut pieces = pieces.into_iter();
    let kind = pieces.next().unwrap_or("").trim();
    if !kind.eq_ignore_ascii_case("form-data") {
        return Err(MultipartError::Disposition);
    }
    let mut name = None;
    let mut filename = None;
    for piece in pieces {
        let (key, raw) = piece.split_once('=').ok_or(MultipartError::Headers)?;
        let value = unquote(raw.trim()).ok_or(MultipartError::Headers)?;
        let slot = match key.trim().to_ascii_lowercase().as_str() {
            "name" => &mut name,
            "filename" => &mut filename,
            _ => continue,
        };
        if slot.replace(value.to_owned()).is_some() {
            return Err(MultipartError::Headers);
        }
    }
    match name {
        Some(n) if !n.is_empty() => Ok((n, filename)),
        _ => Err(MultipartError::Disposition),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const CT: &str = "multipart/form-data; boundary=----pbX7";

    fn body(parts: &[&str]) -> Vec<u8> {
        let mut out = String::new();
        for p in parts {
            out.push_str("------pbX7\r\n");
            out.push_str(p);
            out.push_str("\r\n");
        }
        out.push_str("------pbX7--\r\n");
        out.into_bytes()
    }

    #[test]
    fn fields_and_a_file() {
        let b = body(&[
            "Content-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123",
            "Content-Disposition: form-data; name=\"note\"\r\n\r\nline one\r\nline two",
            "Content-Disposition: form-data; name=\"file\"; filename=\"receipt; May.png\"\r\n\
             Content-Type: image/png\r\n\r\nPNG\r\n--not-a-boundary",
        ]);
        let m = Multipart::parse(CT, &b).unwrap();
        let f = m.fields().unwrap();
        assert_eq!(f.get("csrf"), Some("tok123"));
        assert_eq!(f.get("note"), Some("line one\r\nline two"));
        let file = m.file("file").unwrap();
        assert_eq!(file.filename.as_deref(), Some("receipt; May.png"));
        assert_eq!(file.content_type.as_deref(), Some("image/png"));
        assert_eq!(file.body, b"PNG\r\n--not-a-boundary");
        assert_eq!(m.parts().len(), 3);
    }

    #[test]
    fn binary_content_is_kept_byte_for_byte() {
        let mut b =
            b"------pbX7\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n"
                .to_vec();
        let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        b.extend_from_slice(&bytes);
        b.extend_from_slice(b"\r\n------pbX7--");
        let m = Multipart::parse(CT, &b).unwrap();
        assert_eq!(m.file("f").unwrap().body, bytes);
    }

    #[test]
    fn an_empty_file_input_is_no_file() {
        let b = body(&[
            "Content-Disposition: form-data; name=\"photo\"; filename=\"\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n",
        ]);
        let m = Multipart::parse(CT, &b).unwrap();
        assert!(m.file("photo").is_none());
        assert!(m.parts()[0].is_empty_file());
    }

    #[test]
    fn boundaries() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b'c\"").unwrap(),
            "a b'c"
        );
        assert_eq!(boundary("Multipart/Form-Data;BOUNDARY=xyz").unwrap(), "xyz");
        let bad = [
            "application/x-www-form-urlencoded",
            "multipart/mixed; boundary=x",
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=\"\"",
            "multipart/form-data; boundary=\"abc",
            "multipart/form-data; boundary=a\"b",
            "multipart/form-data; boundary=\"ends \"",
            "multipart/form-data; boundary=bad\r\nx",
            "multipart/form-data; boundary=x; boundary=y",
            "multipart/form-data; junk",
        ];
        for ct in bad {
            assert!(boundary(ct).is_err(), "{ct:?}");
        }
        let long = format!("multipart/form-data; boundary={}", "a".repeat(71));
        assert_eq!(boundary(&long), Err(MultipartError::Boundary));
        let max = format!("multipart/form-data; boundary={}", "a".repeat(70));
        assert!(boundary(&max).is_ok());
    }

    #[test]
    fn malformed_bodies_are_typed_errors() {
        let ok_part = "Content-Disposition: form-data; name=\"a\"\r\n\r\n1";
        let cases: Vec<(Vec<u8>, MultipartError)> = vec![
            (b"".to_vec(), MultipartError::NoOpening),
            (
                b"preamble\r\n------pbX7--".to_vec(),
                MultipartError::NoOpening,
            ),
            (b"------pbX7".to_vec(), MultipartError::Delimiter),
            (b"------pbX7junk\r\n".to_vec(), MultipartError::Delimiter),
            (
                format!("------pbX7\r\n{ok_part}").into_bytes(),
                MultipartError::NoClosing,
            ),
            (
                format!("------pbX7\r\n{ok_part}\r\n------pbX7--extra").into_bytes(),
                MultipartError::Trailing,
            ),
            (
                b"------pbX7\r\nContent-Disposition: form-data; name=\"a\"\r\n------pbX7--"
                    .to_vec(),
                MultipartError::Headers,
            ),
            (body(&["\r\nno headers"]), MultipartError::Headers),
            (
                body(&["Content-Type: text/plain\r\n\r\nx"]),
                MultipartError::Disposition,
            ),
            (
                body(&["Content-Disposition: attachment; name=\"a\"\r\n\r\nx"]),
                MultipartError::Disposition,
            ),
            (
                body(&["Content-Disposition: form-data; name=\"\"\r\n\r\nx"]),
                MultipartError::Disposition,
            ),
            (
                body(&["Content-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\nx"]),
                MultipartError::Headers,
            ),
            (
                body(&["Content-Disposition: form-data; name=\"a\"\r\n\
                        Content-Disposition: form-data; name=\"b\"\r\n\r\nx"]),
                MultipartError::Headers,
            ),
            (
                body(&["Content-Disposition: form-data; name=\"a\x1b[31m\"\r\n\r\nx"]),
                MultipartError::Headers,
            ),
            (
                body(&["Content-Disposition: form-data; name=\"a\nb\"\r\n\r\nx"]),
                MultipartError::Headers,
            ),
            (
                body(&["Content-Disposition: form-data; name=\"a\"x\"\r\n\r\nx"]),
                MultipartError::Headers,
            ),
            (body(&["no colon here\r\n\r\nx"]), MultipartError::Headers),
        ];
        for (input, want) in cases {
            assert_eq!(
                Multipart::parse(CT, &input),
                Err(want.clone()),
                "{:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }

    #[test]
    fn non_utf8_headers_and_bad_text_fields_are_refused() {
        let mut b = b"------pbX7\r\nContent-Disposition: form-data; name=\"".to_vec();
        b.extend_from_slice(&[0xff, 0xfe]);
        b.extend_from_slice(b"\"\r\n\r\nx\r\n------pbX7--");
        assert_eq!(Multipart::parse(CT, &b), Err(MultipartError::Headers));

        let nul = body(&["Content-Disposition: form-data; name=\"a\"\r\n\r\nBudi\0"]);
        let m = Multipart::parse(CT, &nul).unwrap();
        assert_eq!(
            m.fields(),
            Err(MultipartError::Text(form::FormError::Control))
        );
        let mut bin = b"------pbX7\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n".to_vec();
        bin.extend_from_slice(&[0xc3, 0x28]);
        bin.extend_from_slice(b"\r\n------pbX7--");
        let m = Multipart::parse(CT, &bin).unwrap();
        assert_eq!(
            m.fields(),
            Err(MultipartError::Text(form::FormError::NotUtf8))
        );
    }

    #[test]
    fn hostile_inputs_are_bounded() {
        let part = "Content-Disposition: form-data; name=\"a\"\r\n\r\n1";
        let many: Vec<&str> = std::iter::repeat_n(part, MAX_PARTS + 1).collect();
        assert_eq!(
            Multipart::parse(CT, &body(&many)),
            Err(MultipartError::TooManyParts)
        );
        let most: Vec<&str> = std::iter::repeat_n(part, MAX_PARTS).collect();
        assert_eq!(
            Multipart::parse(CT, &body(&most)).unwrap().parts().len(),
            MAX_PARTS
        );

        let long = format!(
            "Content-Disposition: form-data; name=\"a\"\r\nX-Pad: {}\r\n\r\n1",
            "p".repeat(MAX_HEADER_BYTES)
        );
        assert_eq!(
            Multipart::parse(CT, &body(&[&long])),
            Err(MultipartError::HeadersTooLong)
        );
        let endless = format!("------pbX7\r\nX: {}", "p".repeat(MAX_HEADER_BYTES * 2));
        assert_eq!(
            Multipart::parse(CT, endless.as_bytes()),
            Err(MultipartError::NoClosing)
        );
        // Many near-boundaries: still linear, still a clean error.
        let mut near = b"------pbX7\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n".to_vec();
        for _ in 0..20_000 {
            near.extend_from_slice(b"\r\n------pbX");
        }
        assert_eq!(Multipart::parse(CT, &near), Err(MultipartError::NoClosing));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let full = body(&[
            "Content-Disposition: form-data; name=\"csrf\"\r\n\r\ntok",
            "Content-Disposition: form-data; name=\"f\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4",
        ]);
        for n in 0..full.len() - 2 {
            assert!(Multipart::parse(CT, &full[..n]).is_err(), "length {n}");
        }
        assert!(Multipart::parse(CT, &full).is_ok());
    }

    /// The CSRF check reads `ctx.form()`, so a multipart form's text parts must be its form.
    #[test]
    fn a_request_form_reads_multipart_text_parts() {
        let mut req = super::super::Request::fake(super::super::Method::Post, "/x");
        req.headers.push(("content-type".to_owned(), CT.to_owned()));
        req.body = body(&[
            "Content-Disposition: form-data; name=\"csrf\"\r\n\r\ntok",
            "Content-Disposition: form-data; name=\"f\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4",
        ]);
        let form = req.form().unwrap();
        assert_eq!(form.get("csrf"), Some("tok"));
        assert_eq!(form.get("f"), None, "files are not text fields");
        assert!(req.multipart().unwrap().file("f").is_some());
        req.body = b"------pbX7\r\nbroken".to_vec();
        let e = req.form().unwrap_err();
        assert_eq!(
            e,
            form::FormError::Multipart(Box::new(MultipartError::NoClosing))
        );
    }
}
