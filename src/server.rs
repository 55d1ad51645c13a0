//! `pawnbranch serve`: opens the database, loads the demo when asked, starts the HTTP workers
//! and the background threads, and shuts everything down in order on SIGTERM or SIGINT:
//! stop taking requests, finish the ones in flight, stop the background threads, exit 0.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Duration as ChronoDuration;
use log::info;

use crate::backup;
use crate::demo;
use crate::email::{self, Email};
use crate::plumbing::clock::{self, Clock, SystemClock};
use crate::plumbing::config::Config;
use crate::plumbing::crypto::InstallationKey;
use crate::plumbing::db::Db;
use crate::plumbing::error;
use crate::plumbing::http::{self, Server};
use crate::plumbing::throttle::Throttle;
use crate::sms::{self, Sms};
use crate::web::App;

/// Why the server could not start or stopped badly.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ServeError {
    #[error(transparent)]
    Db(#[from] crate::plumbing::db::DbError),
    #[error(transparent)]
    Http(#[from] http::StartError),
    #[error(transparent)]
    Demo(#[from] demo::DemoError),
    #[error("cannot read or create the installation secret in the data directory: {0}")]
    Key(std::io::Error),
    #[error("cannot install the signal handlers: {0}")]
    Signals(std::io::Error),
    #[error("cannot start a background thread: {0}")]
    Thread(std::io::Error),
    #[error(
        "the HTTP listener stopped unexpectedly; exiting so the service manager restarts pawnbranch"
    )]
    ListenerStopped,
}

/// Opens the database (migrated, with the change-log triggers for head office made to match
/// its schema) and the installation key: what every command that serves or writes needs.
pub(crate) fn open(config: &Config) -> Result<(Db, InstallationKey), ServeError> {
    let busy = Duration::from_millis(u64::from(config.storage.busy_timeout_ms));
    let db = crate::sync::changes::open_logged(
        &config.data_dir(),
        busy,
        config.server.workers as usize + 4,
    )?;
    let key = InstallationKey::load_or_create(&config.data_dir()).map_err(ServeError::Key)?;
    Ok((db, key))
}

/// Runs the branch server until SIGTERM or SIGINT.
pub(crate) fn serve(
    mut config: Config,
    load_demo: bool,
    clock_file: Option<std::path::PathBuf>,
) -> Result<(), ServeError> {
    let started = Instant::now();
    let shutdown = shutdown_on_signals()?;
    let clock = choose_clock(clock_file);
    let (db, key) = open(&config)?;
    if load_demo {
        load_demo_data(&config, &db, &*clock)?;
    }
    crate::complaints::due::refresh_at_start(&mut *db.conn()?, &config)
        .map_err(crate::plumbing::db::DbError::from)?;
    let is_demo = demo::is_demo(&*db.conn()?).map_err(crate::plumbing::db::DbError::from)?;
    if is_demo
        && let [only] = config.modem.0.as_mut_slice()
        && only.device == "none"
    {
        // The demo shows the whole path of a message without a modem: to a file, labelled.
        only.device = "log".to_owned();
        println!(
            "SMS: the demo writes messages to {} (not real delivery).",
            config.data_dir().join("sms-log.txt").display()
        );
    }
    if is_demo {
        demo::fill_branch_details(&mut config.branch);
    }
    let app = build_app(config, db, clock, key, is_demo, &shutdown);
    let server = start_http(&app, &shutdown)?;
    let threads = spawn_background_threads(&app)?;
    announce(&app, &server, started);
    while !shutdown.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
    info!("shutting down: finishing requests in flight");
    let listener_ok = server.join();
    stop_background_threads(&app, threads);
    info!("stopped");
    if listener_ok {
        Ok(())
    } else {
        Err(ServeError::ListenerStopped)
    }
}

/// The flag SIGTERM and SIGINT set, which every loop of the server watches.
fn shutdown_on_signals() -> Result<Arc<AtomicBool>, ServeError> {
    let shutdown = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&shutdown)).map_err(ServeError::Signals)?;
    }
    Ok(shutdown)
}

/// The system clock, or the test setting's clock shifted by the seconds in a file.
fn choose_clock(clock_file: Option<std::path::PathBuf>) -> Arc<dyn Clock> {
    match clock_file {
        Some(file) => {
            log::warn!(
                "the clock is shifted by the seconds in {} (a test setting)",
                file.display()
            );
            Arc::new(clock::ShiftedClock { file })
        }
        None => Arc::new(SystemClock),
    }
}

/// `--demo`: loads the invented branch into an empty database and says what happened.
fn load_demo_data(config: &Config, db: &Db, clock: &dyn Clock) -> Result<(), ServeError> {
    let now = clock.now();
    let today = clock::local_date(now, config.utc_offset());
    let outcome = demo::load(
        &mut *db.conn()?,
        &config.branch.country,
        config.language(),
        today,
        now,
    )?;
    match outcome {
        demo::Outcome::Loaded | demo::Outcome::AlreadyDemo => {
            print_demo_accounts(outcome == demo::Outcome::Loaded)
        }
        demo::Outcome::HasData => {
            println!(
                "The database in {} already has data: the demo was not loaded.",
                config.storage.data_dir
            );
        }
    }
    Ok(())
}

/// The state shared by the HTTP workers and the background threads.
fn build_app(
    config: Config,
    db: Db,
    clock: Arc<dyn Clock>,
    key: InstallationKey,
    is_demo: bool,
    shutdown: &Arc<AtomicBool>,
) -> Arc<App> {
    let sms = Arc::new(
        Sms::new(&config, Arc::clone(&clock), Arc::clone(shutdown)).with_replies(
            sms::inbox::Replies::from_config(&config, crate::customers::sms_replies::CUSTOMERS),
        ),
    );
    let uploader = Arc::new(crate::sync::Uploader::new(
        &config,
        Arc::clone(&clock),
        Arc::clone(shutdown),
        crate::complaints::due::refresh_unresolved,
    ));
    let email = Arc::new(Email::new(
        &config.email,
        Arc::clone(&clock),
        Arc::clone(shutdown),
    ));
    Arc::new(App {
        sign_in_throttle: Throttle::new(
            config.staff.address_failures_per_15_minutes,
            ChronoDuration::minutes(15),
        ),
        code_throttle: Throttle::new(
            config.otp.requests_per_address_per_hour,
            ChronoDuration::hours(1),
        ),
        portal: crate::portal::PortalState::new(),
        config,
        db,
        clock,
        key,
        demo: is_demo,
        sms,
        uploader,
        email,
        scheduler: crate::scheduler::Status::default(),
        shutdown: Arc::clone(shutdown),
    })
}

/// Starts the HTTP listener and its workers on the configured address.
fn start_http(app: &Arc<App>, shutdown: &Arc<AtomicBool>) -> Result<Server, ServeError> {
    let handler_app = Arc::clone(app);
    let rejection_app = Arc::clone(app);
    Ok(Server::start(
        &app.config.server.listen,
        branch_http_options(&app.config),
        Arc::new(move |request| crate::router::handle(&handler_app, request)),
        Arc::new(move |rejection, _request| {
            error::rejection_page(rejection, rejection_app.config.language())
        }),
        Arc::clone(shutdown),
    )?)
}

/// Room for a multipart body's framing (boundaries, part headers, the CSRF part) around a
/// file of `[complaints] attachment_max_bytes`, so a file of exactly that size reaches the
/// attachment checks and a larger one gets their message rather than a bare 413.
const UPLOAD_FRAMING_BYTES: usize = 64 * 1024;

/// The branch's HTTP options: `[server] max_body_bytes` everywhere but the attachment upload
/// routes, which take a file of `[complaints] attachment_max_bytes`; the memory shared by
/// bodies being read holds at least every worker's upload at once.
fn branch_http_options(config: &Config) -> http::Options {
    let mut options = config.server.http_options(config.server.max_body_bytes);
    let upload = (config.complaints.attachment_max_bytes as usize) + UPLOAD_FRAMING_BYTES;
    options.body_memory_bytes = options
        .body_memory_bytes
        .max(options.workers.max(1).saturating_mul(upload));
    options.uploads = Some(http::UploadLimit {
        is_upload: crate::router::is_upload,
        max_bytes: upload,
    });
    options
}

/// A named background thread and its handle, joined at shutdown.
type Background = (&'static str, std::thread::JoinHandle<()>);

/// Starts a named background thread that runs `work` with its own handle on the app.
fn spawn_background(
    name: &'static str,
    app: &Arc<App>,
    work: impl FnOnce(&App) + Send + 'static,
) -> Result<Background, ServeError> {
    let app = Arc::clone(app);
    let handle = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || work(&app))
        .map_err(ServeError::Thread)?;
    Ok((name, handle))
}

/// The nightly backup, the SMS and e-mail senders, the upload to head office and the
/// scheduler, each on its own thread.
fn spawn_background_threads(app: &Arc<App>) -> Result<Vec<Background>, ServeError> {
    Ok(vec![
        spawn_background("backup", app, |a| {
            let c = &a.config;
            backup::run_nightly(
                &a.db,
                &*a.clock,
                &c.data_dir(),
                c.backup_time(),
                c.utc_offset(),
                c.storage.backup_keep as usize,
                &a.shutdown,
            );
        })?,
        spawn_background("sms", app, |a| sms::sender::run(&a.sms, &a.db))?,
        spawn_background("sync", app, |a| {
            crate::sync::uploader::run(&a.uploader, &a.db)
        })?,
        spawn_background("email", app, |a| email::sender::run(&a.email, &a.db))?,
        spawn_background("scheduler", app, |a| {
            let settings = crate::reminders::Settings::from_config(&a.config);
            crate::scheduler::run(
                &a.db,
                &*a.clock,
                &settings,
                &a.config,
                &a.sms,
                &a.email,
                &a.scheduler,
                &a.shutdown,
            );
        })?,
    ])
}

/// Says where the server listens and how long it took to start.
fn announce(app: &App, server: &Server, started: Instant) {
    println!(
        "pawnbranch {} listening on http://{}",
        env!("CARGO_PKG_VERSION"),
        server.addr
    );
    info!(
        "started in {} ms: branch {} ({}), data in {}",
        started.elapsed().as_millis(),
        app.config.branch.code,
        app.config.branch.name,
        app.config.storage.data_dir
    );
}

/// Wakes the threads that sleep between rounds and waits for every background thread to end.
fn stop_background_threads(app: &App, threads: Vec<Background>) {
    app.sms.wake();
    app.uploader.wake();
    app.email.wake();
    for (name, thread) in threads {
        if thread.join().is_err() {
            log::error!("the {name} thread ended by panic");
        }
    }
}

/// Prints the demo's staff accounts, so a newcomer can sign in.
fn print_demo_accounts(fresh: bool) {
    println!(
        "{}",
        if fresh {
            "Demo branch loaded (invented data)."
        } else {
            "This is the demo branch (invented data)."
        }
    );
    println!("Demo staff accounts (username / password):");
    for (username, _, role, password) in demo::ACCOUNTS {
        println!("  {username:<8} / {password:<18} ({})", role.code());
    }
}

#[cfg(test)]
mod tests {
    use super::branch_http_options;
    use crate::plumbing::config::Config;

    /// Only the upload routes take a file of `attachment_max_bytes` (with its framing), and
    /// the memory shared by bodies being read holds every worker's upload at once.
    #[test]
    fn the_upload_limit_is_on_for_the_upload_routes_only() {
        let mut config = Config::default();
        config.complaints.attachment_max_bytes = 32 * 1024 * 1024;
        let options = branch_http_options(&config);
        let upload = 32 * 1024 * 1024 + super::UPLOAD_FRAMING_BYTES;
        let case = "/staff/complaints/01ARZ3NDEKTSV4RRFFQ69G5FAV/attach";
        assert_eq!(options.body_limit(case), upload);
        assert_eq!(options.body_limit("/my/complaints"), upload);
        let others = [
            "/staff/complaints/01ARZ3NDEKTSV4RRFFQ69G5FAV/note",
            "/staff/logout",
        ];
        for other in others {
            assert_eq!(
                options.body_limit(other),
                config.server.max_body_bytes as usize
            );
        }
        assert!(options.body_memory_bytes >= options.workers * upload);
    }
}
