//! The HTTP/1.1 wire format, without sockets: parsing a request head (with `httparse`), the
//! body's framing, an incremental chunked-body decoder, and the one place responses are
//! serialised, which refuses any header carrying a control character.
//!
//! Kept apart from the event loop so each rule is a plain function with plain tests.

use crate::plumbing::clock::{Clock, SystemClock};
use std::net::IpAddr;

use super::{Method, Rejection, Request, Response, SECURITY_HEADERS, form};

/// Largest request head accepted (request line and headers); more is a malformed request.
pub(super) const MAX_HEAD_BYTES: usize = 32 * 1024;
/// Most headers in one request.
const MAX_HEADERS: usize = 64;
/// Largest chunk-size line or trailer line of a chunked body.
const MAX_CHUNK_LINE: usize = 4096;

/// A request head, parsed.
#[derive(Debug)]
pub(super) struct Head {
    pub(super) request: Request,
    /// The method as sent, for the access log.
    pub(super) method_name: String,
    /// How the body is delimited.
    pub(super) framing: Framing,
    /// The connection may carry another request after this one.
    pub(super) keep_alive: bool,
    /// The client waits for `100 Continue` before sending the body.
    pub(super) expects_continue: bool,
}

/// How a request body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// `Content-Length` bytes (0 when there is no body).
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// The result of trying to parse a head from the bytes received so far.
#[derive(Debug)]
pub(super) enum Parsed {
    /// Not all of the head has arrived.
    Partial,
    /// The head, and how many bytes of the input it took.
    Complete(Box<Head>, usize),
    /// The head cannot be used: answer with the rejection, the request (as far as it could be
    /// read) for its page, and close.
    Refused(Rejection, Box<Request>, String),
}

/// Parses a request head from the start of `input`.
pub(super) fn parse_head(
    input: &[u8],
    remote: Option<IpAddr>,
    max_body: &dyn Fn(&str) -> usize,
) -> Parsed {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut slots);
    let used = match parsed.parse(input) {
        Ok(httparse::Status::Complete(used)) => used,
        Ok(httparse::Status::Partial) if input.len() <= MAX_HEAD_BYTES => return Parsed::Partial,
        _ => return refused(Rejection::Malformed, bare_request(remote), "?"),
    };
    let method_name = parsed.method.unwrap_or("?").to_owned();
    let mut request = bare_request(remote);
    request.method = match method_name.as_str() {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        _ => Method::Other,
    };
    let target = parsed.path.unwrap_or("");
    let (raw_path, query) = target.split_once('?').unwrap_or((target, ""));
    request.query = query.to_owned();
    request.headers = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    match form::percent_decode(raw_path) {
        Ok(path) if path.starts_with('/') => request.path = path,
        _ => return refused(Rejection::Malformed, request, &method_name),
    }
    let framing = match framing(&request) {
        Ok(f) => f,
        Err(kind) => return refused(kind, request, &method_name),
    };
    if matches!(framing, Framing::Length(n) if n > max_body(&request.path)) {
        return refused(Rejection::TooLarge, request, &method_name);
    }
    let http_11 = parsed.version == Some(1);
    let keep_alive = http_11 && !has_token(&request, "connection", "close");
    let has_body = framing != Framing::Length(0);
    let expects_continue = http_11
        && has_body
        && request
            .header("expect")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"));
    let head = Head {
        request,
        method_name,
        framing,
        keep_alive,
        expects_continue,
    };
    Parsed::Complete(Box::new(head), used)
}

fn refused(kind: Rejection, request: Request, method_name: &str) -> Parsed {
    Parsed::Refused(kind, Box::new(request), method_name.to_owned())
}

/// A request with nothing read yet, for rejection pages.
fn bare_request(remote: Option<IpAddr>) -> Request {
    Request {
        method: Method::Other,
        path: "/".to_owned(),
        query: String::new(),
        headers: Vec::new(),
        body: Vec::new(),
        remote,
    }
}

/// Whether a comma-separated header contains `token` (case-insensitive).
fn has_token(request: &Request, name: &str, token: &str) -> bool {
    request
        .headers
        .iter()
        .filter(|(n, _)| n == name)
        .flat_map(|(_, v)| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// The body's framing. Both `Transfer-Encoding` and `Content-Length`, a coding other than
/// chunked, or differing lengths are refused: each is a way to smuggle a second request past a
/// proxy that reads the framing differently.
fn framing(request: &Request) -> Result<Framing, Rejection> {
    let lengths: Vec<&str> = request
        .headers
        .iter()
        .filter(|(n, _)| n == "content-length")
        .map(|(_, v)| v.trim())
        .collect();
    let chunked = request.header("transfer-encoding");
    match (chunked, lengths.first()) {
        (Some(_), Some(_)) => Err(Rejection::Malformed),
        (Some(coding), None) if coding.trim().eq_ignore_ascii_case("chunked") => {
            Ok(Framing::Chunked)
        }
        (Some(_), None) => Err(Rejection::Malformed),
        (None, None) => Ok(Framing::Length(0)),
        (None, Some(first)) => {
            if lengths.iter().any(|l| l != first) || !first.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Rejection::Malformed);
            }
            // A length too large for memory is too large for us.
            first
                .parse::<usize>()
                .map(Framing::Length)
                .map_err(|_| Rejection::TooLarge)
        }
    }
}

/// Where a chunked body's decoder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Chunked {
    /// Expecting a chunk-size line.
    Size,
    /// Inside a chunk, with this many bytes of it to come.
    Data(usize),
    /// Expecting the CRLF after a chunk's data.
    DataEnd,
    /// After the last (empty) chunk: trailer lines until an empty line.
    Trailer,
    /// The body is complete.
    Done,
}

/// What a decoding step found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Decoded {
    /// This many bytes of the input were used; more input is needed unless the state is Done.
    Used(usize),
    Refused(Rejection),
}

impl Chunked {
    /// Decodes as much of `input` as possible, appending data to `body` (refused past
    /// `max_body`).
    pub(super) fn decode(&mut self, input: &[u8], body: &mut Vec<u8>, max_body: usize) -> Decoded {
        let mut pos = 0;
        loop {
            let rest = &input[pos..];
            match *self {
                Chunked::Done => return Decoded::Used(pos),
                Chunked::Size => match httparse::parse_chunk_size(rest) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        pos += used;
                        let size = usize::try_from(size).unwrap_or(usize::MAX);
                        if size > max_body.saturating_sub(body.len()) {
                            return Decoded::Refused(Rejection::TooLarge);
                        }
                        *self = if size == 0 {
                            Chunked::Trailer
                        } else {
                            Chunked::Data(size)
                        };
                    }
                    Ok(httparse::Status::Partial) if rest.len() <= MAX_CHUNK_LINE => {
                        return Decoded::Used(pos);
                    }
                    _ => return Decoded::Refused(Rejection::Malformed),
                },
                Chunked::Data(remaining) => {
                    let take = remaining.min(rest.len());
                    if take == 0 {
                        return Decoded::Used(pos);
                    }
                    body.extend_from_slice(&rest[..take]);
                    pos += take;
                    *self = if take == remaining {
                        Chunked::DataEnd
                    } else {
                        Chunked::Data(remaining - take)
                    };
                }
                Chunked::DataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        pos += 2;
                        *self = Chunked::Size;
                    }
                    [] | [b'\r'] => return Decoded::Used(pos),
                    _ => return Decoded::Refused(Rejection::Malformed),
                },
                Chunked::Trailer => match rest.windows(2).position(|w| w == b"\r\n") {
                    Some(0) => {
                        pos += 2;
                        *self = Chunked::Done;
                    }
                    Some(end) => pos += end + 2,
                    None if rest.len() <= MAX_CHUNK_LINE => return Decoded::Used(pos),
                    None => return Decoded::Refused(Rejection::Malformed),
                },
            }
        }
    }
}

/// A header the application asked for that cannot be written safely.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct UnsafeHeader {
    /// The header's name, as the application gave it (may itself be the unsafe part).
    pub(super) name: String,
}

/// How a response is to be written.
#[derive(Debug, Clone, Copy)]
pub(super) struct Framed {
    /// The request was HEAD: headers only.
    pub(super) head_only: bool,
    /// The connection closes after this response.
    pub(super) close: bool,
}

/// Serialises a response with the security headers: the only place responses become bytes.
/// A header name that is not an HTTP token, or a value with a control character (C0, including
/// CR, LF and NUL, or DEL), is never written: the caller gets the offending header's name back.
pub(super) fn serialise(response: &Response, framed: Framed) -> Result<Vec<u8>, UnsafeHeader> {
    if let Some((name, _)) = response
        .headers
        .iter()
        .find(|(name, value)| !is_token(name) || value.bytes().any(is_control))
    {
        return Err(UnsafeHeader {
            name: (*name).to_owned(),
        });
    }
    let body = response.body_bytes();
    let mut out = Vec::with_capacity(512 + body.len());
    let status = response.status;
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason(status)).as_bytes());
    // The `Date` header is the wall clock by definition (RFC 9110), whatever a test's clock says.
    let date = Clock::now(&SystemClock).format("%a, %d %b %Y %H:%M:%S GMT");
    out.extend_from_slice(format!("Date: {date}\r\n").as_bytes());
    let headers = SECURITY_HEADERS
        .iter()
        .map(|(n, v)| (*n, *v))
        .chain(response.headers.iter().map(|(n, v)| (*n, v.as_str())));
    for (name, value) in headers {
        for part in [name, ": ", value, "\r\n"] {
            out.extend_from_slice(part.as_bytes());
        }
    }
    // 1xx, 204 and 304 have no body and no length of their own.
    let bodiless = status < 200 || status == 204 || status == 304;
    if !bodiless {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    if framed.close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !(bodiless || framed.head_only) {
        out.extend_from_slice(body);
    }
    Ok(out)
}

/// A control character: C0 (below space, tab included) or DEL.
fn is_control(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

/// An HTTP token (RFC 9110 `tchar`s), as a header name must be.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The reason phrase of the statuses the server uses.
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        303 => "See Other",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::plumbing::http::Body;

    fn complete(raw: &[u8]) -> (Head, usize) {
        match parse_head(raw, None, &|_| 100) {
            Parsed::Complete(head, used) => (*head, used),
            other => panic!("{other:?}"),
        }
    }

    fn refusal(raw: &[u8]) -> Rejection {
        match parse_head(raw, None, &|_| 100) {
            Parsed::Refused(kind, _, _) => kind,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn heads_are_parsed_with_framing_and_keep_alive() {
        let raw = b"POST /a%20b?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc";
        let (head, used) = complete(raw);
        assert_eq!(used, raw.len() - 3);
        assert_eq!(head.request.path, "/a b");
        assert_eq!(head.request.query, "x=1");
        assert_eq!(head.request.method, Method::Post);
        assert_eq!(head.framing, Framing::Length(3));
        assert!(head.keep_alive && head.expects_continue);
        let (head, _) = complete(b"GET / HTTP/1.0\r\n\r\n");
        assert!(!head.keep_alive);
        let (head, _) = complete(b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n");
        assert!(!head.keep_alive);
        assert!(matches!(
            parse_head(b"GET / HTTP/1.1\r\nHost", None, &|_| 100),
            Parsed::Partial
        ));
    }

    #[test]
    fn bad_heads_are_refused() {
        assert_eq!(
            refusal(b"GET /%ff%fe HTTP/1.1\r\n\r\n"),
            Rejection::Malformed
        );
        assert_eq!(
            refusal(b"GET nowhere HTTP/1.1\r\n\r\n"),
            Rejection::Malformed
        );
        assert_eq!(
            refusal(b"\x01\x02 / HTTP/1.1\r\n\r\n"),
            Rejection::Malformed
        );
        assert_eq!(
            refusal(b"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n"),
            Rejection::TooLarge
        );
        assert_eq!(
            refusal(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Rejection::Malformed
        );
        assert_eq!(
            refusal(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
            Rejection::Malformed
        );
        assert_eq!(
            refusal(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
            Rejection::Malformed
        );
        let huge = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX_HEAD_BYTES));
        assert_eq!(refusal(huge.as_bytes()), Rejection::Malformed);
    }

    #[test]
    fn chunked_bodies_decode_piece_by_piece() {
        let raw = b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        let mut state = Chunked::Size;
        let mut body = Vec::new();
        let mut pos = 0;
        // One byte at a time, as a slow client sends it.
        for end in 1..=raw.len() {
            match state.decode(&raw[pos..end], &mut body, 100) {
                Decoded::Used(n) => pos += n,
                Decoded::Refused(kind) => panic!("{kind:?}"),
            }
        }
        assert_eq!(state, Chunked::Done);
        assert_eq!(body, b"abcde");
        assert_eq!(&raw[pos..], b"NEXT");
        let mut state = Chunked::Size;
        assert_eq!(
            state.decode(b"ff\r\n", &mut Vec::new(), 100),
            Decoded::Refused(Rejection::TooLarge)
        );
        let mut state = Chunked::Size;
        assert_eq!(
            state.decode(b"zz\r\n", &mut Vec::new(), 100),
            Decoded::Refused(Rejection::Malformed)
        );
    }

    fn response(headers: Vec<(&'static str, String)>) -> Response {
        Response {
            status: 303,
            headers,
            body: Body::Static(b""),
        }
    }

    const KEEP: Framed = Framed {
        head_only: false,
        close: false,
    };

    #[test]
    fn a_header_with_a_control_character_is_never_written() {
        let injected = response(vec![(
            "Location",
            "/\r\nSet-Cookie: pb_staff=attacker".to_owned(),
        )]);
        assert_eq!(
            serialise(&injected, KEEP),
            Err(UnsafeHeader {
                name: "Location".to_owned()
            })
        );
        for bad in ["a\nb", "a\0b", "a\x7fb", "a\tb", "a\rb"] {
            assert!(serialise(&response(vec![("X-Test", bad.to_owned())]), KEEP).is_err());
        }
        assert!(serialise(&response(vec![("Bad Name", "v".to_owned())]), KEEP).is_err());
        assert!(serialise(&response(vec![("X:Y", "v".to_owned())]), KEEP).is_err());
        let fine = serialise(&response(vec![("Location", "/staff".to_owned())]), KEEP).unwrap();
        let text = String::from_utf8(fine).unwrap();
        assert!(text.starts_with("HTTP/1.1 303 See Other\r\n"), "{text}");
        assert!(text.contains("\r\nLocation: /staff\r\n"), "{text}");
        assert!(text.contains("\r\nX-Frame-Options: DENY\r\n"), "{text}");
        assert!(text.ends_with("Content-Length: 0\r\n\r\n"), "{text}");
    }

    #[test]
    fn head_responses_keep_the_length_and_drop_the_body() {
        let page = Response {
            status: 200,
            headers: Vec::new(),
            body: Body::Static(b"hello"),
        };
        let framed = Framed {
            head_only: true,
            close: true,
        };
        let text = String::from_utf8(serialise(&page, framed).unwrap()).unwrap();
        assert!(
            text.ends_with("Content-Length: 5\r\nConnection: close\r\n\r\n"),
            "{text}"
        );
    }
}
