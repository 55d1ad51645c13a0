//! The SMS page's modem panels (one per attached modem: state, operator, signal, network,
//! last error, SIM balance with its "Check balance" button, and today's messages, parts and
//! cost) and the dashboard's low-balance warning.

use maud::{Markup, html};
use rusqlite::Connection;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::plumbing::ui;
use crate::sms::{LinkState, SmsModem, usage};
use crate::web::Ctx;

/// Signal strength in words, from `AT+CSQ`.
fn signal_words(ctx: &Ctx, signal: Option<u8>) -> String {
    match signal {
        None | Some(99) => ctx.t(Msg::SmsUnknown).to_owned(),
        Some(rssi) => {
            let dbm = -113 + 2 * i32::from(rssi);
            format!("{rssi}/31 ({dbm} dBm)")
        }
    }
}

/// Every modem's panel, in configured order, with the warnings of the first (no modem, log
/// only) above them.
pub(crate) fn panels(ctx: &Ctx, conn: &Connection) -> Result<Markup, AppError> {
    let sms = &ctx.app.sms;
    let first = sms.first().map(|m| m.sender.link().state);
    let mut drawn = Vec::with_capacity(sms.modems.len());
    for modem in &sms.modems {
        drawn.push(panel(ctx, conn, modem)?);
    }
    Ok(html! {
        @match first {
            Some(LinkState::NotConfigured) => p class="warning" { (ctx.t(Msg::SmsNoModemWarning)) },
            Some(LinkState::LogOnly) => p class="warning" { (ctx.t(Msg::SmsLogOnlyWarning)) },
            _ => {},
        }
        @for panel in drawn { (panel) }
    })
}

/// One modem's panel.
fn panel(ctx: &Ctx, conn: &Connection, modem: &SmsModem) -> Result<Markup, AppError> {
    let link = modem.sender.link();
    let info = modem.info();
    let registration = match info.registration {
        Some(1) => ctx.t(Msg::SmsRegisteredHome),
        Some(5) => ctx.t(Msg::SmsRegisteredRoaming),
        Some(2) => ctx.t(Msg::SmsSearching),
        Some(3) => ctx.t(Msg::SmsDenied),
        _ => ctx.t(Msg::SmsUnknown),
    };
    let today = usage::day(
        conn,
        &modem.name,
        usage::day_of(ctx.now, ctx.app.sms.utc_offset),
    )?;
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let counts = ctx.lang.fill(
        Msg::SmsTodayCounts,
        &[
            ("messages", &today.messages.to_string()),
            ("parts", &today.parts.to_string()),
            ("cost", &money(today.cost)),
        ],
    );
    let balance = balance_words(ctx, usage::balance(conn, &modem.name)?.as_ref());
    let csrf = ctx.csrf();
    Ok(html! {
        section class="card" data-modem=(modem.name) {
            h2 { (ctx.t(Msg::SmsModem)) " " (modem.name) }
            dl {
                dt { (ctx.t(Msg::Status)) } dd { (ctx.t(link.state.label())) " · " (ctx.lang.fill(Msg::SmsSince, &[("when", &ctx.datetime(link.since))])) }
                dt { (ctx.t(Msg::SmsOperator)) } dd { @if info.operator.is_empty() { (ctx.t(Msg::SmsUnknown)) } @else { (info.operator) } }
                dt { (ctx.t(Msg::SmsSignal)) } dd { (signal_words(ctx, info.signal)) }
                dt { (ctx.t(Msg::SmsRegistration)) } dd { (registration) }
                dt { (ctx.t(Msg::SmsLastError)) } dd { (link.last_error.as_deref().unwrap_or("—")) }
                dt { (ctx.t(Msg::SmsBalance)) } dd { (balance) }
                dt { (ctx.t(Msg::SmsToday)) } dd { (counts) }
            }
            @if modem.credit.ussd.is_empty() {
                p { (ctx.t(Msg::SmsNoBalanceCode)) }
            } @else {
                form method="post" action=(paths::SMS_BALANCE) {
                    (ui::csrf_input(&csrf))
                    input type="hidden" name="modem" value=(modem.name);
                    button type="submit" { (ctx.t(Msg::SmsCheckBalance)) }
                }
            }
        }
    })
}

/// The last balance check in words.
fn balance_words(ctx: &Ctx, balance: Option<&usage::Balance>) -> String {
    let Some(balance) = balance else {
        return ctx.t(Msg::SmsBalanceNever).to_owned();
    };
    let when = ctx.datetime(balance.checked_at);
    match balance.amount {
        Some(amount) => ctx.lang.fill(
            Msg::SmsBalanceAt,
            &[
                (
                    "amount",
                    &ctx.app.config.currency().format(amount, ctx.lang),
                ),
                ("when", &when),
            ],
        ),
        None => ctx.lang.fill(
            Msg::SmsBalanceFailed,
            &[("when", &when), ("why", &balance.answer)],
        ),
    }
}

/// The dashboard's warnings: each modem whose last balance is below its threshold.
pub(crate) fn low_balance_warnings(ctx: &Ctx, conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut warnings = Vec::new();
    for modem in &ctx.app.sms.modems {
        let threshold = modem.credit.low_below;
        if threshold <= 0 {
            continue;
        }
        if let Some(amount) = usage::balance(conn, &modem.name)?.and_then(|b| b.amount)
            && amount < threshold
        {
            let amount = ctx.app.config.currency().format(amount, ctx.lang);
            warnings.push(ctx.lang.fill(
                Msg::SmsLowBalance,
                &[("modem", &modem.name), ("amount", &amount)],
            ));
        }
    }
    Ok(warnings)
}

/// POST /staff/sms/balance: asks a modem to read its SIM balance when it is next free.
pub(crate) fn check_balance(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(crate::web::sms::VIEWERS)?;
    let form = ctx.form()?;
    let name = form.text("modem");
    let Some(modem) = ctx.app.sms.named(name) else {
        return Err(AppError::BadRequest(ctx.t(Msg::SmsUnknownModem).to_owned()));
    };
    if modem.credit.ussd.is_empty() {
        return Err(AppError::BadRequest(
            ctx.t(Msg::SmsNoBalanceCode).to_owned(),
        ));
    }
    let conn = ctx.app.db.conn()?;
    let change = Change {
        action: "sms.balance_check",
        entity: "sms_modem",
        entity_id: &modem.name,
        before: None,
        after: Some(json!({ "modem": modem.name })),
    };
    audit::record(&conn, &Actor::Staff(user), &change, ctx.now)?;
    drop(conn);
    modem.want_balance();
    ctx.flash(ctx.t(Msg::SmsBalanceAsked));
    Ok(Response::see_other(paths::SMS))
}
