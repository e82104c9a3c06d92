//! Helpers shared by the crates' benchmark harnesses (`benches/*.rs`
//! include this file with `#[path]`; each uses what it needs).

use std::time::Duration;

/// The middle of `times` (the upper one of an even count).
pub(crate) fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The number in environment variable `name`, or `default` when it is
/// unset or not a number.
pub(crate) fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// How a bench reports a goal.
pub(crate) fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}
