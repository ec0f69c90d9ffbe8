//! The enrolment QR code, drawn on the server as SVG: no script, no image request.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG drawing of `text` as a QR code, or `None` when it is too long for one.
pub fn svg_of(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let drawn = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Inline in HTML, the XML declaration before `<svg` has no place.
    drawn.find("<svg").map(|start| drawn[start..].to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_an_svg_without_the_text_in_it() {
        let drawn = super::svg_of("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP").expect("fits");
        assert!(drawn.contains("<svg"), "{drawn}");
        assert!(!drawn.contains("JBSWY3DPEHPK3PXP"));
        assert!(!drawn.contains("<script"));
    }
}
