//! The whole matrix: role × own or other office × every roster operation.
//! Inspectors read their office; heads read and write their office; the task force everything.
//! Another office's enterprise does not exist for those outside it (404), and writing where one may
//! not is forbidden (403).

use super::common::{enterprise_json, TestApp, CODES};
use axum::http::StatusCode;

#[derive(Debug, Clone, Copy)]
enum Operation {
    List,
    Read,
    Create,
    Update,
    Import,
}

const OK: StatusCode = StatusCode::OK;
const CREATED: StatusCode = StatusCode::CREATED;
const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;

/// (user, office whose data is touched, operation, expected status)
const MATRIX: &[(&str, &str, Operation, StatusCode)] = &[
    ("insp1", "XL01", Operation::List, OK),
    ("insp1", "XL01", Operation::Read, OK),
    ("insp1", "XL02", Operation::Read, NOT_FOUND),
    ("insp1", "XL01", Operation::Create, FORBIDDEN),
    ("insp1", "XL02", Operation::Create, FORBIDDEN),
    ("insp1", "XL01", Operation::Update, FORBIDDEN),
    ("insp1", "XL02", Operation::Update, FORBIDDEN),
    ("insp1", "XL01", Operation::Import, FORBIDDEN),
    ("insp1", "XL02", Operation::Import, FORBIDDEN),
    ("head1", "XL01", Operation::List, OK),
    ("head1", "XL01", Operation::Read, OK),
    ("head1", "XL02", Operation::Read, NOT_FOUND),
    ("head1", "XL01", Operation::Create, CREATED),
    ("head1", "XL02", Operation::Create, FORBIDDEN),
    ("head1", "XL01", Operation::Update, OK),
    ("head1", "XL02", Operation::Update, NOT_FOUND),
    ("head1", "XL01", Operation::Import, OK),
    ("head1", "XL02", Operation::Import, FORBIDDEN),
    ("tf", "XL01", Operation::List, OK),
    ("tf", "XL01", Operation::Read, OK),
    ("tf", "XL02", Operation::Read, OK),
    ("tf", "XL01", Operation::Create, CREATED),
    ("tf", "XL02", Operation::Create, CREATED),
    ("tf", "XL01", Operation::Update, OK),
    ("tf", "XL02", Operation::Update, OK),
    ("tf", "XL01", Operation::Import, OK),
    ("tf", "XL02", Operation::Import, OK),
];

/// A code not used by the seeded enterprises, for creating and importing.
const FREE_CODE: &str = CODES[2];

#[tokio::test]
async fn every_role_office_and_operation() {
    let app = TestApp::new().await;
    let xl01 = app
        .create_enterprise("XL01", "Office One Mill", CODES[0])
        .await;
    let xl02 = app
        .create_enterprise("XL02", "Office Two Mill", CODES[1])
        .await;
    let mut failures = Vec::new();
    for &(user, office, operation, expected) in MATRIX {
        let cookie = app.login(user).await;
        let target = if office == "XL01" { &xl01 } else { &xl02 };
        let reply = match operation {
            Operation::List => app.get("/api/v1/enterprises", &cookie).await,
            Operation::Read => {
                app.get(&format!("/api/v1/enterprises/{target}"), &cookie)
                    .await
            }
            Operation::Create => {
                let body = enterprise_json(Some(office), "New Mill", FREE_CODE);
                let reply = app.post("/api/v1/enterprises", &cookie, body).await;
                if reply.status == CREATED {
                    let id = reply.json["id"].as_str().unwrap();
                    app.db_delete_enterprise(id).await;
                }
                reply
            }
            Operation::Update => {
                let code = if office == "XL01" { CODES[0] } else { CODES[1] };
                let body = enterprise_json(Some(office), "Renamed", code);
                app.put(&format!("/api/v1/enterprises/{target}"), &cookie, body)
                    .await
            }
            Operation::Import => {
                let file = format!("name,credit_code,kind\nImported,{FREE_CODE},seller\n");
                app.upload(
                    &format!("/api/v1/enterprises/import?office={office}"),
                    &cookie,
                    file.into_bytes(),
                )
                .await
            }
        };
        if reply.status != expected {
            failures.push(format!(
                "{user} {operation:?} {office}: expected {expected}, got {} {}",
                reply.status, reply.text
            ));
        }
        if let Operation::Import = operation {
            if reply.status == OK {
                app.db_delete_by_code(FREE_CODE).await;
            }
        }
        if let Operation::List = operation {
            let mut offices: Vec<_> = reply.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["office_code"].clone())
                .collect();
            offices.sort_by_key(|office| office.to_string());
            let expected_offices = if user == "tf" {
                vec!["XL01", "XL02"]
            } else {
                vec!["XL01"]
            };
            if offices != expected_offices {
                failures.push(format!(
                    "{user} List sees offices {offices:?}, expected {expected_offices:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn offices_list_is_scoped_too() {
    let app = TestApp::new().await;
    for (user, expected) in [
        ("insp2", vec!["XL02"]),
        ("head1", vec!["XL01"]),
        ("tf", vec!["XL01", "XL02"]),
    ] {
        let cookie = app.login(user).await;
        let reply = app.get("/api/v1/offices", &cookie).await;
        let codes: Vec<_> = reply
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|office| office["code"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(codes, expected, "{user}");
    }
}

#[tokio::test]
async fn a_head_cannot_move_an_enterprise_out_of_their_office() {
    let app = TestApp::new().await;
    let id = app.create_enterprise("XL01", "Mill", CODES[0]).await;
    let head = app.login("head1").await;
    let reply = app
        .put(
            &format!("/api/v1/enterprises/{id}"),
            &head,
            enterprise_json(Some("XL02"), "Mill", CODES[0]),
        )
        .await;
    reply.expect_error(FORBIDDEN, "forbidden");
    let tf = app.login("tf").await;
    assert_eq!(
        app.get(&format!("/api/v1/enterprises/{id}"), &tf)
            .await
            .json["office_code"],
        "XL01"
    );
}

#[tokio::test]
async fn colleagues_are_scoped_to_the_office() {
    let app = TestApp::new().await;
    for (user, expected) in [
        ("insp1", vec!["head1", "insp1"]),
        ("head2", vec!["head2", "insp2"]),
        ("tf", vec!["head1", "insp1", "head2", "insp2"]),
    ] {
        let cookie = app.login(user).await;
        let reply = app.get("/api/v1/colleagues", &cookie).await;
        assert_eq!(reply.status, OK, "{}", reply.text);
        let names: Vec<_> = reply
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["username"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, expected, "{user}");
    }
}
