//! The closed lists PostGrid's description gives for an order's choices, in its order; the
//! first of each is PostGrid's default.

/// PostGrid's `OrderMailingClass`, in its description's order.
pub const MAILING_CLASSES: [&str; 26] = [
    "first_class",
    "standard_class",
    "express",
    "certified",
    "certified_return_receipt",
    "registered",
    "usps_first_class",
    "usps_standard_class",
    "usps_eddm",
    "usps_express_2_day",
    "usps_express_3_day",
    "usps_first_class_certified",
    "usps_first_class_certified_return_receipt",
    "usps_first_class_registered",
    "usps_express_3_day_signature_confirmation",
    "usps_express_3_day_certified",
    "usps_express_3_day_certified_return_receipt",
    "ca_post_lettermail",
    "ca_post_personalized",
    "ca_post_neighbourhood_mail",
    "ups_express_overnight",
    "ups_express_2_day",
    "ups_express_3_day",
    "royal_mail_first_class",
    "royal_mail_second_class",
    "au_post_second_class",
];
pub const LETTER_SIZES: [&str; 2] = ["us_letter", "a4"];
pub const ADDRESS_PLACEMENTS: [&str; 2] = ["top_first_page", "insert_blank_page"];

/// An order's way from creation to delivery (`cancelled` leaves it).
pub const ORDER_PROGRESS: [&str; 4] = ["ready", "printing", "processed_for_delivery", "completed"];
