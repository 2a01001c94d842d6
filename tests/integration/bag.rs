//! Integration tests: bag.
