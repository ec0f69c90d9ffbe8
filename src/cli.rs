//! The `suborg-portal` command line (DESIGN §8).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use secrecy::SecretString;

use crate::audit::{
    format_time, parse_time, Action, AuditLog, Checkpoint, Filter, Format, NewEvent, Origin,
    Outcome, Verdict,
};
use crate::auth::password::{check_policy, Hasher};
use crate::auth::{staff, Role};
use crate::config::AuditKey;
use crate::config::{self, Config};
use crate::db::Database;
use crate::domain::Email;
use crate::postgrid::sim::{Seed, Simulator, BASE_PATH};
use crate::staff_changes::{self, ChangeFailure, ChangedBy, Refusal};
use crate::startup::{shutdown_signal, Application};
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(
    name = "suborg-portal",
    version,
    about = "Internal admin portal for PostGrid sub-organizations"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run on embedded defaults with no configuration: SQLite under ./data and sample data.
    Demo,
    /// Run the portal with the configuration from the environment (see the README).
    Serve,
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
    /// Add, list or disable staff accounts (the first admin of a deployment is made here).
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Verify, checkpoint or export the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Run the PostGrid simulator on its own (for tests and local development).
    Sim {
        /// Address to listen on, such as 127.0.0.1:4010.
        #[arg(long)]
        addr: std::net::SocketAddr,
        /// Accept only this API key (default: any key starting test_ or live_).
        #[arg(long)]
        api_key: Option<String>,
        /// Start with sample data or with nothing.
        #[arg(long, value_enum, default_value = "demo")]
        seed: Seed,
    },
    /// Run the SendGrid simulator on its own (for tests and local development).
    SimSendgrid {
        /// Address to listen on, such as 127.0.0.1:4020.
        #[arg(long)]
        addr: std::net::SocketAddr,
        /// Accept only this API key (default: any key starting SG.).
        #[arg(long)]
        api_key: Option<String>,
        /// Start with sample subusers or with nothing.
        #[arg(long, value_enum, default_value = "demo")]
        seed: Seed,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Add a staff member; the password is read as one line from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["admin", "viewer", "auditor"])]
        role: String,
        /// Read the password from standard input (required: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// An admin who may still sign in with a password when
        /// PORTAL_PASSWORD_SIGNIN=break-glass (for when the identity provider is down).
        #[arg(long)]
        break_glass: bool,
    },
    /// List staff members.
    List,
    /// Disable a staff member; their sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the chain; exit 0 when intact, non-zero naming the first bad seq and why.
    Verify {
        /// A checkpoint printed by `audit checkpoint`, to detect a truncated tail.
        #[arg(long, conflicts_with = "archive")]
        checkpoint: Option<PathBuf>,
        /// Verify this archive (from `audit archive`) on its own instead of the database.
        #[arg(long)]
        archive: Option<PathBuf>,
    },
    /// Write the oldest events, through a seq, to a sealed archive (JSON Lines).
    Archive {
        /// The last seq to archive; the archive starts at the oldest event kept.
        #[arg(long)]
        through_seq: i64,
        /// The file to write (never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// Remove exactly the events an archive holds, once it checks out against the chain;
    /// records audit.pruned.
    Prune {
        #[arg(long)]
        archive: PathBuf,
    },
    /// Print a signed checkpoint of the chain's head, to keep outside the database.
    Checkpoint,
    /// Stream events in seq order to standard output.
    Export {
        #[arg(long, value_enum)]
        format: Format,
        /// Only events at or after this RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        /// Only events before this RFC 3339 time.
        #[arg(long)]
        until: Option<String>,
    },
}

impl Cli {
    pub fn run(self) -> ExitCode {
        let runtime = match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime,
            Err(err) => {
                eprintln!("error: cannot start the async runtime: {err}");
                return ExitCode::FAILURE;
            }
        };
        let result = runtime.block_on(async {
            match self.command {
                Command::Demo => demo().await,
                Command::Serve => serve().await,
                Command::Migrate => migrate().await,
                Command::Audit(command) => audit(command).await,
                Command::Staff(command) => staff_command(command).await,
                Command::Sim {
                    addr,
                    api_key,
                    seed,
                } => sim(addr, api_key, seed).await,
                Command::SimSendgrid {
                    addr,
                    api_key,
                    seed,
                } => sim_sendgrid(addr, api_key, seed).await,
            }
        });
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::FAILURE
            }
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    run(
        config,
        |addr| tracing::info!(%addr, "suborg-portal listening"),
    )
    .await
}

async fn migrate() -> anyhow::Result<()> {
    let format = config::parse_log_format(std::env::var("PORTAL_LOG_FORMAT").ok().as_deref())?;
    telemetry::init(format);
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| config::DEFAULT_DATABASE_URL.to_owned());
    let db = Database::connect(&url).await?;
    db.migrate().await?;
    println!("database is up to date");
    Ok(())
}

async fn sim(
    addr: std::net::SocketAddr,
    api_key: Option<String>,
    seed: Seed,
) -> anyhow::Result<()> {
    telemetry::init(config::parse_log_format(
        std::env::var("PORTAL_LOG_FORMAT").ok().as_deref(),
    )?);
    let simulator = Simulator::new(api_key, seed);
    let bound = simulator
        .spawn(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!("PostGrid simulator listening: http://{bound}{BASE_PATH}");
    shutdown_signal().await;
    Ok(())
}

async fn sim_sendgrid(
    addr: std::net::SocketAddr,
    api_key: Option<String>,
    seed: Seed,
) -> anyhow::Result<()> {
    telemetry::init(config::parse_log_format(
        std::env::var("PORTAL_LOG_FORMAT").ok().as_deref(),
    )?);
    let simulator = crate::sendgrid::sim::Simulator::new(api_key, seed);
    let bound = simulator
        .spawn(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!("SendGrid simulator listening: http://{bound}");
    shutdown_signal().await;
    Ok(())
}

/// The database and audit log for commands run beside a deployment.
async fn open_store() -> anyhow::Result<(Database, AuditLog)> {
    telemetry::init(config::parse_log_format(
        std::env::var("PORTAL_LOG_FORMAT").ok().as_deref(),
    )?);
    let key = std::sync::Arc::new(AuditKey::from_env()?);
    let db = Database::connect(&config::database_url_from_env()).await?;
    db.migrate().await?;
    let log = AuditLog::start(db.clone(), key);
    Ok((db, log))
}

fn cli_origin() -> Origin {
    Origin {
        user_agent: Some("suborg-portal cli".to_owned()),
        ..Origin::default()
    }
}

async fn staff_command(command: StaffCommand) -> anyhow::Result<()> {
    let (db, log) = open_store().await?;
    let now = time::OffsetDateTime::now_utc();
    match command {
        StaffCommand::Add {
            email,
            name,
            role,
            break_glass,
            ..
        } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            anyhow::ensure!(!name.trim().is_empty(), "--name must not be empty");
            let role = Role::parse(&role).context("--role must be admin, viewer or auditor")?;
            anyhow::ensure!(
                !break_glass || role == Role::Admin,
                "--break-glass is for admins only"
            );
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            let password = line.trim_end_matches(['\r', '\n']).to_owned();
            check_policy(&password).map_err(|weak| anyhow::anyhow!("password refused: {weak}"))?;
            let hash = Hasher::new(1).hash(SecretString::from(password)).await?;
            let created = staff::insert_staff(&db, &email, &name, role, &hash, false, now).await?;
            if break_glass {
                staff::set_break_glass(&db, created.id).await?;
            }
            let event = NewEvent::new(Action::StaffCreated, Outcome::Ok, cli_origin())
                .detail(serde_json::json!({"staff_id": created.id, "email": created.email, "role": role.as_str(), "break_glass": break_glass, "via": "cli"}));
            log.append(event).await?;
            println!("added {} ({})", created.email, role.as_str());
        }
        StaffCommand::List => {
            for person in staff::list_staff(&db).await? {
                let status = if person.disabled {
                    "disabled"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{}",
                    person.email,
                    person.role.as_str(),
                    status,
                    person.name
                );
            }
        }
        StaffCommand::Disable { email } => {
            let person = staff::find_by_email(&db, &email)
                .await?
                .context("no staff member has that email")?;
            let origin = cli_origin();
            let by = ChangedBy {
                staff_id: None,
                origin: &origin,
            };
            let detail =
                serde_json::json!({"staff_id": person.id, "email": person.email, "via": "cli"});
            let recorded = (Action::StaffDisabled, detail);
            match staff_changes::apply(
                &db,
                &log,
                now,
                by,
                &person,
                staff::Change::Disable,
                recorded,
            )
            .await
            {
                Err(ChangeFailure::Refused(Refusal::LastAdmin)) => anyhow::bail!(
                    "{} is the last active admin; make someone else an admin first",
                    person.email
                ),
                other => other?,
            }
            println!("disabled {}", person.email);
        }
    }
    Ok(())
}

async fn audit(command: AuditCommand) -> anyhow::Result<()> {
    telemetry::init(config::parse_log_format(
        std::env::var("PORTAL_LOG_FORMAT").ok().as_deref(),
    )?);
    let key = std::sync::Arc::new(AuditKey::from_env()?);
    let db = Database::connect(&config::database_url_from_env()).await?;
    db.migrate().await?;
    let log = AuditLog::start(db, key.clone());
    match command {
        AuditCommand::Verify {
            checkpoint: None,
            archive: Some(path),
        } => match crate::audit::verify_archive(key.expose(), &path).await? {
            (verdict @ Verdict::Intact { .. }, Some(seal)) => println!(
                "archive {verdict} (seq {} through {})",
                seal.first_seq, seal.through_seq
            ),
            (verdict, _) => anyhow::bail!("archive {verdict}"),
        },
        AuditCommand::Archive { through_seq, out } => {
            let at = format_time(time::OffsetDateTime::now_utc());
            let seal = log.archive(through_seq, &out, &at).await?;
            println!(
                "archived {} events (seq {} through {}) to {}",
                seal.events,
                seal.first_seq,
                seal.through_seq,
                out.display()
            );
        }
        AuditCommand::Prune { archive } => {
            let pruned = log.prune(&archive).await?;
            println!(
                "pruned {} events (seq {} through {}); recorded as audit.pruned at seq {}",
                pruned.events, pruned.first_seq, pruned.through_seq, pruned.recorded_at_seq
            );
        }
        AuditCommand::Verify { checkpoint, .. } => {
            let checkpoint = match checkpoint {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    Some(
                        serde_json::from_str::<Checkpoint>(text.trim())
                            .with_context(|| format!("{} is not a checkpoint", path.display()))?,
                    )
                }
                None => None,
            };
            match log.verify(checkpoint.as_ref()).await? {
                verdict @ Verdict::Intact { .. } => println!("audit chain {verdict}"),
                verdict => anyhow::bail!("audit chain {verdict}"),
            }
        }
        AuditCommand::Checkpoint => {
            let checkpoint = log
                .checkpoint(&format_time(time::OffsetDateTime::now_utc()))
                .await?;
            println!("{}", serde_json::to_string(&checkpoint)?);
        }
        AuditCommand::Export {
            format,
            since,
            until,
        } => {
            let time = |name: &str, raw: Option<String>| -> anyhow::Result<Option<String>> {
                raw.map(|raw| {
                    parse_time(&raw).with_context(|| {
                        format!(
                            "--{name} {raw:?} is not an RFC 3339 time such as 2026-01-31T00:00:00Z"
                        )
                    })
                })
                .transpose()
            };
            let filter = Filter {
                since: time("since", since)?,
                until: time("until", until)?,
                ..Filter::default()
            };
            let count = log.export(&filter, format, tokio::io::stdout()).await?;
            tracing::info!(events = count, "audit export finished");
        }
    }
    Ok(())
}

const DEMO_DATA_DIR: &str = "data";
const DEMO_API_KEY: &str = "test_sk_demo_portal";
/// The demo SendGrid simulator's key (not a real key: the simulator is the only SendGrid here).
const DEMO_SENDGRID_KEY: &str = "SG.demo-portal";

async fn demo() -> anyhow::Result<()> {
    let audit_key = demo_key(Path::new(DEMO_DATA_DIR), "audit.key")?;
    let secret_key = demo_key(Path::new(DEMO_DATA_DIR), "secret.key")?;
    let simulator = Simulator::new(Some(DEMO_API_KEY.to_owned()), Seed::Demo);
    let sim_addr = simulator
        .spawn(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .context("cannot start the PostGrid simulator")?;
    let sim_url = format!("http://{sim_addr}{BASE_PATH}");
    let sendgrid =
        crate::sendgrid::sim::Simulator::new(Some(DEMO_SENDGRID_KEY.to_owned()), Seed::Demo);
    let sendgrid_addr = sendgrid
        .spawn(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .context("cannot start the SendGrid simulator")?;
    let config = Config::from_lookup(|name| match name {
        "POSTGRID_API_KEY" => Some(DEMO_API_KEY.to_owned()),
        "POSTGRID_BASE_URL" => Some(sim_url.clone()),
        "SENDGRID_API_KEY" => Some(DEMO_SENDGRID_KEY.to_owned()),
        "SENDGRID_BASE_URL" => Some(format!("http://{sendgrid_addr}")),
        "PORTAL_AUDIT_KEY" => Some(audit_key.clone()),
        "PORTAL_SECRET_KEY" => Some(secret_key.clone()),
        // Nobody is made to enrol in the demo unless asked (anyone may).
        "PORTAL_MFA" => Some(std::env::var(name).unwrap_or_else(|_| "off".to_owned())),
        "DATABASE_URL" => Some(config::DEFAULT_DATABASE_URL.to_owned()),
        _ => std::env::var(name).ok(),
    })?;
    // The demo prints one address; a browser opened at the other loopback name works too.
    let config = Config {
        loopback_alias: true,
        ..config
    };
    telemetry::init(config.log_format);
    let public_url = config.public_url.clone();
    let app = Application::build(config).await?;
    let accounts = demo_staff(app.state()).await?;
    println!("suborg-portal demo is running: open {public_url}");
    println!("Sign in with one of these accounts (passwords are new on every start):");
    for (role, email, password) in accounts {
        println!("  {role:<8} {email}  {password}");
    }
    app.run_until(shutdown_signal()).await?;
    Ok(())
}

/// An admin, a viewer and an auditor with fresh random passwords.
async fn demo_staff(
    state: &crate::state::AppState,
) -> anyhow::Result<Vec<(&'static str, String, String)>> {
    let mut accounts = Vec::new();
    for (role, name) in [
        (Role::Admin, "Demo Admin"),
        (Role::Viewer, "Demo Viewer"),
        (Role::Auditor, "Demo Auditor"),
    ] {
        let email = Email::parse(&format!("{}@demo.example", role.as_str()))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let password = format!("demo-{}", hex::encode(rand::random::<[u8; 9]>()));
        let hash = state
            .hasher
            .hash(SecretString::from(password.clone()))
            .await?;
        let now = state.clock.now();
        match staff::find_by_email(&state.db, email.as_str()).await? {
            Some(existing) => {
                let origin = cli_origin();
                let by = ChangedBy {
                    staff_id: None,
                    origin: &origin,
                };
                let detail = serde_json::json!({"staff_id": existing.id, "email": existing.email, "password": "changed", "via": "demo"});
                let change = staff::Change::Password {
                    hash: &hash,
                    must_change: false,
                };
                let recorded = (Action::StaffUpdated, detail);
                staff_changes::apply(
                    &state.db,
                    &state.audit,
                    now,
                    by,
                    &existing,
                    change,
                    recorded,
                )
                .await?;
            }
            None => {
                staff::insert_staff(&state.db, &email, name, role, &hash, false, now).await?;
            }
        }
        accounts.push((role.as_str(), email.to_string(), password));
    }
    Ok(accounts)
}

/// The demo's audit and secret keys are generated once and kept beside its database, so the
/// chain made in one demo run still verifies in the next, and second factors still open.
fn demo_key(dir: &Path, file: &str) -> anyhow::Result<String> {
    let path: PathBuf = dir.join(file);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().to_owned());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let key = hex::encode(rand::random::<[u8; 32]>());
    write_private(&path, &key).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(key)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

async fn run(
    config: Config,
    on_listening: impl FnOnce(std::net::SocketAddr),
) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    on_listening(app.local_addr()?);
    app.run_until(shutdown_signal()).await?;
    Ok(())
}
