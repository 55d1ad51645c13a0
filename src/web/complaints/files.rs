//! A complaint case's files (issue 14) on the pages: staff attach one on the case page (a
//! multipart form, the upload body limit), the case page lists them, and they are downloaded
//! by staff who may handle complaints, or by the customer on the portal for their own case
//! only. A download is always `Content-Disposition: attachment` with the stored (sniffed)
//! type and `nosniff`, so a browser never renders it as a page of this site.

use maud::{Markup, html};

use super::HANDLERS;
use crate::complaints::attachments::{self, Attachment, AttachmentError, Upload};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::multipart::{Multipart, Part};
use crate::plumbing::http::{Body, Response};
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{AttachmentId, ComplaintId, StaffId};
use crate::plumbing::paths::{self, ComplaintPart};
use crate::plumbing::ui::{self, FieldErrors};
use crate::web::Ctx;
use crate::web::portal::with_profile;

/// The file input's name on the staff's attach form.
pub(crate) const FIELD: &str = "file";
/// The optional photo's input on the portal's "open a case" form.
pub(crate) const PHOTO: &str = "photo";

/// The case page's files: the list, and the form to attach one while the case is not closed.
pub(crate) fn section(
    ctx: &Ctx,
    case: &ComplaintId,
    files: &[Attachment],
    open: bool,
    sent: &FieldErrors,
) -> Markup {
    let error = sent.error_for(FIELD);
    html! {
        section class="card" id="files" {
            h2 { (ctx.t(Msg::ComplaintFiles)) }
            @if files.is_empty() { p class="muted" { (ctx.t(Msg::ComplaintNoFiles)) } }
            ul { @for f in files {
                li { a href=(paths::complaint_attachment(case, &f.id)) { (f.file_name) }
                    " · " (f.content_type) " · " (f.size_bytes) " B · " (ctx.datetime(f.at)) }
            } }
            @if open {
                form method="post" enctype="multipart/form-data" action=(paths::complaint_part(case, ComplaintPart::Attach)) class="stack" {
                    (ui::csrf_input(&ctx.csrf()))
                    div class={ "field" @if error.is_some() { " invalid" } } {
                        label for=(FIELD) { (ctx.t(Msg::ComplaintAttachLabel)) }
                        (ui::field_error(error))
                        input type="file" id=(FIELD) name=(FIELD) accept="image/jpeg,image/png,application/pdf" required
                            aria-invalid=[error.map(|_| "true")];
                    }
                    div { button type="submit" class="secondary" { (ctx.t(Msg::ComplaintAttach)) } }
                }
            }
        }
    }
}

/// The message beside the file field for a refused file; `None`: not the file's fault.
pub(crate) fn refusal(e: &AttachmentError) -> Option<Msg> {
    match e {
        AttachmentError::Empty => Some(Msg::ComplaintFileEmpty),
        AttachmentError::TooLarge { .. } => Some(Msg::ComplaintFileTooLarge),
        AttachmentError::Type => Some(Msg::ComplaintFileType),
        AttachmentError::Io(_) | AttachmentError::Db(_) => None,
    }
}

/// Attaches the form's file to the case in one transaction with its timeline event; a
/// refused file is `Ok(Err(msg))` and nothing is stored.
pub(crate) fn attach(
    ctx: &Ctx,
    case: &ComplaintId,
    staff: Option<&StaffId>,
) -> Result<Result<(), Msg>, AppError> {
    let multipart = ctx.req.multipart()?;
    let Some(part) = multipart.file(FIELD) else {
        return Ok(Err(Msg::ComplaintFileEmpty));
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let attached = attach_in(ctx, &tx, case, part, staff)?;
    if attached.is_ok() {
        tx.commit()?;
    }
    Ok(attached)
}

/// Attaches a file part inside the caller's transaction (the caller commits, or drops it on
/// a refusal so nothing is stored).
pub(crate) fn attach_in(
    ctx: &Ctx,
    tx: &rusqlite::Transaction,
    case: &ComplaintId,
    part: &Part,
    staff: Option<&StaffId>,
) -> Result<Result<(), Msg>, AppError> {
    let upload = Upload {
        file_name: part.filename.as_deref().unwrap_or(""),
        bytes: &part.body,
    };
    let max = ctx.app.config.complaints.attachment_max_bytes as usize;
    let data_dir = ctx.app.config.data_dir();
    match attachments::attach_to_case(tx, &data_dir, case, upload, max, staff, ctx.now) {
        Ok(_) => Ok(Ok(())),
        Err(e) => match refusal(&e) {
            Some(msg) => Ok(Err(msg)),
            None => Err(AppError::Internal(e.to_string())),
        },
    }
}

/// The request's multipart form, if it is one (the portal's form works without a photo).
pub(crate) fn multipart_of(ctx: &Ctx) -> Result<Option<Multipart>, AppError> {
    let ct = ctx.req.header("content-type").unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim();
    if mime.eq_ignore_ascii_case("multipart/form-data") {
        Ok(Some(ctx.req.multipart()?))
    } else {
        Ok(None)
    }
}

/// GET /staff/complaints/{case}/files/{file}: for staff who handle complaints.
pub(crate) fn staff_download(
    ctx: &Ctx,
    case: ComplaintId,
    file: AttachmentId,
) -> Result<Response, AppError> {
    ctx.require_any(&HANDLERS)?;
    download(ctx, &case, &file)
}

/// GET /my/complaints/{case}/files/{file}: the customer's own case only (404 otherwise).
pub(crate) fn portal_download(
    ctx: &Ctx,
    case: ComplaintId,
    file: AttachmentId,
) -> Result<Response, AppError> {
    let customer = with_profile(ctx)?;
    crate::portal::own_case(&*ctx.app.db.conn()?, &customer.id, &case)?;
    download(ctx, &case, &file)
}

/// The file's bytes, if it belongs to `case`.
fn download(ctx: &Ctx, case: &ComplaintId, file: &AttachmentId) -> Result<Response, AppError> {
    let found = attachments::get(&*ctx.app.db.conn()?, file)?
        .filter(|a| &a.complaint == case)
        .ok_or(AppError::NotFound)?;
    let path = attachments::file_path(&ctx.app.config.data_dir(), &found.id);
    let bytes = std::fs::read(&path).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Response {
        status: 200,
        headers: vec![
            ("Content-Type", found.content_type.clone()),
            ("Content-Disposition", disposition(&found.file_name)),
            ("X-Content-Type-Options", "nosniff".to_owned()),
            ("Cache-Control", "private, no-store".to_owned()),
        ],
        body: Body::Bytes(bytes),
    })
}

/// `attachment; filename="…"` with only printable ASCII other than `"` and `\` kept (others
/// become `_`), so the header never carries a control character or breaks its quoting.
fn disposition(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    format!("attachment; filename=\"{safe}\"")
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn the_file_name_in_the_header_has_no_control_characters_or_quotes() {
        assert_eq!(
            disposition("a\"b\r\nSet-Cookie: x\\.pdf"),
            "attachment; filename=\"a_b__Set-Cookie: x_.pdf\""
        );
        assert_eq!(
            disposition("bukti é.png"),
            "attachment; filename=\"bukti _.png\""
        );
    }
}
