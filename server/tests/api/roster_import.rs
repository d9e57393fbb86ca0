//! Roster import through the API: CSV (UTF-8, BOM, GB18030) and XLSX, all rows or none.

use super::common::{TestApp, CODES};
use axum::http::StatusCode;

const HEADER_ZH: &str = "企业名称,统一社会信用代码,地址,类型,许可证编号,许可范围,有效期至,状态";

fn roster(rows: &[String]) -> String {
    let mut text = HEADER_ZH.to_string();
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text
}

async fn names_in(app: &TestApp, cookie: &str) -> Vec<String> {
    app.get("/api/v1/enterprises?per_page=100", cookie)
        .await
        .item_names()
}

#[tokio::test]
async fn a_good_csv_creates_then_updates_by_credit_code() {
    let app = TestApp::new().await;
    let head = app.login("head1").await;
    let file = roster(&[
        format!(
            "示例钢铁,{},一路1号,炼钢,(鄂)XK05-001-00001,热轧带肋钢筋,2027-06-30,在产",
            CODES[0]
        ),
        format!("示例商户,{},二路2号,销售商户,,,,停产", CODES[1]),
    ]);
    let reply = app
        .upload("/api/v1/enterprises/import", &head, file.into_bytes())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.json,
        serde_json::json!({ "created": 2, "updated": 0 })
    );

    let again = roster(&[
        format!(
            "示例钢铁（更名）,{},一路1号,炼钢,(鄂)XK05-001-00001,热轧带肋钢筋,2028/6/30,在产",
            CODES[0]
        ),
        format!("新商户,{},三路3号,销售商户,,,,", CODES[2]),
    ]);
    let reply = app
        .upload(
            "/api/v1/enterprises/import?office=XL01",
            &head,
            again.into_bytes(),
        )
        .await;
    assert_eq!(
        reply.json,
        serde_json::json!({ "created": 1, "updated": 1 }),
        "{}",
        reply.text
    );
    assert_eq!(
        names_in(&app, &head).await,
        ["新商户", "示例商户", "示例钢铁（更名）"]
    );

    let search = app
        .get(&format!("/api/v1/enterprises?q={}", CODES[0]), &head)
        .await;
    assert_eq!(search.json["items"][0]["licence_expiry"], "2028-06-30");
    assert_eq!(search.json["items"][0]["kind"], "steel_making");
}

#[tokio::test]
async fn a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row() {
    let app = TestApp::new().await;
    let head = app.login("head1").await;
    let file = roster(&[
        format!("好企业,{},,炼钢,,,,", CODES[0]),
        "坏代码,91420204MA4AMUC520,,炼钢,,,,".to_string(),
        format!("好企业二,{},,轧钢,,,,", CODES[1]),
        format!(",{},,火箭厂,,,明年,", CODES[2]),
        format!("重复,{},,炼钢,,,,", CODES[0]),
    ]);
    let reply = app
        .upload("/api/v1/enterprises/import", &head, file.into_bytes())
        .await;
    reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let rows: Vec<_> = reply.json["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["row"].as_u64().unwrap(),
                d["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (3, "credit_code".into()),
            (5, "kind".into()),
            (5, "licence_expiry".into()),
            (5, "name".into())
        ],
        "{}",
        reply.text
    );
    assert!(
        names_in(&app, &head).await.is_empty(),
        "nothing may be stored"
    );
}

#[tokio::test]
async fn repeated_codes_and_other_offices_codes_fail_the_import() {
    let app = TestApp::new().await;
    app.create_enterprise("XL02", "Theirs", CODES[3]).await;
    let head = app.login("head1").await;
    let file = roster(&[
        format!("一,{},,炼钢,,,,", CODES[0]),
        format!("二,{},,炼钢,,,,", CODES[0]),
        format!("三,{},,炼钢,,,,", CODES[3]),
    ]);
    let reply = app
        .upload("/api/v1/enterprises/import", &head, file.into_bytes())
        .await;
    reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let details = reply.json["details"].as_array().unwrap();
    assert_eq!(details.len(), 2, "{}", reply.text);
    assert_eq!(details[0]["row"], 3);
    assert!(
        details[0]["message"].as_str().unwrap().contains('2'),
        "names the first row: {}",
        reply.text
    );
    assert_eq!(details[1]["row"], 4);
    assert!(
        details[1]["message"]
            .as_str()
            .unwrap()
            .contains("Office Two"),
        "{}",
        reply.text
    );
    assert!(names_in(&app, &head).await.is_empty());
}

#[tokio::test]
async fn gb18030_csv_with_english_headers_and_a_bom_are_read() {
    let app = TestApp::new().await;
    let head = app.login("head1").await;
    let text = roster(&[format!("黄石示例商行,{},下陆区,销售商户,,,,在产", CODES[0])]);
    let (gb18030, _, _) = encoding_rs::GB18030.encode(&text);
    let reply = app
        .upload("/api/v1/enterprises/import", &head, gb18030.into_owned())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let english = format!(
        "\u{feff}name,credit_code,kind,status\nExample Market,{},wholesale_market,operating\n",
        CODES[1]
    );
    let reply = app
        .upload("/api/v1/enterprises/import", &head, english.into_bytes())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        names_in(&app, &head).await,
        ["Example Market", "黄石示例商行"]
    );
}

#[tokio::test]
async fn xlsx_files_are_read_with_dates_and_numbers() {
    let app = TestApp::new().await;
    let head = app.login("head1").await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in HEADER_ZH.split(',').enumerate() {
        sheet.write_string(0, column as u16, header).unwrap();
    }
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_string(1, 0, "示例轧钢厂").unwrap();
    sheet.write_string(1, 1, CODES[0]).unwrap();
    sheet.write_string(1, 3, "无炼钢能力轧钢").unwrap();
    sheet.write_string(1, 4, "(鄂)XK05-001-00002").unwrap();
    let expiry = rust_xlsxwriter::ExcelDateTime::from_ymd(2029, 3, 31).unwrap();
    sheet
        .write_datetime_with_format(1, 6, &expiry, &date_format)
        .unwrap();
    sheet.write_string(1, 7, "在产").unwrap();
    sheet.write_string(2, 0, "示例市场").unwrap();
    // An all-digit code typed into Excel becomes a number; 18 digits exceed what a float keeps.
    sheet.write_number(2, 1, 123.0).unwrap();
    sheet.write_string(2, 3, "批发市场").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();

    let reply = app.upload("/api/v1/enterprises/import", &head, bytes).await;
    reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(reply.json["details"][0]["row"], 3, "{}", reply.text);
    assert!(
        reply.json["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains('3'),
        "length 3: {}",
        reply.text
    );

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in HEADER_ZH.split(',').enumerate() {
        sheet.write_string(0, column as u16, header).unwrap();
    }
    sheet.write_string(1, 0, "示例轧钢厂").unwrap();
    sheet.write_string(1, 1, CODES[0]).unwrap();
    sheet.write_string(1, 3, "无炼钢能力轧钢").unwrap();
    sheet.write_string(1, 4, "(鄂)XK05-001-00002").unwrap();
    sheet
        .write_datetime_with_format(1, 6, &expiry, &date_format)
        .unwrap();
    let reply = app
        .upload(
            "/api/v1/enterprises/import",
            &head,
            workbook.save_to_buffer().unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let stored = app.get("/api/v1/enterprises", &head).await;
    assert_eq!(stored.json["items"][0]["licence_expiry"], "2029-03-31");
    assert_eq!(stored.json["items"][0]["kind"], "rolling_only");
}

#[tokio::test]
async fn unreadable_files_and_form_posts_get_clear_errors() {
    let app = TestApp::new().await;
    let head = app.login("head1").await;
    let english = format!("{head}; lang=en");
    for (bytes, expected) in [
        (Vec::new(), "empty"),
        (b"\xD0\xCF\x11\xE0old excel".to_vec(), ".xls"),
        (b"PK\x03\x04broken".to_vec(), "xlsx file cannot be read"),
        (
            "名称,地址\nA,B\n".as_bytes().to_vec(),
            "name, credit_code, kind",
        ),
    ] {
        let reply = app
            .upload("/api/v1/enterprises/import", &english, bytes)
            .await;
        reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        let message = reply.json["details"][0]["message"]
            .as_str()
            .unwrap()
            .to_lowercase();
        assert!(message.contains(expected), "{expected}: {message}");
    }
    let form = axum::http::Request::post("/api/v1/enterprises/import")
        .header("cookie", &head)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!(
            "name,credit_code,kind\nA,{},seller\n",
            CODES[0]
        )))
        .unwrap();
    app.send(form)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");

    let too_big = vec![b'a'; 11 * 1024 * 1024];
    app.upload("/api/v1/enterprises/import", &head, too_big)
        .await
        .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");

    let tf = app.login("tf").await;
    let file = format!("name,credit_code,kind\nA,{},seller\n", CODES[0]);
    let reply = app
        .upload("/api/v1/enterprises/import", &tf, file.into_bytes())
        .await;
    reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(
        reply.json["details"][0]["field"], "office_code",
        "the task force must say which office"
    );
}
