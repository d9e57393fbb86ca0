//! The `steelcheck` command line: offices, accounts and roster import, with clear errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Shell {
    dir: tempfile::TempDir,
    database_url: String,
}

impl Shell {
    async fn new() -> Shell {
        let dir = tempfile::tempdir().unwrap();
        let database_url = super::common::fresh_database(&dir).await;
        Shell { dir, database_url }
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_steelcheck"))
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("STEELCHECK_DATA_DIR", self.dir.path())
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let output = self.run(args, stdin);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn fails(&self, args: &[&str], stdin: &str) -> String {
        let output = self.run(args, stdin);
        assert!(!output.status.success(), "{args:?} should fail");
        String::from_utf8(output.stderr).unwrap()
    }
}

#[tokio::test]
async fn offices_are_added_listed_and_unique() {
    let shell = Shell::new().await;
    shell.ok(&["office", "add", "XL01", "Tuanchengshan Office"], "");
    shell.ok(&["office", "add", "XL02", "Xinxialu Office"], "");
    let listing = shell.ok(&["office", "list"], "");
    assert_eq!(
        listing,
        "XL01\tTuanchengshan Office\nXL02\tXinxialu Office\n"
    );
    let error = shell.fails(&["office", "add", "XL01", "Again"], "");
    assert!(error.contains("already exists"), "{error}");
}

#[tokio::test]
async fn users_get_a_password_from_stdin_and_can_sign_in() {
    let shell = Shell::new().await;
    shell.ok(&["office", "add", "XL01", "Office"], "");
    shell.ok(
        &[
            "user",
            "add",
            "li",
            "--role",
            "inspector",
            "--office",
            "XL01",
            "--name",
            "Li Si",
        ],
        "secret-pass-1\n",
    );
    shell.ok(
        &["user", "add", "boss", "--role", "taskforce"],
        "secret-pass-2\n",
    );

    let error = shell.fails(
        &["user", "add", "li", "--role", "head", "--office", "XL01"],
        "secret-pass-3\n",
    );
    assert!(error.contains("already exists"), "{error}");
    let error = shell.fails(
        &["user", "add", "wang", "--role", "head", "--office", "XL99"],
        "secret-pass-3\n",
    );
    assert!(error.contains("XL99"), "{error}");
    let error = shell.fails(
        &["user", "add", "wang", "--role", "head"],
        "secret-pass-3\n",
    );
    assert!(error.contains("--office"), "{error}");
    let error = shell.fails(
        &[
            "user",
            "add",
            "wang",
            "--role",
            "taskforce",
            "--office",
            "XL01",
        ],
        "secret-pass-3\n",
    );
    assert!(error.contains("leave out --office"), "{error}");
    let error = shell.fails(
        &["user", "add", "wang", "--role", "admin", "--office", "XL01"],
        "x\n",
    );
    assert!(error.contains("not a role"), "{error}");
    let error = shell.fails(
        &["user", "add", "wang", "--role", "head", "--office", "XL01"],
        "short\n",
    );
    assert!(error.contains("at least 8"), "{error}");

    shell.ok(&["user", "passwd", "li"], "another-pass-9\n");
    let error = shell.fails(&["user", "passwd", "nobody"], "another-pass-9\n");
    assert!(error.contains("nobody"), "{error}");

    let db = server::db::connect(&shell.database_url).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    let li = server::db::users::find_by_username(&mut conn, "li")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(li.name, "Li Si");
    assert_eq!(li.office_code.as_deref(), Some("XL01"));
    assert!(li.password_hash.starts_with("$argon2id$"));
    assert!(
        server::auth::password::verify("another-pass-9".into(), Some(li.password_hash))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn roster_import_reports_counts_and_every_bad_row() {
    let shell = Shell::new().await;
    shell.ok(&["office", "add", "XL01", "Office"], "");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/roster-with-errors.csv");
    let error = shell.fails(&["roster", "import", demo, "--office", "XL01"], "");
    assert!(error.contains("row 3, credit_code"), "{error}");
    assert!(error.contains("row 5, name"), "{error}");

    let good = shell.dir.path().join("good.csv");
    std::fs::write(
        &good,
        format!(
            "name,credit_code,kind\nA Mill,{},steel_making\nB Shop,{},seller\n",
            super::common::CODES[0],
            super::common::CODES[1]
        ),
    )
    .unwrap();
    let good = good.to_str().unwrap();
    let output = shell.ok(&["roster", "import", good, "--office", "XL01"], "");
    assert!(output.contains("2 created, 0 updated"), "{output}");
    let output = shell.ok(&["roster", "import", good, "--office", "XL01"], "");
    assert!(output.contains("0 created, 2 updated"), "{output}");

    let error = shell.fails(&["roster", "import", good, "--office", "XL09"], "");
    assert!(error.contains("XL09"), "{error}");
    let error = shell.fails(
        &["roster", "import", "/no/such/file.csv", "--office", "XL01"],
        "",
    );
    assert!(error.contains("cannot read /no/such/file.csv"), "{error}");
}

#[tokio::test]
async fn bad_arguments_are_refused_with_usage() {
    let shell = Shell::new().await;
    let error = shell.fails(&["office", "add", "XL01"], "");
    assert!(error.contains("Usage"), "{error}");
    let error = shell.fails(&["serve", "--addr", "not-an-address"], "");
    assert!(error.contains("--addr"), "{error}");
}

#[tokio::test]
async fn demo_data_loads_once_with_valid_rows() {
    let shell = Shell::new().await;
    let db = server::db::connect(&shell.database_url).await.unwrap();
    let accounts = server::demo::load_if_empty(&db)
        .await
        .unwrap()
        .expect("loads into an empty database");
    assert!(
        accounts.contains("zhuanban") && accounts.contains("insp01a"),
        "{accounts}"
    );
    assert!(
        server::demo::load_if_empty(&db).await.unwrap().is_none(),
        "never twice"
    );
    let listing = shell.ok(&["office", "list"], "");
    assert_eq!(listing.lines().count(), 4, "{listing}");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enterprises")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(count, 24);
}
