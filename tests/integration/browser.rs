//! Integration tests: browser.
