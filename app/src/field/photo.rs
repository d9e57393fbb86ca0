//! Photo evidence from the phone's camera or gallery: decoded with its orientation applied,
//! downscaled to the chosen long edge, re-encoded as JPEG, hashed at capture, and stored as bytes.

use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::evidence::sha256_hex;
use super::now;
use super::store::{self, StoreError};
use crate::model::inspection::PhotoInfo;
use crate::model::Location;

/// JPEG quality of stored photos: small enough for bad networks, sharp enough for a nameplate.
pub const JPEG_QUALITY: f64 = 0.8;
/// How long a photo may wait for the phone's position before it is kept without one.
const POSITION_WAIT_MS: i32 = 5000;

/// The long edge photos are scaled down to (a setting on the field page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoSize {
    Edge1280,
    #[default]
    Edge2048,
    Edge3072,
    Original,
}

impl PhotoSize {
    pub const ALL: [PhotoSize; 4] = [
        PhotoSize::Edge1280,
        PhotoSize::Edge2048,
        PhotoSize::Edge3072,
        PhotoSize::Original,
    ];

    pub fn long_edge(self) -> Option<u32> {
        match self {
            PhotoSize::Edge1280 => Some(1280),
            PhotoSize::Edge2048 => Some(2048),
            PhotoSize::Edge3072 => Some(3072),
            PhotoSize::Original => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PhotoSize::Edge1280 => "1280",
            PhotoSize::Edge2048 => "2048",
            PhotoSize::Edge3072 => "3072",
            PhotoSize::Original => "original",
        }
    }

    pub fn parse(text: &str) -> Option<PhotoSize> {
        PhotoSize::ALL
            .into_iter()
            .find(|size| size.as_str() == text)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            PhotoSize::Edge1280 => "photo.size_1280",
            PhotoSize::Edge2048 => "photo.size_2048",
            PhotoSize::Edge3072 => "photo.size_3072",
            PhotoSize::Original => "photo.size_original",
        }
    }
}

/// Where the size setting is kept on the phone.
const SIZE_KEY: &str = "steelcheck.photo_size";

/// The size setting chosen on this phone (2048 px unless changed).
pub fn saved_size() -> PhotoSize {
    web_sys::window()
        .and_then(|window| window.local_storage().ok().flatten())
        .and_then(|storage| storage.get_item(SIZE_KEY).ok().flatten())
        .and_then(|text| PhotoSize::parse(&text))
        .unwrap_or_default()
}

pub fn save_size(size: PhotoSize) {
    if let Some(storage) =
        web_sys::window().and_then(|window| window.local_storage().ok().flatten())
    {
        // Not remembered only means the default size next time.
        let _ = storage.set_item(SIZE_KEY, size.as_str());
    }
}

/// The size to store: scaled so the long edge is at most `long_edge`, never enlarged.
pub fn target_size(width: u32, height: u32, long_edge: Option<u32>) -> (u32, u32) {
    let longest = width.max(height);
    match long_edge {
        Some(limit) if longest > limit => {
            let scale = f64::from(limit) / f64::from(longest);
            let scaled = |side: u32| ((f64::from(side) * scale).round() as u32).max(1);
            (scaled(width), scaled(height))
        }
        _ => (width, height),
    }
}

/// Why a photo could not be kept; nothing else in the draft is touched.
#[derive(Debug, Clone, PartialEq)]
pub enum CaptureError {
    /// Not an image the browser can decode (or a damaged file).
    Undecodable,
    /// The browser could not re-encode it.
    Encoding,
    Store(StoreError),
}

impl CaptureError {
    pub fn message_key(&self) -> &'static str {
        match self {
            CaptureError::Undecodable => "photo.undecodable",
            CaptureError::Encoding => "photo.encoding",
            CaptureError::Store(error) => error.message_key(),
        }
    }
}

/// Turns one picked file into stored evidence for `item_code`.
pub async fn capture(
    file: web_sys::File,
    item_code: &str,
    size: PhotoSize,
) -> Result<PhotoInfo, CaptureError> {
    let started = js_sys::Date::now();
    let position = current_position();
    let bitmap = decode(&file).await.ok_or(CaptureError::Undecodable)?;
    let (width, height) = target_size(bitmap.width(), bitmap.height(), size.long_edge());
    let encoded = encode_jpeg(&bitmap, width, height).await;
    bitmap.close();
    let bytes = encoded.ok_or(CaptureError::Encoding)?;
    let sha256 = sha256_hex(&bytes).await.ok_or(CaptureError::Encoding)?;
    store::save_blob(&sha256, &bytes, "image/jpeg")
        .await
        .map_err(CaptureError::Store)?;
    leptos::logging::log!(
        "photo stored: {} -> {} bytes, {width}x{height}, {} ms",
        file.size() as u64,
        bytes.len(),
        (js_sys::Date::now() - started) as u64
    );
    Ok(PhotoInfo {
        sha256,
        item_code: item_code.to_string(),
        taken_at: now(),
        width,
        height,
        bytes: bytes.len() as u64,
        original_bytes: file.size() as u64,
        location: position.await,
    })
}

/// Decodes with the EXIF orientation applied, so a photo taken upright is stored upright.
async fn decode(file: &web_sys::File) -> Option<web_sys::ImageBitmap> {
    let options = web_sys::ImageBitmapOptions::new();
    options.set_image_orientation(web_sys::ImageOrientation::FromImage);
    let promise = web_sys::window()?
        .create_image_bitmap_with_blob_and_image_bitmap_options(file, &options)
        .ok()?;
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

async fn encode_jpeg(bitmap: &web_sys::ImageBitmap, width: u32, height: u32) -> Option<Vec<u8>> {
    let canvas = web_sys::OffscreenCanvas::new(width, height).ok()?;
    let context: web_sys::OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context
        .draw_image_with_image_bitmap_and_dw_and_dh(
            bitmap,
            0.0,
            0.0,
            f64::from(width),
            f64::from(height),
        )
        .ok()?;
    let options = web_sys::ImageEncodeOptions::new();
    options.set_type("image/jpeg");
    options.set_quality(JPEG_QUALITY);
    let blob: web_sys::Blob = JsFuture::from(canvas.convert_to_blob_with_options(&options).ok()?)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    let buffer = JsFuture::from(blob.array_buffer()).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The phone's position if the inspector allows it and it comes quickly; never holds up a photo.
fn current_position() -> impl std::future::Future<Output = Option<Location>> {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let give_up = resolve.clone();
        let window = web_sys::window();
        if let Some(window) = &window {
            let nothing = wasm_bindgen::closure::Closure::once_into_js(move || {
                give_up.call1(&JsValue::NULL, &JsValue::NULL)
            });
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                nothing.unchecked_ref(),
                POSITION_WAIT_MS,
            );
        }
        let Some(geolocation) = window.and_then(|window| window.navigator().geolocation().ok())
        else {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::NULL);
            return;
        };
        let found = resolve.clone();
        let on_position = wasm_bindgen::closure::Closure::once_into_js(move |position: JsValue| {
            found.call1(&JsValue::NULL, &position)
        });
        let on_error = wasm_bindgen::closure::Closure::once_into_js(move |_: JsValue| {
            resolve.call1(&JsValue::NULL, &JsValue::NULL)
        });
        let options = web_sys::PositionOptions::new();
        options.set_timeout(POSITION_WAIT_MS as u32);
        options.set_maximum_age(60_000);
        let _ = geolocation.get_current_position_with_error_callback_and_options(
            on_position.unchecked_ref(),
            Some(on_error.unchecked_ref()),
            &options,
        );
    });
    async move {
        let value = JsFuture::from(promise).await.ok()?;
        if value.is_null() || value.is_undefined() {
            return None;
        }
        // Browsers name the class GeolocationPosition now; the stable binding is for `Position`.
        let position: web_sys::Position = value.unchecked_into();
        let coords = position.coords();
        Some(Location {
            lat: coords.latitude(),
            lng: coords.longitude(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_12_megapixel_photo_is_scaled_to_the_long_edge() {
        assert_eq!(target_size(4000, 3000, Some(2048)), (2048, 1536));
        assert_eq!(target_size(3000, 4000, Some(2048)), (1536, 2048));
        assert_eq!(target_size(4000, 3000, Some(1280)), (1280, 960));
    }

    #[test]
    fn small_photos_and_original_size_are_left_alone() {
        assert_eq!(target_size(1000, 800, Some(2048)), (1000, 800));
        assert_eq!(target_size(4000, 3000, None), (4000, 3000));
    }

    #[test]
    fn extreme_panoramas_keep_at_least_one_pixel() {
        assert_eq!(target_size(100_000, 10, Some(2048)), (2048, 1));
    }

    #[test]
    fn sizes_round_trip_through_their_names() {
        for size in PhotoSize::ALL {
            assert_eq!(PhotoSize::parse(size.as_str()), Some(size));
        }
        assert_eq!(PhotoSize::default().long_edge(), Some(2048));
    }
}
