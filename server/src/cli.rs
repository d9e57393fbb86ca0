//! `steelcheck`: serve the app, or manage offices, accounts and the roster from a shell.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use app::i18n::Lang;
use app::model::Role;
use clap::{Parser, Subcommand};

use crate::auth::password;
use crate::config::Config;
use crate::db::{self, audit, is_unique_violation, offices, users, Db};
use crate::error::AppError;
use crate::photo_store::DEFAULT_MAX_PHOTO_BYTES;
use crate::{demo, http, roster_import};

#[derive(Debug, Parser)]
#[command(
    name = "steelcheck",
    version,
    about = "SteelCheck: steel-industry special inspection campaign"
)]
pub struct Cli {
    /// Where the SQLite database and photos live.
    #[arg(
        long,
        global = true,
        default_value = "./data",
        env = "STEELCHECK_DATA_DIR"
    )]
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (postgres://…) to use instead of SQLite in the data directory.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app and its API (the default).
    Serve {
        #[arg(long, default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        /// Load demo offices, accounts and roster on first start.
        #[arg(long)]
        demo: bool,
        /// Keep photos in this S3-compatible bucket instead of the data directory; the endpoint,
        /// region and keys come from AWS_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
        #[arg(long, env = "STEELCHECK_PHOTO_BUCKET")]
        photo_bucket: Option<String>,
        /// The largest photo accepted, in megabytes.
        #[arg(long, env = "STEELCHECK_MAX_PHOTO_MB", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1024))]
        max_photo_mb: u64,
    },
    /// Market-supervision offices.
    #[command(subcommand)]
    Office(OfficeCommand),
    /// Accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The enterprise roster.
    #[command(subcommand)]
    Roster(RosterCommand),
}

#[derive(Debug, Subcommand)]
pub enum OfficeCommand {
    /// Add an office.
    Add { code: String, name: String },
    /// List the offices.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is read from standard input.
    Add {
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The office code (required for inspectors and heads).
        #[arg(long)]
        office: Option<String>,
        /// The name shown in the app (defaults to the username).
        #[arg(long)]
        name: Option<String>,
    },
    /// Set a new password, read from standard input; signs the account out everywhere.
    Passwd { username: String },
}

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Import a CSV or XLSX roster into an office: all rows or none.
    Import {
        file: PathBuf,
        #[arg(long)]
        office: String,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text)
        .ok_or_else(|| format!("'{text}' is not a role: use inspector, head or taskforce"))
}

/// What failed, in words for the person at the shell.
#[derive(Debug)]
pub struct CliError(String);

impl From<sqlx::Error> for CliError {
    fn from(error: sqlx::Error) -> Self {
        CliError(format!("database: {error}"))
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        CliError(error.to_string())
    }
}

impl From<AppError> for CliError {
    fn from(error: AppError) -> Self {
        let body = error.body(shell_lang());
        let mut text = body.message;
        for detail in body.details {
            let place = detail
                .row
                .map(|row| format!("row {row}, "))
                .unwrap_or_default();
            text.push_str(&format!("\n  {place}{}: {}", detail.field, detail.message));
        }
        CliError(text)
    }
}

/// Chinese for a Chinese shell locale, English otherwise.
fn shell_lang() -> Lang {
    std::env::var("LANG")
        .ok()
        .and_then(|lang| Lang::from_code(&lang))
        .unwrap_or(Lang::En)
}

pub async fn run(cli: Cli) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match execute(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(cli: Cli) -> Result<(), CliError> {
    let command = cli.command.unwrap_or(Command::Serve {
        addr: default_addr(),
        demo: false,
        photo_bucket: None,
        max_photo_mb: DEFAULT_MAX_PHOTO_BYTES / MEGABYTE,
    });
    let (addr, photo_bucket, max_photo_mb) = match &command {
        Command::Serve {
            addr,
            photo_bucket,
            max_photo_mb,
            ..
        } => (*addr, photo_bucket.clone(), *max_photo_mb),
        _ => (default_addr(), None, DEFAULT_MAX_PHOTO_BYTES / MEGABYTE),
    };
    let config = Config {
        data_dir: cli.data_dir,
        database_url: cli.database_url,
        addr,
        photo_bucket,
        max_photo_bytes: max_photo_mb * MEGABYTE,
    };
    let db = db::connect(&config.database_url())
        .await
        .map_err(|error| CliError(format!("cannot open the database: {error}")))?;
    match command {
        Command::Serve { demo, .. } => serve(db, &config, demo).await,
        Command::Office(OfficeCommand::Add { code, name }) => add_office(&db, &code, &name).await,
        Command::Office(OfficeCommand::List) => list_offices(&db).await,
        Command::User(UserCommand::Add {
            username,
            role,
            office,
            name,
        }) => {
            let name = name.unwrap_or_else(|| username.clone());
            add_user(&db, &username, role, office.as_deref(), &name).await
        }
        Command::User(UserCommand::Passwd { username }) => change_password(&db, &username).await,
        Command::Roster(RosterCommand::Import { file, office }) => {
            import_roster(&db, &file, &office).await
        }
    }
}

const MEGABYTE: u64 = 1024 * 1024;

fn default_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 3000))
}

async fn serve(db: Db, config: &Config, demo: bool) -> Result<(), CliError> {
    if demo {
        if let Some(accounts) = demo::load_if_empty(&db).await? {
            println!("{accounts}");
        }
    }
    let options = http::leptos_options(config.addr);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|error| CliError(format!("cannot listen on {}: {error}", config.addr)))?;
    println!("SteelCheck is listening on http://{}", config.addr);
    let state = http::AppState {
        db,
        photos: config.photo_store().map_err(CliError)?,
        leptos_options: options,
    };
    axum::serve(
        listener,
        http::app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

async fn add_office(db: &Db, code: &str, name: &str) -> Result<(), CliError> {
    let (code, name) = (code.trim(), name.trim());
    if code.is_empty() || name.is_empty() {
        return Err(CliError("an office needs a code and a name".into()));
    }
    let mut tx = db::begin_write(db).await?;
    match offices::insert(&mut tx, code, name).await {
        Err(error) if is_unique_violation(&error) => {
            return Err(CliError(format!("office {code} already exists")))
        }
        other => other?,
    };
    audit::record(&mut tx, None, "office.create", code, name).await?;
    tx.commit().await?;
    println!("added office {code} {name}");
    Ok(())
}

async fn list_offices(db: &Db) -> Result<(), CliError> {
    for office in offices::list(db).await? {
        println!("{}\t{}", office.code, office.name);
    }
    Ok(())
}

async fn add_user(
    db: &Db,
    username: &str,
    role: Role,
    office_code: Option<&str>,
    name: &str,
) -> Result<(), CliError> {
    let username = username.trim();
    if username.is_empty() {
        return Err(CliError("the username is empty".into()));
    }
    let mut conn = db.acquire().await?;
    let office = match (role.needs_office(), office_code) {
        (true, None) => {
            return Err(CliError(format!(
                "a {} belongs to an office: add --office <code>",
                role.as_str()
            )))
        }
        (false, Some(_)) => {
            return Err(CliError(
                "the task force belongs to no office: leave out --office".into(),
            ))
        }
        (_, Some(code)) => Some(offices::find_by_code(&mut conn, code).await?.ok_or_else(
            || {
                CliError(format!(
                    "no office has the code {code} (see: steelcheck office list)"
                ))
            },
        )?),
        (false, None) => None,
    };
    if users::find_by_username(&mut conn, username)
        .await?
        .is_some()
    {
        return Err(CliError(format!("user {username} already exists")));
    }
    let password_hash = password::hash(read_new_password()?).await?;
    let mut tx = db::begin_write(db).await?;
    let user = users::NewUser {
        username,
        name,
        role,
        office_id: office.as_ref().map(|office| office.id.as_str()),
        password_hash: &password_hash,
    };
    match users::insert(&mut tx, user).await {
        Err(error) if is_unique_violation(&error) => {
            return Err(CliError(format!("user {username} already exists")))
        }
        other => other?,
    };
    audit::record(&mut tx, None, "user.create", username, role.as_str()).await?;
    tx.commit().await?;
    println!("added {} {username}", role.as_str());
    Ok(())
}

async fn change_password(db: &Db, username: &str) -> Result<(), CliError> {
    let password_hash = password::hash(read_new_password()?).await?;
    let mut tx = db::begin_write(db).await?;
    if !users::set_password(&mut tx, username, &password_hash).await? {
        return Err(CliError(format!("no user is called {username}")));
    }
    audit::record(&mut tx, None, "user.password", username, "").await?;
    tx.commit().await?;
    println!("password changed for {username}; their sessions have ended");
    Ok(())
}

/// One line of standard input; a prompt only when a person is typing.
fn read_new_password() -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    password::check_new(&password).map_err(|key| {
        CliError(shell_lang().format(key, &[("min", password::MIN_LENGTH.to_string())]))
    })?;
    Ok(password)
}

async fn import_roster(db: &Db, file: &std::path::Path, office_code: &str) -> Result<(), CliError> {
    let bytes = std::fs::read(file)
        .map_err(|error| CliError(format!("cannot read {}: {error}", file.display())))?;
    let rows = roster_import::parse(&bytes).map_err(AppError::Invalid)?;
    let mut tx = db::begin_write(db).await?;
    let office = offices::find_by_code(&mut tx, office_code)
        .await?
        .ok_or_else(|| {
            CliError(format!(
                "no office has the code {office_code} (see: steelcheck office list)"
            ))
        })?;
    let report = roster_import::apply(&mut tx, &office, rows, "cli").await?;
    tx.commit().await?;
    println!(
        "imported {}: {} created, {} updated",
        file.display(),
        report.created,
        report.updated
    );
    Ok(())
}
