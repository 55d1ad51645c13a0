//! Static files from `assets/`, embedded in the binary so the box serves them with no files
//! to install and nothing fetched from the internet.
//!
//! Each file has an ETag (a hash of its content) and is linked as `/assets/NAME?v=ETAG`, so it
//! can be cached for a year: a new release changes the ETag and so the link.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use super::{Request, Response};
use crate::plumbing::paths;

/// One embedded file.
pub(crate) struct Asset {
    pub(crate) name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// Every embedded file.
static ASSETS: &[Asset] = &[
    Asset {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../../assets/style.css"),
    },
    Asset {
        name: "appraisal.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../assets/appraisal.js"),
    },
    Asset {
        name: "receipt.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../assets/receipt.js"),
    },
    Asset {
        name: "callcentre.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../assets/callcentre.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../../assets/favicon.svg"),
    },
];

/// The ETags of [`ASSETS`], computed once.
fn etags() -> &'static [String] {
    static ETAGS: OnceLock<Vec<String>> = OnceLock::new();
    ETAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let digest = Sha256::digest(a.bytes);
                digest[..8].iter().map(|b| format!("{b:02x}")).collect()
            })
            .collect()
    })
}

/// The cache-busting URL of an asset, for links in pages.
pub(crate) fn url(name: &str) -> String {
    match ASSETS.iter().position(|a| a.name == name) {
        Some(i) => format!("{}?v={}", paths::asset(name), etags()[i]),
        None => paths::asset(name),
    }
}

/// Serves an asset, or `None` when there is no such file.
pub(crate) fn serve(request: &Request, name: &str) -> Option<Response> {
    let i = ASSETS.iter().position(|a| a.name == name)?;
    let asset = &ASSETS[i];
    let etag = format!("\"{}\"", etags()[i]);
    let cache = (
        "Cache-Control",
        "public, max-age=31536000, immutable".to_owned(),
    );
    if request
        .header("if-none-match")
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Some(Response {
            status: 304,
            headers: vec![("ETag", etag), cache],
            body: super::Body::Static(b""),
        });
    }
    Some(Response {
        status: 200,
        headers: vec![
            ("Content-Type", asset.content_type.to_owned()),
            ("ETag", etag),
            cache,
        ],
        body: super::Body::Static(asset.bytes),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::http::Method;

    #[test]
    fn etag_and_not_modified() {
        let r = serve(
            &Request::fake(Method::Get, "/assets/style.css"),
            "style.css",
        )
        .unwrap();
        assert_eq!(r.status, 200);
        let etag = r
            .headers
            .iter()
            .find(|(n, _)| *n == "ETag")
            .unwrap()
            .1
            .clone();
        let mut again = Request::fake(Method::Get, "/assets/style.css");
        again.headers.push(("if-none-match".to_owned(), etag));
        assert_eq!(serve(&again, "style.css").unwrap().status, 304);
        assert!(serve(&again, "nope.css").is_none());
        assert!(url("style.css").starts_with("/assets/style.css?v="));
    }
}
