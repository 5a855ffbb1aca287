//! gojit
