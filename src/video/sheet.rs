//! Contact sheet.
