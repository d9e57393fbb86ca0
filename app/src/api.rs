//! The browser's client for `/api/v1`: the same JSON contract phones and scripts use.

use gloo_net::http::{Method, Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::model::ApiErrorBody;

/// Why a call failed, ready to show: the server's own words when it answered.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The server answered with an error (already worded in the user's language).
    Refused { status: u16, body: ApiErrorBody },
    /// No answer: offline, or the server is down.
    Unreachable,
}

impl ApiFailure {
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, ApiFailure::Refused { status: 401, .. })
    }
}

pub type ApiResult<T> = Result<T, ApiFailure>;

/// How long a call may take before the phone gives it up. On a weak signal or a captive network a
/// connection can fall silent without closing, and the browser would wait on it, and the sync
/// with it, for many minutes.
pub const CALL_DEADLINE_MS: i32 = 30_000;
/// Photo chunks and roster files: up to megabytes over a slow link. A chunk given up still
/// counts, since the server keeps the bytes that reached it.
pub const UPLOAD_DEADLINE_MS: i32 = 120_000;

/// A request that the browser abandons (as unreachable) once `deadline_ms` have passed.
pub fn request(method: Method, path: &str, deadline_ms: i32) -> RequestBuilder {
    let builder = RequestBuilder::new(path).method(method);
    match abort_after(deadline_ms) {
        Some(signal) => builder.abort_signal(Some(&signal)),
        None => builder,
    }
}

/// A signal that fires after `ms`; firing after the answer came changes nothing.
fn abort_after(ms: i32) -> Option<web_sys::AbortSignal> {
    let controller = web_sys::AbortController::new().ok()?;
    let signal = controller.signal();
    let abort = Closure::once_into_js(move || controller.abort());
    web_sys::window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), ms)
        .ok()?;
    Some(signal)
}

pub async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    read(request(Method::GET, path, CALL_DEADLINE_MS)).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    send_json(request(Method::POST, path, CALL_DEADLINE_MS), body).await
}

pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    send_json(request(Method::PUT, path, CALL_DEADLINE_MS), body).await
}

/// Posts with no body and no answer to read (logout).
pub async fn post_empty(path: &str) -> ApiResult<()> {
    let response = request(Method::POST, path, CALL_DEADLINE_MS)
        .send()
        .await
        .map_err(|_| ApiFailure::Unreachable)?;
    check(response).await.map(|_| ())
}

/// Sends a file's bytes as they are (the server tells CSV from XLSX by content).
pub async fn post_file<T: DeserializeOwned>(path: &str, file: &web_sys::File) -> ApiResult<T> {
    let request = request(Method::POST, path, UPLOAD_DEADLINE_MS)
        .header("Content-Type", "application/octet-stream")
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|_| ApiFailure::Unreachable)?;
    let response = request.send().await.map_err(|_| ApiFailure::Unreachable)?;
    decode(check(response).await?).await
}

async fn send_json<B: Serialize, T: DeserializeOwned>(
    builder: RequestBuilder,
    body: &B,
) -> ApiResult<T> {
    let request = builder.json(body).map_err(|_| ApiFailure::Unreachable)?;
    let response = request.send().await.map_err(|_| ApiFailure::Unreachable)?;
    decode(check(response).await?).await
}

async fn read<T: DeserializeOwned>(builder: RequestBuilder) -> ApiResult<T> {
    let response = builder.send().await.map_err(|_| ApiFailure::Unreachable)?;
    decode(check(response).await?).await
}

/// Sends a request whose answer the caller reads itself (status and headers), whatever it is.
pub async fn send(request: Request) -> ApiResult<Response> {
    request.send().await.map_err(|_| ApiFailure::Unreachable)
}

async fn check(response: Response) -> ApiResult<Response> {
    if response.ok() {
        return Ok(response);
    }
    Err(refusal(response).await)
}

/// An error answer as a failure, in the server's own words when its body is the error JSON.
pub async fn refusal(response: Response) -> ApiFailure {
    let status = response.status();
    let body = response
        .json::<ApiErrorBody>()
        .await
        .unwrap_or(ApiErrorBody {
            error: "unknown".into(),
            message: format!("HTTP {status}"),
            ..Default::default()
        });
    ApiFailure::Refused { status, body }
}

async fn decode<T: DeserializeOwned>(response: Response) -> ApiResult<T> {
    response
        .json::<T>()
        .await
        .map_err(|_| ApiFailure::Unreachable)
}

/// A query string from pairs, leaving out empty values.
pub fn query(pairs: &[(&str, String)]) -> String {
    let encoded: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", encode_component(value)))
        .collect();
    if encoded.is_empty() {
        String::new()
    } else {
        format!("?{}", encoded.join("&"))
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_component(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encodes_values_and_skips_empty_ones() {
        let text = query(&[
            ("q", "钢 & co".to_string()),
            ("kind", String::new()),
            ("page", "2".to_string()),
        ]);
        assert_eq!(text, "?q=%E9%92%A2%20%26%20co&page=2");
        assert_eq!(query(&[("q", String::new())]), "");
    }
}
