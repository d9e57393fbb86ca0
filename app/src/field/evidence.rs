//! Evidence bytes on the phone: hashed with SHA-256 at capture (the hash is their identity and
//! seal), and turned back into something an `<img>` can show.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The SHA-256 of `bytes`, in lower-case hex, computed by the browser's WebCrypto.
pub async fn sha256_hex(bytes: &[u8]) -> Option<String> {
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    let promise = subtle.digest_with_str_and_u8_array("SHA-256", bytes).ok()?;
    let digest = JsFuture::from(promise).await.ok()?;
    let digest = js_sys::Uint8Array::new(&digest).to_vec();
    Some(digest.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Where an `<img>` finds evidence `sha256`: a `blob:` address for the phone's bytes, or the
/// server's copy when the phone no longer holds them (an inspection returned for correction
/// after its uploaded copy was cleared from the phone).
pub async fn image_address(sha256: &str) -> Option<String> {
    match crate::field::store::blob(sha256).await {
        Ok(Some((bytes, mime))) => object_url(&bytes, &mime),
        Ok(None) => Some(server_address(sha256)),
        Err(_) => None,
    }
}

/// The server's address of evidence `sha256`: read there, and uploaded there in chunks.
pub fn server_address(sha256: &str) -> String {
    format!("/api/v1/photos/{sha256}")
}

/// A `blob:` address for showing stored bytes; the page revokes it when done.
pub fn object_url(bytes: &[u8], mime: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// The PNG bytes of what is drawn on a canvas.
pub fn canvas_png(canvas: &web_sys::HtmlCanvasElement) -> Option<Vec<u8>> {
    let data_url = canvas.to_data_url().ok()?;
    let base64 = data_url.split_once(",")?.1;
    let binary = web_sys::window()?.atob(base64).ok()?;
    Some(binary.chars().map(|c| c as u8).collect())
}

/// The 2D drawing context of a canvas.
pub fn context_2d(
    canvas: &web_sys::HtmlCanvasElement,
) -> Option<web_sys::CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}
